"""What the map draws: compact GeoJSON of the POI points, their clusters, and the outlines.

Why our own endpoints rather than the OGC API: the map needs only what a marker and its popup
show (id, product, address), a fifth of a full feature. At Flanders scale a product holds over
100,000 points, too many to send and cluster in a browser; so the map asks, per product and
view, either for the points in a ``bbox`` (answered from the R-tree or, on a PostGIS
publication, read through its portable connection, from the GiST index) or, zoomed out, for
:func:`clusters`: counts per grid cell of the web map, computed with numpy from the lon/lat
columns kept in memory per publication run (:func:`columns`). The whole product without a bbox
is still served (rendered once per run, kept with its gzip form, sent as bytes).

The outlines come from the policy publication (it carries each municipality's geometry), so
the map still shows Flanders when no basemap is configured or reachable.
"""

from __future__ import annotations

import gzip
import json
import struct
import threading
import zlib
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

import numpy as np
import shapely
from pygeofilter import ast
from pyproj import Transformer

from publisher.mapping import load_mapping
from publisher.serving.backends import PublicationBackend, backend_for
from publisher.serving.crs import CrsError, box_to_native, covers_data_area, parse_crs
from publisher.serving.filters.compiler import (
    GeometryLiteral,
    Layer,
    compile_filter,
    layer_from_mapping,
)
from publisher.serving.lookup.errors import bad_parameter
from publisher.serving.lookup.reading import connect, scan
from publisher.serving.lookup.shared import mapped, source_of
from publisher.serving.publications import Publication, PublicationUnreadable
from publisher.serving.viewer.texts import PRODUCTS

_TO_31370 = Transformer.from_crs(4326, 31370, always_xy=True)
_TO_CRS84 = Transformer.from_crs(31370, 4326, always_xy=True)
#: A generous envelope of Flanders and Brussels in CRS84; a bbox must overlap it.
FLANDERS = (2.3, 50.5, 6.1, 51.7)
POLICY_LAYER = "woningkwaliteitsbeleid"
T = TypeVar("T")


@dataclass(frozen=True)
class Body:
    """A response body in gzip form, and in plain form unless that is large.

    Why not always both: a whole product at flanders scale is ~40 MB of JSON and ~5 MB
    gzipped; a cached body keeps only the gzip form, and the rare client that does not accept
    gzip gets it decompressed per request.
    """

    gz: bytes
    plain: bytes | None = None

    @property
    def raw(self) -> bytes:
        """The plain body."""
        return self.plain if self.plain is not None else gzip.decompress(self.gz)

    @classmethod
    def of(cls, obj: object) -> Body:
        """Serialise ``obj`` compactly and compress it once."""
        raw = _json(obj)
        return cls(gzip.compress(raw, compresslevel=6, mtime=0), raw)


