"""What one vector tile holds: the points in it, or their clusters when they are many.

Why two kinds: at Flanders zoom one tile covers every point of a product (over 100,000 at
flanders scale); sent as points it would be megabytes and a browser would draw them all.
So, like the viewer's Leaflet map (``viewer.mapdata.clusters``), a tile with more than
:data:`MAX_TILE_POINTS` points in it holds counts per cell of a :data:`CELLS` × :data:`CELLS`
grid aligned to the tile (so a cluster never straddles two tiles and the counts of a level sum
to the product's count), each at the mean position of its points. A tile with fewer holds the
points themselves, with what a popup shows (``POID``, ``PRODUCT``, ``ADRESID``, ``adres``).

Finding a tile's points costs no spatial query: the positions come from the viewer's per-run
columns (``viewer.mapdata.columns``: memory-mapped, shared by the workers) with their fids
beside them, projected once per run into each set's CRS (pyproj on arrays) and sorted on x,
so a tile's points are a ``searchsorted`` slice and a mask, and a point tile reads its
properties by primary key through the backend's portable connection (GeoPackage or PostGIS).
Why not the R-tree/GiST box filter the map's JSON uses: per tile it cost a connection, an
exact test per candidate and a dict per feature, three times what the tile's encoding costs.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import morecantile
import numpy as np

from publisher.serving.crs import parse_crs
from publisher.serving.lookup.reading import connect, scan
from publisher.serving.lookup.shared import mapped, source_of
from publisher.serving.publications import Publication, PublicationUnreadable
from publisher.serving.tiles.matrixsets import EXTENT, Grid
from publisher.serving.tiles.mvt import PointLayer, encode
from publisher.serving.viewer import mapdata
from publisher.serving.viewer.mapdata import _label  # one address label, map and tiles
from publisher.serving.viewer.texts import PRODUCTS

#: Above this many points in a tile (buffer included) it holds clusters: ~80 bytes a point,
#: so a point tile stays under ~35 kB (~12 kB gzipped); a 512 px tile is about a sixth of a
#: screen, so a view holds about the 3,000 points the Leaflet map draws (viewer.routes.MAX_POINTS).
MAX_TILE_POINTS = 400
#: From tiles this fine (CRS units per pixel: WebMercatorQuad z16, Lambert z9) on, a tile
#: always holds points (up to :data:`MAX_DEEP_TILE_POINTS`, a tower's rooms at one spot): a
#: client may overzoom it (TileJSON's ``maxzoom``) and its clusters would never split.
POINTS_FROM_CELL_SIZE = 2.4
MAX_DEEP_TILE_POINTS = 20_000
#: Cluster cells per tile side: 8 × 8 cells of 64 px on a 512 px MapLibre tile.
CELLS = 8
#: Points this far (tile units) beyond the edge are included, so symbols are not cut off.
BUFFER = 64
#: The layer every tile holds (QGIS and the style name it).
LAYER = "poi"
_NAMES = tuple(PRODUCTS)
_CRS84 = parse_crs("CRS84")


@dataclass(frozen=True)
class Positions:
    """Every point of a run in one grid's CRS, sorted on x, with its product's index and fid."""

    x: np.ndarray
    y: np.ndarray
    product: np.ndarray
    fid: np.ndarray


def _fids(pub: Publication, product: str) -> np.ndarray:
    """The fids of ``product``'s points in the order of ``mapdata.columns`` (fid order)."""
    arrays, _ = mapped(source_of(pub), pub.run_id, f"tile-fids-{product}", lambda: (
        {"fid": np.fromiter((row[0] for row in scan(pub, "f.lon", 'p."PRODUCT" = ?',
                                                     [product])), dtype=np.int64)}, {}))
    return arrays["fid"]


def positions(pub: Publication, grid: Grid) -> Positions:
    """All points of ``pub`` projected into ``grid``'s CRS (built once per run and grid)."""
    parts = [mapdata.columns(pub, name) for name in _NAMES]
    lon = np.concatenate([c.lon for c in parts])
    lat = np.concatenate([c.lat for c in parts])
    fid = np.concatenate([_fids(pub, name) for name in _NAMES])
    product = np.concatenate([np.full(len(c.lon), i, np.int8) for i, c in enumerate(parts)])
    if len(fid) != len(lon):  # cannot happen on an immutable publication: never misattribute
        raise PublicationUnreadable("map columns and fids of one run differ in length")
    keep = np.isfinite(lon) & np.isfinite(lat)
    xy = grid.crs.from_native(_CRS84.to_native(np.column_stack([lon[keep], lat[keep]])))
    order = np.argsort(xy[:, 0], kind="stable")
    return Positions(np.ascontiguousarray(xy[order, 0]), np.ascontiguousarray(xy[order, 1]),
                     product[keep][order], fid[keep][order])


