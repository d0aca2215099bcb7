"""OGC API - Tiles: Mapbox vector tiles of the POI collections (see :mod:`.routes`)."""

from publisher.serving.tiles.routes import routes

__all__ = ["routes"]
