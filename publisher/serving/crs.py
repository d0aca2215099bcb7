"""The one CRS module of every surface: names as clients write them, axis order, areas.

WFS (``SRSNAME``, ``BBOX``, FES/CQL geometries), OGC API (``crs``, ``bbox-crs``,
``filter-crs``) and the filter compiler all parse CRS names and bring areas to the storage
CRS (EPSG:31370) here, with one densification rule and one domain check, so the same box
selects the same features on every surface. Errors are plain ``ValueError`` subclasses
(:class:`CrsError`) carrying a locator; each HTTP edge renders them its own way.

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

from publisher.serving.echo import quoted

NATIVE = 31370
#: Decimals written per CRS kind: degrees need more than metres (1 mm / ~1 mm).
DECIMALS_METRE = 2
DECIMALS_DEGREE = 8
#: Where published data can lie, as CRS84 lon/lat (Belgium, with a margin). A box that
#: contains it selects everything without a spatial test; areas are clipped to it (widened
#: by CLIP_MARGIN_DEGREES) before transforming, so their cost stays bounded.
DATA_AREA_CRS84 = (2.0, 49.0, 7.0, 52.0)
#: Margin (degrees, ~550 km) around DATA_AREA_CRS84 kept when clipping filter geometries:
#: DWithin/Beyond distances up to that margin stay exact.
CLIP_MARGIN_DEGREES = 5.0
#: Most vertices added when densifying an area before transforming it to Lambert 72 (edges
#: curve there). 1,000 per 5° edge is ~0.005° apart: a few mm of sagitta.
MAX_DENSIFY_POINTS = 4_000
#: Finest densification step: 0.001° (~100 m) for degrees, 100 m for metres.
_FINEST_STEP = {True: 0.001, False: 100.0}

#: Served CRSs: EPSG code (CRS84 as 4326 with lon/lat forced) → geographic?
SERVED = {31370: False, 3812: False, 4326: True, 3857: False}
#: URN forms advertised in GetCapabilities (default first).
ADVERTISED = ("urn:ogc:def:crs:EPSG::31370", "urn:ogc:def:crs:EPSG::3812",
              "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:OGC:1.3:CRS84",
              "urn:ogc:def:crs:EPSG::3857")

_LONLAT_FORMS = (
    re.compile(r"^EPSG:(\d{1,9})$", re.I),
    re.compile(r"^https?://www\.opengis\.net/gml/srs/epsg\.xml#(\d{1,9})$", re.I),
)
_AUTHORITY_FORMS = (
    re.compile(r"^urn:(?:x-)?ogc:def:crs:EPSG:[\d.]{0,20}:(\d{1,9})$", re.I),
    re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/[\d.]{1,20}/(\d{1,9})$", re.I),
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


class CrsError(ValueError):
    """A CRS name or coordinates that cannot be used; ``locator`` names the parameter."""

    def __init__(self, message: str, locator: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.locator = locator


class UnknownCrs(CrsError):
    """A CRS name we do not serve (or cannot read)."""


def parse_crs(text: str | None, locator: str = "srsName") -> Crs:
    """Parse a CRS name in any form clients use; unknown or unserved CRSs are refused.

    Raises
    ------
    UnknownCrs
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
    raise UnknownCrs(
        f"CRS {quoted(name)} is not served; use one of {', '.join(ADVERTISED)}", locator)


def parse_wms_crs(text: str, version: str, locator: str = "CRS") -> Crs:
    """A WMS ``CRS`` (1.3.0) or ``SRS`` (1.1.1): :func:`parse_crs` with WMS's axis rule.

    WMS 1.3.0 (§6.7.3.3) reads ``EPSG:4326`` in the EPSG axis order, latitude first, unlike
    WFS 2.0 as GeoServer reads it; WMS 1.1.1 and ``CRS:84`` are longitude first.

    Raises
    ------
    UnknownCrs
        For a CRS we do not serve.
    """
    crs = parse_crs(text, locator)
    crs84 = any(p.match(crs.name) for p in _CRS84_FORMS)
    if version.startswith("1.3") and crs.epsg == 4326 and not crs84:
        return Crs(4326, True, crs.name)
    return crs


