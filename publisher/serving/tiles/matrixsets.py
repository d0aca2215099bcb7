"""The tile matrix sets we serve, and the parsing of ``{tms}/{z}/{y}/{x}``.

Two grids, both from morecantile (OGC Two Dimensional Tile Matrix Set 2.0):

- ``WebMercatorQuad``: what QGIS's XYZ vector tiles, MapLibre and every web map use;
- ``Lambert72Vlaanderen``: a quad tree in EPSG:31370 over Flanders and Brussels, origin
  (9928, 329072) and 1024 m per pixel at level 0 (scale 1:3,657,142.86), halving per level:
  the grid Flemish WMTS clients know in Lambert 72 (modelled on Digitaal Vlaanderen's
  ``BPL72VL``), so a Lambert map needs no reprojection of tiles.

Why bounds on the zoom: beyond the last level a tile is smaller than the position's precision
and only costs requests; a zoom, row or column outside its matrix is the client's error (404
as OGC API Tiles asks for a tile outside the set's limits, 400 for a value that is not an
integer at all), answered before anything is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import morecantile
import pyproj

from publisher.serving.crs import Crs, parse_crs

WEB_MERCATOR = "WebMercatorQuad"
LAMBERT = "Lambert72Vlaanderen"
#: The deepest level served per set (WebMercatorQuad z22 is ~2 cm per pixel in Flanders).
MAX_ZOOM = {WEB_MERCATOR: 22, LAMBERT: 16}
#: Tile coordinates in every encoded tile (MVT's default extent).
EXTENT = 4096


class TileRequestError(ValueError):
    """A tile path that names nothing: ``status`` 400 (malformed) or 404 (outside the set)."""

    def __init__(self, message: str, locator: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.locator, self.status = message, locator, status


@dataclass(frozen=True)
class Grid:
    """One served tile matrix set: morecantile's object and the CRS its tiles are cut in."""

    id: str
    tms: morecantile.TileMatrixSet
    crs: Crs
    max_zoom: int

    @property
    def crs_name(self) -> str:
        """How :func:`~publisher.serving.crs.parse_crs` and the box filter name the CRS."""
        return f"EPSG:{self.crs.epsg}"


@cache
def grids() -> dict[str, Grid]:
    """The served sets by id (built once: morecantile validates on construction)."""
    lambert = morecantile.TileMatrixSet.custom(
        [9928.0, 66928.0, 272072.0, 329072.0], pyproj.CRS.from_epsg(31370), id=LAMBERT,
        minzoom=0, maxzoom=MAX_ZOOM[LAMBERT],
        title="Lambert 72 (EPSG:31370) quad tree over Vlaanderen en Brussel")
    sets = {WEB_MERCATOR: morecantile.tms.get(WEB_MERCATOR), LAMBERT: lambert}
    return {name: Grid(name, tms, parse_crs(f"EPSG:{tms.crs.to_epsg()}"), MAX_ZOOM[name])
            for name, tms in sets.items()}


def _integer(text: str, locator: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise TileRequestError(f"invalid {locator} {text[:40]!r}: expected a non-negative "
                               "integer", locator)
    return int(text)


def parse_tile(tms: str, z: str, y: str, x: str) -> tuple[Grid, morecantile.Tile]:
    """The grid and tile a path names, or a :class:`TileRequestError` naming the value.

    ``y`` is the row counted from the top (OGC API Tiles ``{tileRow}``, XYZ's ``y``).
    """
    grid = grid_named(tms)
    zoom, row, col = _integer(z, "tileMatrix"), _integer(y, "tileRow"), _integer(x, "tileCol")
    if zoom > grid.max_zoom:
        raise TileRequestError(f"tileMatrix {zoom} is not in {grid.id}: levels 0 to "
                               f"{grid.max_zoom} are served", "tileMatrix", 404)
    matrix = grid.tms.matrix(zoom)
    for value, size, locator in ((row, matrix.matrixHeight, "tileRow"),
                                 (col, matrix.matrixWidth, "tileCol")):
        if value >= size:
            raise TileRequestError(f"{locator} {value} is outside tileMatrix {zoom} of "
                                   f"{grid.id}: 0 to {size - 1}", locator, 404)
    return grid, morecantile.Tile(col, row, zoom)


def grid_named(tms: str) -> Grid:
    """The served set ``tms`` (exact id), or a 404 naming the ones we serve."""
    found = grids().get(tms)
    if found is None:
        raise TileRequestError(f"tileMatrixSet {tms[:60]!r} is not served: use one of "
                               f"{', '.join(grids())}", "tileMatrixSetId", 404)
    return found


def document(grid: Grid) -> dict[str, object]:
    """The set's TileMatrixSet 2.0 JSON, limited to the served levels."""
    doc = grid.tms.model_dump(exclude_none=True, mode="json")
    doc["tileMatrices"] = [m for m in doc["tileMatrices"] if int(m["id"]) <= grid.max_zoom]
    return doc
