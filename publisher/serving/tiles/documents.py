"""The JSON documents beside the tiles: tilesets, a tileset, TileJSON and a MapLibre style.

Shapes as OGC API - Tiles 1.0 (20-057) writes them (``tilesets``, ``dataType``, the
``item`` link template with ``{tileMatrix}/{tileRow}/{tileCol}``), TileJSON 3.0.0 as QGIS,
MapLibre and tipg read it, and a MapLibre style 8 document that draws the points in the
viewer's colours (``viewer.css``: ``--ca``, ``--vivoo``, ``--hv``) with clusters sized by count.

The TileJSON and the style name the tiles of one publication (``?publication=<run id>``): those
URLs never change content, so any CDN may keep them for a year, and the next publication's
TileJSON names new URLs (see :mod:`publisher.serving.tiles.routes`).
"""

from __future__ import annotations

from typing import Any

from publisher.serving.crs import parse_crs
from publisher.serving.ogcapi.filtering import PUBLICATION_PARAM
from publisher.serving.tiles.content import LAYER
from publisher.serving.tiles.matrixsets import WEB_MERCATOR, Grid, grids
from publisher.serving.tiles.mvt import MEDIA_TYPE
from publisher.serving.viewer.mapdata import FLANDERS
from publisher.serving.viewer.palette import hex_colour
from publisher.serving.viewer.texts import ORDER

#: Per product: the viewer's colour (viewer.css), so the map reads the same in both.
COLORS = {product: hex_colour(product) for product in reversed(ORDER)}
#: The TileJSON's ``maxzoom``: the first WebMercatorQuad level whose tiles always hold points
#: (``content.POINTS_FROM_CELL_SIZE``), so deeper views reuse them.
OVERZOOM_FROM = 16
TILES_REL = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
SCHEME_REL = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
_TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/"
_CRS84 = parse_crs("CRS84")


def _tileset_summary(base: str, cid: str, grid: Grid) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "title": f"{cid} ({grid.id})", "dataType": "vector",
        "crs": f"http://www.opengis.net/def/crs/EPSG/0/{grid.crs.epsg}",
        "links": [
            {"rel": "self", "type": "application/json", "title": f"Tegelset {grid.id}",
             "href": f"{base}/collections/{cid}/tiles/{grid.id}"},
            {"rel": SCHEME_REL, "type": "application/json", "title": grid.id,
             "href": f"{base}/tileMatrixSets/{grid.id}"}]}
    if grid.id == WEB_MERCATOR:
        doc["tileMatrixSetURI"] = _TMS_URI + WEB_MERCATOR
    return doc


def collection_links(base: str, cid: str, resource: dict[str, Any]) -> list[dict[str, str]]:
    """Links a POI collection's description gets (pygeoapi copies configured links)."""
    options = (resource.get("providers") or [{}])[0].get("options", {})
    if options.get("dataset") != "poi":
        return []
    return [{"rel": TILES_REL, "type": "application/json",
             "title": "Vectortegels (Mapbox Vector Tiles)",
             "href": f"{base}/collections/{cid}/tiles"},
            {"rel": "stylesheet", "type": "application/vnd.mapbox.style+json",
             "title": "MapLibre-stijl", "href": f"{base}/collections/{cid}/styles/default"}]


def tilesets(base: str, cid: str) -> dict[str, Any]:
    """``/collections/{cid}/tiles``: the vector tilesets of a collection."""
    return {"tilesets": [_tileset_summary(base, cid, g) for g in grids().values()],
            "links": [{"rel": "self", "type": "application/json",
                       "href": f"{base}/collections/{cid}/tiles"},
                      {"rel": "collection", "type": "application/json",
                       "href": f"{base}/collections/{cid}"}]}


def tileset(base: str, cid: str, grid: Grid, run_id: str) -> dict[str, Any]:
    """``/collections/{cid}/tiles/{tms}``: one tileset, its template, layer and limits."""
    doc = _tileset_summary(base, cid, grid)
    doc["links"] += [
        {"rel": "item", "type": MEDIA_TYPE, "templated": True, "title": "Mapbox vector tile",
         "href": f"{base}/collections/{cid}/tiles/{grid.id}/{{tileMatrix}}/{{tileRow}}/"
                 f"{{tileCol}}?{PUBLICATION_PARAM}={run_id}"},
        {"rel": "collection", "type": "application/json",
         "href": f"{base}/collections/{cid}"}]
    if grid.id == WEB_MERCATOR:
        doc["links"] += [
            {"rel": "describedby", "type": "application/json", "title": "TileJSON",
             "href": f"{base}/collections/{cid}/tiles/{grid.id}/tilejson.json"},
            {"rel": "stylesheet", "type": "application/vnd.mapbox.style+json",
             "title": "MapLibre-stijl", "href": f"{base}/collections/{cid}/styles/default"}]
    doc["layers"] = [_layer()]
    doc["tileMatrixSetLimits"] = _limits(grid)
    return doc


