"""The citizen map viewer at ``/``: Leaflet map, address search, list view, service links.

``routes(reader)`` gives the main app the page, its static files (``/static/...``) and the
viewer's JSON endpoints (``/api/v1/kaart``, ``/api/v1/kaart/gemeenten``, ``/api/v1/adressen``).
The vendored libraries come from npm: run ``python -m publisher.serving.viewer.build`` once.
"""

from publisher.serving.viewer.routes import routes

__all__ = ["routes"]
