"""What a map draws, as arrays: every POI point per CRS, the municipalities per CRS.

Why arrays and not a query per map: a GetMap of all of Flanders touches every point. The
points (fid, product, x/y in the requested CRS) are read once per publication run and CRS,
written as ``.npy`` files and memory-mapped by every worker (the lookup's
:func:`~publisher.serving.lookup.shared.mapped`), so a map is a numpy mask over mapped
columns: no SQL, no Python call per feature. The coordinates are transformed once per run
and CRS with pyproj on whole arrays. Either publication flavour is read through the backend
contract (:func:`~publisher.serving.lookup.reading.scan`, ``backend.query``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import numpy as np
import shapely
from pyproj import Transformer

from publisher.serving.backends import backend_for
from publisher.serving.lookup.reading import scan
from publisher.serving.lookup.shared import mapped, source_of
from publisher.serving.publications import Publication, PublicationUnreadable
from publisher.serving.wms.layers import layers

T = TypeVar("T")


@cache
def products() -> tuple[str, ...]:
    """Every PRODUCT, indexed by the ``product`` column of :class:`Points`."""
    return layers()[0].products


@dataclass(frozen=True)
class Points:
    """Every POI feature in fid order: its fid, product index and x/y in one CRS."""

    fid: np.ndarray
    product: np.ndarray
    x: np.ndarray
    y: np.ndarray


@cache
def _transformer(source: int, target: int) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def _read_base(pub: Publication) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """fid, product index and CRS84 lon/lat of every point, read in one scan."""
    index = {p: i for i, p in enumerate(products())}
    fid, prod, lon, lat = [], [], [], []
    for row in scan(pub, 'p."PRODUCT", f.lon, f.lat'):
        if row[2] is None or row[3] is None or row[1] not in index:
            continue
        fid.append(row[0])
        prod.append(index[row[1]])
        lon.append(row[2])
        lat.append(row[3])
    return ({"fid": np.asarray(fid, dtype=np.int64), "product": np.asarray(prod, np.uint8),
             "x": np.asarray(lon, dtype=np.float64), "y": np.asarray(lat, dtype=np.float64)},
            {})


def points(pub: Publication, epsg: int) -> Points:
    """Every point of ``pub`` with x/y in ``epsg`` (easting/northing or lon/lat order)."""
    def build() -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        if epsg == 4326:
            return _read_base(pub)
        base = points(pub, 4326)
        x, y = _transformer(4326, epsg).transform(np.asarray(base.x), np.asarray(base.y))
        return {"fid": np.asarray(base.fid), "product": np.asarray(base.product),
                "x": np.asarray(x), "y": np.asarray(y)}, {}

    def load() -> Points:
        try:
            arrays, _ = mapped(source_of(pub), pub.run_id, f"wms-points-{epsg}", build)
        except Exception as exc:
            if backend_for(pub).classify(exc) is None:
                raise
            raise PublicationUnreadable(f"publication unreadable: {type(exc).__name__}") from exc
        return Points(arrays["fid"], arrays["product"], arrays["x"], arrays["y"])

    return _CACHE.value(pub, f"points:{epsg}", load)


@dataclass(frozen=True)
class Municipalities:
    """The policy layer's polygons in one CRS, with what the styles and info need."""

    geometry: np.ndarray  # shapely geometries
    bounds: np.ndarray  # (n, 4)
    niscode: list[str]
    ca_verplicht: np.ndarray  # bool
    fid: np.ndarray


def municipalities(pub: Publication, epsg: int) -> Municipalities:
    """Every municipality of the policy publication ``pub``, transformed to ``epsg``."""
    def load() -> Municipalities:
        backend = backend_for(pub)
        with closing(backend.query(pub)) as q:
            shape = backend.geometry_column('t."SHAPE"')
            sql = (f'SELECT {shape}, t."NISCODE", t."CA_VERPLICHT", t.fid FROM '
                   f"{q.table(pub.dataset)} t ORDER BY t.fid")
            try:
                rows = q.rows(sql, [])
            except Exception as exc:
                if backend.classify(exc) is None:
                    raise
                raise PublicationUnreadable(f"publication unreadable: {exc}") from exc
        geoms = backend.decode([r[0] for r in rows])
        if epsg != 31370:
            move = _transformer(31370, epsg)
            geoms = shapely.transform(geoms, lambda xy: np.column_stack(
                move.transform(xy[:, 0], xy[:, 1])))
        return Municipalities(geoms, shapely.bounds(geoms).reshape(-1, 4),
                              [r[1] for r in rows],
                              np.array([bool(r[2]) for r in rows], dtype=bool),
                              np.array([r[3] for r in rows], dtype=np.int64))

    return _CACHE.value(pub, f"municipalities:{epsg}", load)


class _RunCache:
    """Values per (dataset, run): a publication never changes under its run id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, str], dict[str, object]] = {}

    def value(self, pub: Publication, key: str, make: Callable[[], T]) -> T:
        """The value for ``key`` of ``pub``; ``make()`` builds it on first use."""
        slot = (pub.dataset, pub.run_id)
        with self._lock:
            held = self._values.get(slot)
            if held is None:  # a new run: drop the dataset's older ones
                for old in [k for k in self._values if k[0] == pub.dataset]:
                    del self._values[old]
                held = self._values[slot] = {}
            value = held.get(key)
        if value is None:
            value = make()
            with self._lock:
                held[key] = value
        return value  # type: ignore[return-value]


_CACHE = _RunCache()