def _layer() -> dict[str, Any]:
    return {"id": LAYER, "dataType": "vector", "geometryDimension": 0,
            "propertiesSchema": {"type": "object", "properties": {
                "POID": {"type": "string"}, "PRODUCT": {"type": "string",
                                                       "enum": list(COLORS)},
                "ADRESID": {"type": "string"}, "adres": {"type": "string"},
                "count": {"type": "integer", "description": "punten in deze cluster (1: een "
                          "punt, met POID en adres)"}}}}


def _limits(grid: Grid) -> list[dict[str, Any]]:
    """Per level, the rows and columns holding Flanders (tiles elsewhere are empty)."""
    x1, y1, x2, y2 = _xy_bounds(grid)
    out = []
    for z in range(grid.max_zoom + 1):
        m = grid.tms.matrix(z)
        size = m.cellSize * m.tileWidth
        ox, oy = m.pointOfOrigin

        def index(v: float, origin: float, sign: int, n: int) -> int:
            return min(max(int((sign * (v - origin)) // size), 0), n - 1)  # noqa: B023

        out.append({"tileMatrix": m.id,
                    "minTileRow": index(y2, oy, -1, m.matrixHeight),
                    "maxTileRow": index(y1, oy, -1, m.matrixHeight),
                    "minTileCol": index(x1, ox, 1, m.matrixWidth),
                    "maxTileCol": index(x2, ox, 1, m.matrixWidth)})
    return out


def _xy_bounds(grid: Grid) -> tuple[float, float, float, float]:
    """:data:`FLANDERS` (CRS84) as bounds in ``grid``'s CRS."""
    corners = grid.crs.from_native(_CRS84.to_native(
        [[FLANDERS[0], FLANDERS[1]], [FLANDERS[2], FLANDERS[3]],
         [FLANDERS[0], FLANDERS[3]], [FLANDERS[2], FLANDERS[1]]]))
    return (*corners.min(axis=0).tolist(), *corners.max(axis=0).tolist())


def tilejson(base: str, cid: str, title: str, run_id: str) -> dict[str, Any]:
    """TileJSON 3.0.0 of a collection's Web Mercator tiles of publication ``run_id``."""
    return {"tilejson": "3.0.0", "name": cid, "description": title,
            # from z16 on every tile holds points: a client overzooms it, with no requests
            "scheme": "xyz", "minzoom": 0, "maxzoom": OVERZOOM_FROM,
            "bounds": list(FLANDERS),
            "center": [4.4, 51.0, 8],
            "tiles": [f"{base}/collections/{cid}/tiles/{WEB_MERCATOR}/{{z}}/{{y}}/{{x}}"
                      f"?{PUBLICATION_PARAM}={run_id}"],
            "vector_layers": [{"id": LAYER, "minzoom": 0, "maxzoom": OVERZOOM_FROM,
                               "fields": {k: v["type"] for k, v in
                                          _layer()["propertiesSchema"]["properties"].items()}}],
            "attribution": "Wonen-Vlaanderen (VLOK)"}


def style(base: str, cid: str, run_id: str) -> dict[str, Any]:
    """A MapLibre style: clusters as sized circles with their count, points as dots."""
    color: list[Any] = ["match", ["get", "PRODUCT"]]
    for name, hex_color in COLORS.items():
        color += [name, hex_color]
    color.append("#263238")
    is_cluster = [">", ["get", "count"], 1]
    return {
        "version": 8, "name": f"VLOK {cid}",
        "sources": {"vlok": {"type": "vector", "url": f"{base}/collections/{cid}/tiles/"
                             f"{WEB_MERCATOR}/tilejson.json?{PUBLICATION_PARAM}={run_id}"}},
        "layers": [
            {"id": "vlok-clusters", "type": "circle", "source": "vlok", "source-layer": LAYER,
             "filter": is_cluster,
             "paint": {"circle-color": color, "circle-opacity": 0.85,
                       "circle-stroke-color": "#ffffff", "circle-stroke-width": 2,
                       "circle-radius": ["interpolate", ["linear"], ["get", "count"],
                                         2, 10, 100, 16, 1000, 22, 10000, 28]}},
            {"id": "vlok-points", "type": "circle", "source": "vlok", "source-layer": LAYER,
             "filter": ["!", is_cluster],
             "paint": {"circle-color": color, "circle-radius": 6,
                       "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5}}]}
