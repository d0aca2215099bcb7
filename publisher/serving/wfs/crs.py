"""CRS names as clients write them, with the axis order each form implies.

The axis-order table of ``shared/CLIENTS.md`` is implemented here and nowhere else:
``EPSG:4326`` and the old ``…/gml/srs/epsg.xml#4326`` form are longitude/latitude (as
GeoServer reads them in WFS 2.0), the URN and ``http://www.opengis.net/def/crs/EPSG/0/4326``
forms are latitude/longitude, CRS84 is longitude/latitude, projected CRSs are easting/northing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import box

from publisher.serving.wfs.errors import InvalidParameterValue
from publisher.serving.wfs.settings import DECIMALS_DEGREE, DECIMALS_METRE

NATIVE = 31370
#: Served CRSs: EPSG code (CRS84 as 4326 with lon/lat forced) → geographic?
SERVED = {31370: False, 3812: False, 4326: True, 3857: False}
#: URN forms advertised in GetCapabilities (default first).
ADVERTISED = ("urn:ogc:def:crs:EPSG::31370", "urn:ogc:def:crs:EPSG::3812",
              "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:OGC:1.3:CRS84",
              "urn:ogc:def:crs:EPSG::3857")

_LONLAT_FORMS = (
    re.compile(r"^EPSG:(\d+)$", re.I),
    re.compile(r"^https?://www\.opengis\.net/gml/srs/epsg\.xml#(\d+)$", re.I),
)
_AUTHORITY_FORMS = (
    re.compile(r"^urn:(?:x-)?ogc:def:crs:EPSG:[\d.]*:(\d+)$", re.I),
    re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/[\d.]+/(\d+)$", re.I),
)
_CRS84_FORMS = (
    re.compile(r"^urn:(?:x-)?ogc:def:crs:OGC:(?:1\.3)?:CRS84$", re.I),
    re.compile(r"^https?://www\.opengis\.net/def/crs/OGC/1\.3/CRS84$", re.I),
    re.compile(r"^(?:OGC:)?CRS:?84$", re.I),
)


@dataclass(frozen=True)
class Crs:
    """A requested CRS.

    Holds the EPSG code, whether coordinates are written latitude first, and the name
    exactly as the client wrote it (echoed back in ``srsName``).
    """

    epsg: int
    lat_first: bool
    name: str

    @property
    def is_native(self) -> bool:
        """True for EPSG:31370 in any spelling: stored fragments can be sent as they are."""
        return self.epsg == NATIVE

    @property
    def is_lonlat(self) -> bool:
        """True for WGS84 written longitude first (CRS84, ``EPSG:4326``): GeoJSON's order."""
        return self.epsg == 4326 and not self.lat_first

    @property
    def decimals(self) -> int:
        """Decimals to write: degrees need more than metres."""
        return DECIMALS_DEGREE if SERVED[self.epsg] else DECIMALS_METRE

    def from_native(self, xy: np.ndarray) -> np.ndarray:
        """Lambert 72 x/y (n×2) → this CRS in its axis order, vectorized."""
        if len(xy) == 0:
            return np.empty((0, 2))
        out = xy if self.is_native else np.column_stack(
            _transformer(NATIVE, self.epsg).transform(xy[:, 0], xy[:, 1]))
        return out[:, ::-1] if self.lat_first else out

    def to_native(self, xy: np.ndarray) -> np.ndarray:
        """Coordinates written in this CRS (its axis order) → Lambert 72 x/y."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if self.lat_first:
            xy = xy[:, ::-1]
        if self.is_native or len(xy) == 0:
            return xy
        return np.column_stack(_transformer(self.epsg, NATIVE).transform(xy[:, 0], xy[:, 1]))


@cache
def _transformer(source: int, target: int) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def default_crs() -> Crs:
    """What a request without SRSNAME gets: the storage CRS, in its URN form."""
    return Crs(NATIVE, False, ADVERTISED[0])


def parse_crs(text: str | None, locator: str = "srsName") -> Crs:
    """Parse a CRS name in any form clients use; unknown or unserved CRSs are refused.

    Raises
    ------
    InvalidParameterValue
        For a CRS we do not serve, naming the value and the ``locator``.
    """
    if text is None or not text.strip():
        return default_crs()
    name = text.strip()
    for pattern in _CRS84_FORMS:
        if pattern.match(name):
            return Crs(4326, False, name)
    for patterns, lat_first_if_geographic in ((_LONLAT_FORMS, False), (_AUTHORITY_FORMS, True)):
        for pattern in patterns:
            m = pattern.match(name)
            if m:
                code = int(m.group(1))
                if code not in SERVED:
                    break
                return Crs(code, lat_first_if_geographic and SERVED[code], name)
    raise InvalidParameterValue(
        f"CRS {name!r} is not served; use one of {', '.join(ADVERTISED)}", locator)


def box_to_native(crs: Crs, x1: float, y1: float, x2: float, y2: float) -> shapely.Geometry:
    """A box written in ``crs`` as a polygon in EPSG:31370 (densified: edges curve)."""
    geom = box(x1, y1, x2, y2)
    if not crs.is_native:
        geom = shapely.segmentize(geom, 0.001 if crs.decimals > 2 else 100.0)
    return shapely.transform(geom, crs.to_native)
