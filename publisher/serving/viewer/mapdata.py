"""What the map draws: compact GeoJSON of the POI points and of the municipality outlines.

Why our own endpoint rather than the OGC API: the map needs every point of a product at once
(clustering happens in the browser), with only what a marker and its popup show (id, product,
address). That is a fifth of a full feature; rendered once per publication and product, kept
in memory with its gzip form, and sent as bytes. A ``bbox`` request is answered from the R-tree
(or, on a PostGIS publication, read through its portable connection, from the GiST index).

The outlines come from the policy publication (it carries each municipality's geometry), so
the map still shows Flanders when no basemap is configured or reachable.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer

from publisher.serving.lookup.errors import bad_parameter
from publisher.serving.publications import PortableConnection, Publication
from publisher.serving.viewer.texts import PRODUCTS

_TO_31370 = Transformer.from_crs(4326, 31370, always_xy=True)
_TO_CRS84 = Transformer.from_crs(31370, 4326, always_xy=True)
#: A generous envelope of Flanders and Brussels in CRS84; a bbox must overlap it.
FLANDERS = (2.3, 50.5, 6.1, 51.7)
POLICY_LAYER = "woningkwaliteitsbeleid"


@dataclass(frozen=True)
class Body:
    """A response body in plain and gzip form."""

    raw: bytes
    gz: bytes

    @classmethod
    def of(cls, obj: object) -> Body:
        """Serialise ``obj`` compactly and compress it once."""
        raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(raw, gzip.compress(raw, compresslevel=6, mtime=0))


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


_POINTS_SQL = """
    SELECT p."POID", p."PRODUCT", p."STRAAT", p."HUISNUMMER", p."BUSNUMMER", p."POSTCODE",
           p."GEMEENTE", p."ADRESID", f.lon, f.lat
    FROM poi p JOIN poi_fragment f ON f.fid = p.fid
"""


def _label(straat: str, nr: str, bus: str | None, postcode: str, gemeente: str) -> str:
    box = f" bus {bus}" if bus else ""
    return f"{straat} {nr}{box}, {postcode} {gemeente}"


def points(db: sqlite3.Connection, product: str | None,
           bbox: Sequence[float] | None) -> dict[str, object]:
    """The POI points as a GeoJSON FeatureCollection in CRS84 (stable fid order)."""
    where, args = [], []
    if product:
        where.append('p."PRODUCT" = ?')
        args.append(product)
    if bbox:
        xs, ys = _TO_31370.transform([bbox[0], bbox[0], bbox[2], bbox[2]],
                                     [bbox[1], bbox[3], bbox[1], bbox[3]])
        if _postgis(db):
            where.append('p."SHAPE" && ST_MakeEnvelope(?, ?, ?, ?, 31370)')
            args += [min(xs) - 1, min(ys) - 1, max(xs) + 1, max(ys) + 1]
        else:
            where.append("p.fid IN (SELECT id FROM rtree_poi_SHAPE WHERE maxx >= ? AND "
                         "minx <= ? AND maxy >= ? AND miny <= ?)")
            args += [min(xs) - 1, max(xs) + 1, min(ys) - 1, max(ys) + 1]
    sql = _POINTS_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY p.fid"
    features = []
    for poid, prod, straat, nr, bus, postcode, gemeente, adresid, lon, lat in \
            db.execute(sql, args):
        if bbox and not (bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]):
            continue
        features.append({"type": "Feature", "id": poid,
                         "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"PRODUCT": prod, "ADRESID": adresid,
                                        "adres": _label(straat, nr, bus, postcode, gemeente)}})
    return {"type": "FeatureCollection", "numberReturned": len(features), "features": features}


def _postgis(db: object) -> bool:
    """True for a PostGIS publication's portable connection (see ``publications``)."""
    return isinstance(db, PortableConnection)


def _wkb_of(blob: bytes) -> bytes:
    """The WKB inside a GeoPackage geometry blob (skip the header and its envelope)."""
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0x07]
    return blob[8 + envelope:]


def outlines(db: sqlite3.Connection, tolerance_m: float = 60.0) -> dict[str, object]:
    """Municipality outlines (simplified, CRS84) of a policy publication."""
    postgis = _postgis(db)
    shape = 'ST_AsBinary("SHAPE")' if postgis else '"SHAPE"'
    rows = db.execute(f'SELECT {shape}, "NISCODE", "GEMEENTE" FROM "{POLICY_LAYER}" '
                      "ORDER BY fid").fetchall()
    geoms = shapely.from_wkb([bytes(r[0]) if postgis else _wkb_of(r[0]) for r in rows])
    geoms = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    geoms = shapely.transform(geoms, lambda xy: np.column_stack(
        _TO_CRS84.transform(xy[:, 0], xy[:, 1])))
    geoms = shapely.set_precision(geoms, 1e-5)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": nis, "geometry": json.loads(shapely.to_geojson(g)),
         "properties": {"NISCODE": nis, "GEMEENTE": name}}
        for g, (_, nis, name) in zip(geoms, rows, strict=True)]}


class Cache:
    """Bodies per (publication run, key): the publication never changes under a run id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._run: str | None = None
        self._bodies: dict[str, Body] = {}

    def get(self, pub: Publication, key: str, make: Callable[[], object]) -> Body:
        """The cached body for ``key`` of ``pub``; ``make()`` builds it on first use."""
        with self._lock:
            if self._run != pub.run_id:
                self._run, self._bodies = pub.run_id, {}
            body = self._bodies.get(key)
        if body is None:
            body = Body.of(make())
            with self._lock:
                if self._run == pub.run_id:
                    self._bodies[key] = body
        return body
