"""The OGC API ``bbox`` / ``bbox-crs`` parameters → one area in the storage CRS.

pygeoapi 0.21 transforms only the two corners of a bbox; a zoomed-out CRS84 view such as
``-180,-90,180,90`` then lands on nonsense Lambert coordinates, and a lat/lon box's edges are
curves in Lambert 72 anyway. The area is built by the one CRS module
(:func:`publisher.serving.crs.box_to_native`: clipped, densified, bounded cost) exactly as the
WFS builds its ``BBOX``, so both surfaces select the same features for the same box.
"""

from __future__ import annotations

import math

from publisher.serving.crs import CrsError, box_to_native, covers_data_area, parse_crs
from publisher.serving.echo import quoted
from publisher.serving.filters.compiler import GeometryLiteral
from publisher.serving.ogcapi.crs import SUPPORTED_CRS


class AreaError(ValueError):
    """A bbox cannot be used (bad numbers, unsupported CRS, impossible coordinates)."""


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


def bbox_literal(values: list[float], uri: str) -> GeometryLiteral:
    """A bbox (in ``uri``'s axis order) as a storage-CRS area for the filter compiler."""
    try:
        crs = parse_crs(uri, "bbox-crs")
        return GeometryLiteral(box_to_native(crs, *values, locator="bbox"),
                               covers_data_area(crs, *values, locator="bbox"))
    except CrsError as exc:
        raise AreaError(exc.message) from None
