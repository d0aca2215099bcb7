"""The CRSs the OGC API advertises, and page coordinates written in them.

Parsing, axis order and areas live in the one CRS module (:mod:`publisher.serving.crs`); this
module only lists the URIs the OGC API offers and writes a page's coordinates in one
vectorized call with the OGC API's decimals (DESIGN "How it gets fast"): the OGC URI of
EPSG:4326 is latitude/longitude, CRS84 is longitude/latitude, the projected CRSs are x/y.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from publisher.serving.crs import parse_crs

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
#: Decimals kept per CRS kind: 7 for degrees (≈1 cm, RFC 7946's advice), 2 for metres (1 cm).
_DEGREE_DECIMALS, _METRE_DECIMALS = 7, 2


def transform_xy(xy: np.ndarray, target_uri: str) -> np.ndarray:
    """Storage x/y (n×2) → coordinates in ``target_uri``, in that CRS's axis order, rounded."""
    crs = parse_crs(target_uri, "crs")
    decimals = _METRE_DECIMALS if crs.epsg != 4326 else _DEGREE_DECIMALS
    return np.round(crs.from_native(np.asarray(xy, dtype=float).reshape(-1, 2)), decimals)


def coordinate_function(target_uri: str) -> Callable[[np.ndarray], np.ndarray]:
    """A function for ``shapely.transform``: all vertices of a page in one call."""
    return lambda coords: transform_xy(coords, target_uri)