class CoordinateError(CrsError):
    """Coordinates that cannot exist in the CRS they are written in (|lat| > 90, …)."""


#: Where coordinates can exist, (x, y) = (lon, lat) or (easting, northing): anything outside
#: is a client error, not an empty result. Longitudes may wrap once (a zoomed-out map sends
#: -200). The Belgian projected CRSs have no hard limit: a huge box is clipped to the area
#: where data can be, so it simply selects everything.
_DOMAIN: dict[int, tuple[float, float, float, float]] = {
    4326: (-360.0, -90.0, 360.0, 90.0),
    3857: (-2 * 20037508.3428, -20048966.1041, 2 * 20037508.3428, 20048966.1041),
}


def _check_domain(epsg: int, x1: float, y1: float, x2: float, y2: float,
                  locator: str, name: str | None = None) -> None:
    if not all(np.isfinite((x1, y1, x2, y2))):
        raise CoordinateError("coordinates must be finite numbers", locator)
    domain = _DOMAIN.get(epsg)
    if domain is None:
        return
    lo_x, lo_y, hi_x, hi_y = domain
    for value, lo, hi in ((x1, lo_x, hi_x), (x2, lo_x, hi_x), (y1, lo_y, hi_y),
                          (y2, lo_y, hi_y)):
        if not lo <= value <= hi:
            axis = "longitude" if epsg == 4326 and lo == lo_x else (
                "latitude" if epsg == 4326 else "coordinate")
            raise CoordinateError(f"{value:.10g} is impossible in {name or f'EPSG:{epsg}'}: "
                                  f"a {axis} lies within {lo:.12g} to {hi:.12g} "
                                  "(is it in another CRS?)", locator)


@cache
def _area_xy(epsg: int, margin: float) -> tuple[float, float, float, float]:
    """:data:`DATA_AREA_CRS84` widened by ``margin`` degrees, as (x, y) bounds in ``epsg``.

    Computed once per CRS from 21 points per edge: transforming an envelope costs the same
    whatever its size.
    """
    lon1, lat1, lon2, lat2 = DATA_AREA_CRS84
    area = (lon1 - margin, lat1 - margin, lon2 + margin, lat2 + margin)
    if epsg == 4326:
        return area
    return _transformer(4326, epsg).transform_bounds(*area, densify_pts=21)


def _xy(crs_epsg: int, lat_first: bool, x1: float, y1: float, x2: float, y2: float,
        locator: str, name: str | None = None) -> tuple[float, float, float, float]:
    """Corners in (x, y) order, lows first, checked against the CRS's domain."""
    if lat_first:
        x1, y1, x2, y2 = y1, x1, y2, x2
    _check_domain(crs_epsg, x1, y1, x2, y2, locator, name)
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def native_bounds(epsg: int, lat_first: bool, x1: float, y1: float, x2: float, y2: float,
                  locator: str = "bbox") -> tuple[float, float, float, float] | None:
    """Bounds of a box written in ``epsg`` (its axis order) as EPSG:31370 x/y bounds.

    Pure and reusable by any surface (WFS ``BBOX``, OGC API ``bbox`` + ``bbox-crs``): the box
    is first clipped to where the data can be (:data:`DATA_AREA_CRS84` plus
    :data:`CLIP_MARGIN_DEGREES`), then transformed with a fixed 21 points per edge, so a world
    box costs what a street box costs (the old per-0.001° densification made a world box take
    minutes and a box of projected numbers in degrees take gigabytes).

    Returns
    -------
    tuple or None
        ``(minx, miny, maxx, maxy)`` in EPSG:31370, or None when the box lies wholly outside
        the area where data can be (nothing can match).

    Raises
    ------
    CoordinateError
        A ``ValueError`` for coordinates impossible in the CRS (not finite, |lat| > 90,
        |lon| > 180, beyond the Web Mercator square), naming the value.
    """
    xy = _xy(epsg, lat_first, x1, y1, x2, y2, locator)
    if epsg == NATIVE:
        return xy
    clipped = _clip(xy, _area_xy(epsg, CLIP_MARGIN_DEGREES))
    if clipped is None:
        return None
    return _transformer(epsg, NATIVE).transform_bounds(*clipped, densify_pts=21)


