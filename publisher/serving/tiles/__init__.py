"""OGC API - Tiles: Mapbox vector tiles of the POI collections (see :mod:`.routes`)."""

from publisher.serving.tiles.routes import routes as tile_routes

#: The MapLibre style the citizen viewer draws its points from (all products).
VECTOR_STYLE = "/ogc/collections/poi/styles/default"

__all__ = ["VECTOR_STYLE", "tile_routes"]
