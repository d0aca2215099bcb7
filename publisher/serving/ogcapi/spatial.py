"""Areas given in a client's CRS (``bbox`` + ``bbox-crs``, filter geometries) → EPSG:31370.

pygeoapi 0.21 transforms only the two corners of a bbox; a zoomed-out CRS84 view such as
``-180,-90,180,90`` then lands on nonsense Lambert coordinates and silently drops features,
and a lat/lon box's edges are curves in Lambert 72 anyway. Here an area is clipped to where
the storage CRS is defined, densified, and transformed as a polygon; the provider then reads
R-tree candidates on its envelope and tests each point exactly, so ``bbox-crs`` selects the
same features on the results path and on the count.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import shapely
from pyproj import Transformer

from publisher.serving.ogcapi.crs import CRS84, STORAGE_CRS, SUPPORTED_CRS, crs_from_uri
from publisher.serving.ogcapi.limits import MAX_AREA_POINTS, MAX_PROJECTED_COORDINATE, quoted

#: Where EPSG:31370 is valid, as CRS84 lon/lat, with a margin (pyproj: Belgium onshore).
_STORAGE_AREA_CRS84 = shapely.box(2.0, 49.0, 7.0, 52.0)
#: Where every feature lies, as CRS84 lon/lat: Flanders and Brussels with a margin (the
#: collections' spatial extent in pygeoapi-config.yml).
_DATA_AREA_CRS84 = shapely.box(2.5, 50.6, 6.0, 51.6)
#: Edge length when densifying, per CRS kind (degrees / metres).
_SEGMENT = {True: 0.01, False: 1000.0}


class AreaError(ValueError):
    """A bbox or area literal cannot be used (bad numbers or unsupported CRS)."""


def parse_bbox(text: str) -> list[float]:
    """``minx,miny,maxx,maxy`` (or 6 values with z) → four finite numbers, lows ≤ highs."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise AreaError(f"bbox {quoted(text)} is not a list of numbers") from None
    if len(values) not in (4, 6):
        raise AreaError(f"bbox {quoted(text)} needs 4 values (minx,miny,maxx,maxy) or 6 "
                        "(with z)")
    if not all(math.isfinite(v) for v in values):
        raise AreaError(f"bbox {quoted(text)} has a value that is not a finite number")
    if len(values) == 6:
        values = values[:2] + values[3:5]
    if values[0] > values[2] or values[1] > values[3]:
        raise AreaError(f"bbox {quoted(text)}: a lower corner value exceeds the upper one")
    return values


def check_crs(uri: str, parameter: str) -> str:
    """``uri`` itself when we serve it, else an :class:`AreaError` naming the parameter."""
    if uri not in SUPPORTED_CRS:
        raise AreaError(f"{parameter} {quoted(uri)} is not supported: use one of "
                        f"{', '.join(SUPPORTED_CRS)}")
    return uri


@cache
def _area_in(source: str) -> shapely.Geometry:
    """Where the data can be (:data:`_STORAGE_AREA_CRS84`) as a box in ``source``'s axes."""
    if source == CRS84:
        return _STORAGE_AREA_CRS84
    transformer = Transformer.from_crs(crs_from_uri(CRS84), crs_from_uri(source),
                                       always_xy=False)
    return shapely.box(*transformer.transform_bounds(*_STORAGE_AREA_CRS84.bounds,
                                                     densify_pts=21))


def covers_all_data(shape: shapely.Geometry) -> bool:
    """Whether ``shape`` (EPSG:31370) contains every place a feature can be.

    Then the area selects everything and needs no per-feature test: a zoomed-out map's box
    costs one indexed count, not one exact test per feature (issue 11).
    """
    return bool(shape.contains(_data_area()))


@cache
def _data_area() -> shapely.Geometry:
    """The collections' extent (:data:`_DATA_AREA_CRS84`) as an EPSG:31370 polygon."""
    transformer = Transformer.from_crs(crs_from_uri(CRS84), crs_from_uri(STORAGE_CRS),
                                       always_xy=False)
    ring = shapely.segmentize(_DATA_AREA_CRS84, 0.01)
    return shapely.transform(ring, lambda c: np.column_stack(
        transformer.transform(c[:, 0], c[:, 1])))


@cache
def _coordinate_bounds(source: str) -> tuple[float, float]:
    """The largest possible magnitude of ``source``'s first and second coordinate."""
    crs = crs_from_uri(source)
    if not crs.is_geographic:
        return MAX_PROJECTED_COORDINATE, MAX_PROJECTED_COORDINATE
    first, second = (a.direction.lower() for a in crs.axis_info[:2])
    return (90.0 if first in ("north", "south") else 360.0,
            90.0 if second in ("north", "south") else 360.0)


def check_coordinates(shape: shapely.Geometry, source: str) -> None:
    """Refuse coordinates no place on Earth has in ``source`` (400, naming the value).

    Latitudes beyond ±90°, longitudes beyond ±360° (one wrap of a zoomed-out map is fine),
    or projected coordinates beyond Earth's circumference: these come from a client that
    sent numbers in another CRS than it said, and transforming them means nothing.
    """
    coords = shapely.get_coordinates(shape)
    if len(coords) == 0:
        return
    for axis, bound in enumerate(_coordinate_bounds(source)):
        worst = float(np.max(np.abs(coords[:, axis])))
        if worst > bound:
            raise AreaError(f"coordinate {worst:g} is impossible in {source} (axis "
                            f"{axis + 1} lies within ±{bound:g}): is it in another CRS?")


def to_storage_shape(shape: shapely.Geometry, source: str) -> shapely.Geometry:
    """A geometry in ``source`` (its axis order) as EPSG:31370, clipped to the CRS's area.

    Why clip first and densify by a bounded number of points: the cost of a request must
    not grow with the size of the area it names (issue 11: a world box once took minutes).

    Returns an empty geometry when the area lies wholly outside where the data can be.

    Raises
    ------
    AreaError
        When a coordinate is impossible in ``source`` (:func:`check_coordinates`).
    """
    check_coordinates(shape, source)
    if source == STORAGE_CRS:
        return shape
    clipped = shapely.intersection(shape, _area_in(source))
    if clipped.is_empty:
        return clipped
    if shapely.get_dimensions(clipped) > 0:  # bounded: at most MAX_AREA_POINTS new vertices
        step = max(_SEGMENT[crs_from_uri(source).is_geographic],
                   shapely.length(clipped) / MAX_AREA_POINTS)
        clipped = shapely.segmentize(clipped, step)
    transformer = Transformer.from_crs(crs_from_uri(source), crs_from_uri(STORAGE_CRS),
                                       always_xy=False)

    def move(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(clipped, move)


def bbox_shape(values: list[float], crs: str) -> shapely.Geometry:
    """A bbox (in ``crs`` axis order) as a storage-CRS polygon (possibly empty)."""
    box = shapely.box(*values)
    if values[0] == values[2] or values[1] == values[3]:
        box = shapely.LineString([values[:2], values[2:]]) if box.is_empty else box
    return to_storage_shape(box, crs)