def _clip(box_xy: tuple[float, float, float, float],
          area: tuple[float, float, float, float]) -> tuple[float, float, float, float] | None:
    x1, y1 = max(box_xy[0], area[0]), max(box_xy[1], area[1])
    x2, y2 = min(box_xy[2], area[2]), min(box_xy[3], area[3])
    return None if x1 > x2 or y1 > y2 else (x1, y1, x2, y2)


def covers_data_area(crs: Crs, x1: float, y1: float, x2: float, y2: float,
                     locator: str = "bbox") -> bool:
    """True when the box contains every place data can be: the filter selects everything.

    Lets a zoomed-out client (a world or Flanders box) skip the spatial test altogether.
    """
    bx1, by1, bx2, by2 = _xy(crs.epsg, crs.lat_first, x1, y1, x2, y2, locator, crs.name)
    ax1, ay1, ax2, ay2 = _area_xy(crs.epsg, 0.0)
    return bx1 <= ax1 and by1 <= ay1 and bx2 >= ax2 and by2 >= ay2


def box_to_native(crs: Crs, x1: float, y1: float, x2: float, y2: float,
                  locator: str = "bbox") -> shapely.Geometry:
    """A box written in ``crs`` as a polygon in EPSG:31370 (edges curve, so densified).

    The box is clipped to where data can be first, so the polygon has at most
    ``4 × MAX_DENSIFY_POINTS`` vertices whatever the box's size; an empty polygon means
    nothing can match.

    Raises
    ------
    CoordinateError
        For coordinates impossible in ``crs``.
    """
    xy = _xy(crs.epsg, crs.lat_first, x1, y1, x2, y2, locator, crs.name)
    if crs.is_native:
        return box(*xy)
    clipped = _clip(xy, _area_xy(crs.epsg, CLIP_MARGIN_DEGREES))
    if clipped is None:
        return shapely.Polygon()
    geom = box(*clipped)
    return _densified_to_native(geom, crs.epsg)


def _densified_to_native(geom: shapely.Geometry, epsg: int) -> shapely.Geometry:
    """(x, y) geometry in ``epsg`` → EPSG:31370, with a bounded number of added vertices."""
    if shapely.get_dimensions(geom) > 0:
        step = max(_FINEST_STEP[SERVED[epsg]], float(shapely.length(geom)) / MAX_DENSIFY_POINTS)
        geom = shapely.segmentize(geom, step)
    move = _transformer(epsg, NATIVE)

    def to_native(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(move.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(geom, to_native)


def geometry_to_native(geom: shapely.Geometry, crs: Crs, locator: str = "filter"
                       ) -> shapely.Geometry:
    """A filter geometry written in ``crs`` (its axis order) as EPSG:31370.

    Coordinates are checked against the CRS's domain; areas are clipped to the data area
    widened by :data:`CLIP_MARGIN_DEGREES` (so distance tests up to that margin stay exact)
    and densified with a bounded number of vertices: cost no longer grows with the size.

    Raises
    ------
    CoordinateError
        For coordinates impossible in ``crs``.
    """
    if geom.is_empty:
        return geom
    if crs.lat_first:
        geom = shapely.transform(geom, lambda xy: xy[:, ::-1])
    x1, y1, x2, y2 = shapely.bounds(geom).tolist()
    _check_domain(crs.epsg, x1, y1, x2, y2, locator, crs.name)
    if crs.is_native:
        return geom
    area = _area_xy(crs.epsg, CLIP_MARGIN_DEGREES)
    if _clip((x1, y1, x2, y2), area) != (x1, y1, x2, y2):
        geom = shapely.intersection(geom, box(*area))
        if geom.is_empty:
            return shapely.Polygon()
    return _densified_to_native(geom, crs.epsg)