@dataclass(frozen=True)
class TileBox:
    """A tile's bounds in its grid's CRS and the scale to tile coordinates."""

    left: float
    bottom: float
    right: float
    top: float

    @property
    def per_unit(self) -> float:
        """CRS units per tile unit."""
        return (self.right - self.left) / EXTENT

    def local(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """CRS coordinates → tile coordinates (origin top left, y down)."""
        return (x - self.left) / self.per_unit, (self.top - y) / self.per_unit

    def grown(self, units: float) -> tuple[float, float, float, float]:
        """The bounds widened by ``units`` tile units on every side."""
        d = units * self.per_unit
        return self.left - d, self.bottom - d, self.right + d, self.top + d


def tile_box(grid: Grid, tile: morecantile.Tile) -> TileBox:
    """The bounds of ``tile``."""
    b = grid.tms.xy_bounds(tile)
    return TileBox(b.left, b.bottom, b.right, b.top)


def _inside(pos: Positions, box: tuple[float, float, float, float],
            product: int | None) -> np.ndarray:
    """Indices of the points in ``box`` (left/bottom edges in, right/top out)."""
    lo, hi = np.searchsorted(pos.x, [box[0], box[2]], side="left")
    y = pos.y[lo:hi]
    mask = (y >= box[1]) & (y < box[3])
    if product is not None:
        mask &= pos.product[lo:hi] == product
    return lo + np.flatnonzero(mask)


def render(pub: Publication, grid: Grid, tile: morecantile.Tile, pos: Positions,
           product: str | None) -> bytes:
    """The MVT of ``tile``: points, or clusters when there are more than the maximum."""
    box = tile_box(grid, tile)
    index = None if product is None else _NAMES.index(product)
    buffered = _inside(pos, box.grown(BUFFER), index)
    deep = grid.tms.matrix(tile.z).cellSize <= POINTS_FROM_CELL_SIZE
    if len(buffered) <= (MAX_DEEP_TILE_POINTS if deep else MAX_TILE_POINTS):
        return encode([_points(pub, pos, box, buffered)])
    inner = _inside(pos, box.grown(0), index)
    return encode([_clusters(pos, box, inner)])


_PROPERTIES = ('SELECT p.fid, p."POID", p."PRODUCT", p."ADRESID", p."STRAAT", p."HUISNUMMER", '
               'p."BUSNUMMER", p."POSTCODE", p."GEMEENTE" FROM poi p WHERE p.fid IN ')


def _points(pub: Publication, pos: Positions, box: TileBox, chosen: np.ndarray) -> PointLayer:
    """The chosen points (buffer included) with their popup properties, read by fid."""
    x, y = box.local(pos.x[chosen], pos.y[chosen])
    fids = pos.fid[chosen].tolist()
    rows: dict[int, tuple] = {}
    if fids:
        try:
            found = connect(pub).execute(
                _PROPERTIES + "(" + ",".join("?" * len(fids)) + ")", fids).fetchall()
        except sqlite3.DatabaseError as exc:  # the file or database: a 503 at the boundary
            raise PublicationUnreadable(f"publication unreadable: {exc}") from exc
        rows = {row[0]: row[1:] for row in found}
    props = [rows[f] for f in fids]
    return PointLayer(LAYER, x, y, {
        "POID": [r[0] for r in props],
        "PRODUCT": [r[1] for r in props],
        "ADRESID": [r[2] for r in props],
        "adres": [_label(*r[3:]) for r in props],
        "count": [1] * len(props)})


def _clusters(pos: Positions, box: TileBox, inner: np.ndarray) -> PointLayer:
    """Counts per product and cell of the tile's grid, at the mean position of their points."""
    x, y = box.local(pos.x[inner], pos.y[inner])
    cell = EXTENT / CELLS
    cx = np.clip((x // cell).astype(np.int64), 0, CELLS - 1)
    cy = np.clip((y // cell).astype(np.int64), 0, CELLS - 1)
    key = (pos.product[inner].astype(np.int64) * CELLS + cy) * CELLS + cx
    cells = len(_NAMES) * CELLS * CELLS
    counts = np.bincount(key, minlength=cells)  # one pass, no sort: O(points)
    used = np.flatnonzero(counts)
    mean_x = np.bincount(key, weights=x, minlength=cells)[used] / counts[used]
    mean_y = np.bincount(key, weights=y, minlength=cells)[used] / counts[used]
    names = [_NAMES[k // (CELLS * CELLS)] for k in used.tolist()]
    return PointLayer(LAYER, mean_x, mean_y, {"PRODUCT": names,
                                              "count": counts[used].tolist()})