def _json(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def parse_product(value: str | None) -> str | None:
    """A product name (or its short code ``ca``/``vivoo``/``hv``); None = all products."""
    if value is None or not value.strip():
        return None
    v = value.strip()
    for name, text in PRODUCTS.items():
        if v in (name, text["code"], text["code"].upper()):
            return name
    raise bad_parameter("product", f"unknown product {value!r}: expected one of "
                        f"{', '.join(PRODUCTS)}")


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """``minlon,minlat,maxlon,maxlat`` in CRS84, or None when absent."""
    if value is None or not value.strip():
        return None
    try:
        box = tuple(float(v) for v in value.split(","))
    except ValueError:
        box = ()
    if len(box) != 4 or not all(np.isfinite(box)) or box[0] > box[2] or box[1] > box[3]:
        raise bad_parameter("bbox", f"invalid bbox {value!r}: expected "
                            "minlon,minlat,maxlon,maxlat in CRS84 (e.g. 3.6,50.9,3.9,51.2)")
    return box  # type: ignore[return-value]


#: Side of a cluster cell in screen pixels of the web map (a cluster icon is at most 52 px).
CELL_PX = 80
MAX_ZOOM = 20
#: A clusters request may span at most this many grid cells (a 4K screen spans ~3,000).
MAX_CELLS = 10_000
_MAX_LAT = 85.0511


def parse_zoom(value: str | None) -> int:
    """The map's zoom level: an integer from 0 to :data:`MAX_ZOOM`."""
    text = (value or "").strip()
    if not text.isdigit() or int(text) > MAX_ZOOM:
        raise bad_parameter("zoom", f"invalid zoom {value!r}: expected an integer from 0 to "
                            f"{MAX_ZOOM}")
    return int(text)


@dataclass(frozen=True)
class Columns:
    """One product's point coordinates (fid order): CRS84 and web-map pixels at zoom 0."""

    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray

    def inside(self, bbox: Sequence[float]) -> np.ndarray:
        """Boolean mask of the points in ``bbox`` (edges included, as :func:`points`)."""
        return ((self.lon >= bbox[0]) & (self.lon <= bbox[2])
                & (self.lat >= bbox[1]) & (self.lat <= bbox[3]))


def _pixels(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixel coordinates at zoom 0 (a 256 px world), as Leaflet computes them."""
    phi = np.radians(np.clip(lat, -_MAX_LAT, _MAX_LAT))
    x = (lon + 180.0) / 360.0 * 256.0
    y = (1.0 - np.log(np.tan(phi) + 1.0 / np.cos(phi)) / np.pi) / 2.0 * 256.0
    return x, y


def columns(pub: Publication, product: str | None) -> Columns:
    """The lon/lat columns of ``product`` (all products when None) as numpy arrays.

    Built once per host and run and memory-mapped by every worker (see
    :mod:`publisher.serving.lookup.shared`), read with
    :func:`~publisher.serving.lookup.reading.scan` straight into arrays.
    """
    arrays, _ = mapped(source_of(pub), pub.run_id, f"map-columns-{product or 'all'}",
                       lambda: (_read_columns(pub, product), {}))
    return Columns(arrays["lon"], arrays["lat"], arrays["x"], arrays["y"])


def _read_columns(pub: Publication, product: str | None) -> dict[str, np.ndarray]:
    rows = scan(pub, "f.lon, f.lat", 'p."PRODUCT" = ?' if product else "",
                [product] if product else [])
    xy = np.fromiter((np.nan if v is None else v for row in rows for v in row[1:]),
                     dtype=np.float64).reshape(-1, 2)
    lon, lat = xy[:, 0].copy(), xy[:, 1].copy()
    x, y = _pixels(lon, lat)
    return {"lon": lon, "lat": lat, "x": x, "y": y}


def clusters(cols: Columns, bbox: Sequence[float], zoom: int) -> dict[str, object]:
    """The points in ``bbox`` counted per cell of a :data:`CELL_PX` grid at ``zoom``.

    The grid is fixed to the web map's pixels (not to the bbox), so a pan does not move a
    cluster. Each cell becomes a GeoJSON point at the mean position of its points, with their
    ``count`` and their ``bbox`` (where a click zooms to). The counts sum to the points in
    ``bbox``, ``numberMatched``.
    """
    scale = 2.0 ** zoom / CELL_PX
    (x0, x1), (y1, y0) = _pixels(np.array([bbox[0], bbox[2]]), np.array([bbox[1], bbox[3]]))
    spans = (np.floor(x1 * scale) - np.floor(x0 * scale) + 1) * \
        (np.floor(y1 * scale) - np.floor(y0 * scale) + 1)
    if spans > MAX_CELLS:
        raise bad_parameter("bbox", f"bbox too large for zoom {zoom}: it spans {int(spans):,} "
                            f"cells of {CELL_PX} px, at most {MAX_CELLS:,} are served")
    mask = cols.inside(bbox)
    lon, lat = cols.lon[mask], cols.lat[mask]
    features: list[dict[str, object]] = []
    if len(lon):
        key = (np.floor(cols.x[mask] * scale).astype(np.int64) << 32) | \
            np.floor(cols.y[mask] * scale).astype(np.int64)
        order = np.argsort(key, kind="stable")
        key, lon, lat = key[order], lon[order], lat[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        counts = np.diff(np.r_[starts, len(key)])
        stats = np.column_stack([
            np.add.reduceat(lon, starts) / counts, np.add.reduceat(lat, starts) / counts,
            np.minimum.reduceat(lon, starts), np.minimum.reduceat(lat, starts),
            np.maximum.reduceat(lon, starts), np.maximum.reduceat(lat, starts)]).round(6)
        features = [{"type": "Feature",
                     "geometry": {"type": "Point", "coordinates": row[:2]},
                     "properties": {"count": n, "bbox": row[2:]}}
                    for n, row in zip(counts.tolist(), stats.tolist(), strict=True)]
    return {"type": "FeatureCollection", "zoom": zoom, "numberMatched": int(mask.sum()),
            "numberReturned": len(features), "features": features}


_POINT_COLUMNS = ('p."POID", p."PRODUCT", p."STRAAT", p."HUISNUMMER", p."BUSNUMMER", '
                  'p."POSTCODE", p."GEMEENTE", p."ADRESID", f.lon, f.lat')
_POINTS_COLUMNS = """
    SELECT t."POID", t."PRODUCT", t."STRAAT", t."HUISNUMMER", t."BUSNUMMER", t."POSTCODE",
           t."GEMEENTE", t."ADRESID", f.lon, f.lat"""


def _label(straat: str, nr: str, bus: str | None, postcode: str, gemeente: str) -> str:
    box = f" bus {bus}" if bus else ""
    return f"{straat} {nr}{box}, {postcode} {gemeente}"


def points(pub: Publication, product: str | None,
           bbox: Sequence[float] | None) -> dict[str, object]:
    """The POI points as a GeoJSON FeatureCollection in CRS84 (stable fid order).

    Besides the label, each point carries its address parts: the map groups the facts of one
    address point under one marker, and the list sorts them by municipality, street and house
    number, which a label string cannot do (``9`` sorts after ``10``). The view's box is
    compiled by the one filter compiler, like a WFS BBOX in CRS84: the same points.
    """
    backend = backend_for(pub)
    nodes: list[object] = []
    if product:
        nodes.append(ast.Equal(ast.Attribute("PRODUCT"), product))
    if bbox:
        crs = parse_crs("CRS84", "bbox")
        try:
            area = GeometryLiteral(box_to_native(crs, *bbox, locator="bbox"),
                                   covers_data_area(crs, *bbox, locator="bbox"))
        except CrsError as exc:
            raise bad_parameter("bbox", exc.message) from None
        nodes.append(ast.GeometryIntersects(ast.Attribute("SHAPE"), area))
    tree = nodes[0] if len(nodes) == 1 else (ast.And(*nodes) if nodes else None)
    where = compile_filter(tree, _poi_layer(), backend.dialect)
    with closing(backend.query(pub, where, _poi_layer())) as q:
        sql = (f"{_POINTS_COLUMNS} FROM {q.table('poi')} t JOIN {q.table('poi_fragment')} f "
               f"ON f.fid = t.fid WHERE {where.sql} ORDER BY t.fid")
        rows = _read(backend, lambda: q.rows(sql, where.params))
    features = [_feature(*row) for row in rows]
    return {"type": "FeatureCollection", "numberReturned": len(features), "features": features}


def _read(backend: PublicationBackend, read: Callable[[], list[T]]) -> list[T]:
    """``read()``; a backend failure (file or database unreadable) is a 503."""
    try:
        return read()
    except Exception as exc:
        if backend.classify(exc) is None:
            raise
        raise PublicationUnreadable(f"publication unreadable: {type(exc).__name__}") from exc


@cache
def _poi_layer() -> Layer:
    return layer_from_mapping(load_mapping("poi"), table="poi", id_field="POID")


def _feature(poid: str, prod: str, straat: str, nr: str, bus: str | None, postcode: str,
             gemeente: str, adresid: str, lon: float, lat: float) -> dict[str, object]:
    """One point of :func:`points` as a GeoJSON feature."""
    return {"type": "Feature", "id": poid,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"PRODUCT": prod, "ADRESID": adresid,
                           "adres": _label(straat, nr, bus, postcode, gemeente),
                           "straat": straat, "huisnummer": nr, "bus": bus,
                           "postcode": postcode, "gemeente": gemeente}}


def whole_product(pub: Publication, product: str | None) -> Body:
    """:func:`points` of ``product`` without a bbox, gzipped feature by feature.

    Why not ``Body.of(points(...))``: at flanders scale that builds 120,000 feature dicts and
    40 MB of JSON at once (~250 MB in a worker). Here the count comes first (one cheap query:
    the publication never changes under its run id), then each feature is rendered and
    compressed as it is read. The bytes are those ``Body.of(points(...))`` would give.
    """
    where, args = ('p."PRODUCT" = ?', [product]) if product else ("", [])
    count = connect(pub).execute(
        "SELECT COUNT(*) FROM poi p JOIN poi_fragment f ON f.fid = p.fid"
        + (f" WHERE {where}" if where else ""), args).fetchone()[0]
    deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    out = [b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"]  # gzip header as gzip.compress(mtime=0)
    crc, size, seen = 0, 0, 0

    def put(data: bytes) -> None:
        nonlocal crc, size
        crc, size = zlib.crc32(data, crc), size + len(data)
        out.append(deflate.compress(data))

    put(b'{"type":"FeatureCollection","numberReturned":%d,"features":[' % count)
    batch: list[bytes] = []
    for row in scan(pub, _POINT_COLUMNS, where, args):
        batch.append(_json(_feature(*row[1:])))
        if len(batch) == 1000:
            put((b"," if seen else b"") + b",".join(batch))
            seen, batch = seen + len(batch), []
    if batch:
        put((b"," if seen else b"") + b",".join(batch))
        seen += len(batch)
    put(b"]}")
    if seen != count:  # cannot happen on an immutable publication; never send a wrong count
        return Body.of(points(pub, product, None))
    out += [deflate.flush(), struct.pack("<II", crc, size & 0xFFFFFFFF)]
    return Body(b"".join(out))


def outlines(pub: Publication, tolerance_m: float = 60.0) -> dict[str, object]:
    """Municipality outlines (simplified, CRS84) of a policy publication."""
    backend = backend_for(pub)
    with closing(backend.query(pub)) as q:
        shape = backend.geometry_column('t."SHAPE"')
        sql = (f'SELECT {shape}, t."NISCODE", t."GEMEENTE" FROM {q.table(POLICY_LAYER)} t '
               "ORDER BY t.fid")
        rows = _read(backend, lambda: q.rows(sql, []))
    geoms = backend.decode([r[0] for r in rows])
    geoms = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    geoms = shapely.transform(geoms, lambda xy: np.column_stack(
        _TO_CRS84.transform(xy[:, 0], xy[:, 1])))
    geoms = shapely.set_precision(geoms, 1e-5)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": nis, "geometry": json.loads(shapely.to_geojson(g)),
         "properties": {"NISCODE": nis, "GEMEENTE": name}}
        for g, (_, nis, name) in zip(geoms, rows, strict=True)]}


class Cache:
    """Values per (publication run, key): the publication never changes under a run id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._run: str | None = None
        self._values: dict[str, object] = {}

    def value(self, pub: Publication, key: str, make: Callable[[], T]) -> T:
        """The cached value for ``key`` of ``pub``; ``make()`` builds it on first use."""
        with self._lock:
            if self._run != pub.run_id:
                self._run, self._values = pub.run_id, {}
            value = self._values.get(key)
        if value is None:
            value = make()
            with self._lock:
                if self._run == pub.run_id:
                    self._values[key] = value
        return value  # type: ignore[return-value]

    def get(self, pub: Publication, key: str, make: Callable[[], object]) -> Body:
        """The cached body for ``key`` of ``pub``; ``make()`` builds its object on first use."""
        return self.value(pub, f"body:{key}", lambda: Body.of(make()))
