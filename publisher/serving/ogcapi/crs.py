"""The CRSs the OGC API serves, and vectorized transforms out of the storage CRS.

pygeoapi hands the provider a ``CrsTransformSpec`` per request and, in its stock providers,
transforms feature by feature with shapely. We transform a whole page at once with pyproj on
numpy arrays (DESIGN "How it gets fast"), honouring each CRS's axis order: the OGC URI of
EPSG:4326 is latitude/longitude, CRS84 is longitude/latitude, the projected CRSs are x/y.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
from pyproj import CRS, Transformer

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
STORAGE_CRS = "http://www.opengis.net/def/crs/EPSG/0/31370"
#: Every CRS a client may ask for in ``crs`` / ``bbox-crs`` (CRS84 first: GeoJSON's default).
SUPPORTED_CRS = (
    CRS84,
    STORAGE_CRS,
    "http://www.opengis.net/def/crs/EPSG/0/3812",
    "http://www.opengis.net/def/crs/EPSG/0/4326",
    "http://www.opengis.net/def/crs/EPSG/0/3857",
)
#: Decimals kept per CRS kind: 7 for degrees (≈1 cm), 2 for metres (1 cm).
_DEGREE_DECIMALS, _METRE_DECIMALS = 7, 2

_local = threading.local()


def crs_from_uri(uri: str) -> CRS:
    """A pyproj CRS for one of our OGC CRS URIs (authority axis order kept)."""
    if uri == CRS84:
        return CRS.from_authority("OGC", "CRS84")
    return CRS.from_epsg(int(uri.rsplit("/", 1)[1]))


def _transformer(target_uri: str) -> tuple[Transformer, int]:
    """Per-thread transformer 31370 → target (pyproj objects are not shared across threads)."""
    cache: dict[str, tuple[Transformer, int]] = getattr(_local, "cache", None) or {}
    _local.cache = cache
    if target_uri not in cache:
        target = crs_from_uri(target_uri)
        decimals = _DEGREE_DECIMALS if target.is_geographic else _METRE_DECIMALS
        cache[target_uri] = (Transformer.from_crs(crs_from_uri(STORAGE_CRS), target,
                                                  always_xy=False), decimals)
    return cache[target_uri]


def transform_xy(xy: np.ndarray, target_uri: str) -> np.ndarray:
    """Storage x/y (n×2) → coordinates in ``target_uri``, in that CRS's axis order.

    Parameters
    ----------
    xy
        Easting/northing in EPSG:31370, one row per point.
    target_uri
        One of :data:`SUPPORTED_CRS`.

    Returns
    -------
    numpy.ndarray
        n×2 array: first and second axis of the target CRS (lat/lon for EPSG:4326).
    """
    if len(xy) == 0:
        return np.empty((0, 2))
    if target_uri == STORAGE_CRS:
        return np.round(xy, _METRE_DECIMALS)
    transformer, decimals = _transformer(target_uri)
    a, b = transformer.transform(xy[:, 0], xy[:, 1])
    return np.round(np.column_stack([a, b]), decimals)


def coordinate_function(target_uri: str) -> Callable[[np.ndarray], np.ndarray]:
    """A function for ``shapely.transform``: all vertices of a page in one call."""
    return lambda coords: transform_xy(np.asarray(coords, dtype=float), target_uri)


def to_storage(xy: np.ndarray, source_uri: str) -> np.ndarray:
    """Coordinates in ``source_uri`` (its axis order) → EPSG:31370 x/y, e.g. filter geometries."""
    if source_uri == STORAGE_CRS or len(xy) == 0:
        return np.asarray(xy, dtype=float)
    transformer = Transformer.from_crs(crs_from_uri(source_uri), crs_from_uri(STORAGE_CRS),
                                       always_xy=False)
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])
