"""WMS 1.3.0 and 1.1.1 over the current publication: ``routes(reader)`` gives ``/wms``.

Layout (as :mod:`publisher.serving.wfs`): ``parsers/`` (KVP), ``operations/`` (one module per
operation), ``render/`` (data as arrays, sprites, the canvas), ``output/`` (GetFeatureInfo
formats, image exceptions), ``errors`` (ServiceExceptionReport), ``routes`` (ASGI adapter,
the one error boundary).
"""

from publisher.serving.wms.routes import routes

__all__ = ["routes"]
