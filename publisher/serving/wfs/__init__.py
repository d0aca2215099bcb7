"""WFS 2.0 over the current publication: ``routes(reader)`` gives the ``/wfs`` route.

Layout (django-gisserver style): ``parsers/`` (KVP, XML POST, FES/ECQL), ``query/`` (AST →
SQL, GeoPackage reads), ``operations/`` (one module per operation), ``output/`` (one renderer
per format, XSD and capabilities), ``errors`` (ExceptionReport), ``routes`` (ASGI adapter).
"""

from publisher.serving.wfs.routes import routes

__all__ = ["routes"]
