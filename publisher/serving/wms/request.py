"""The parsed request model: what the parser produces and every operation consumes."""

from __future__ import annotations

from dataclasses import dataclass

from pygeofilter import ast

from publisher.serving.crs import Crs
from publisher.serving.wms.layers import MapLayer, Style

#: Metres per degree at the equator (WMS 1.3.0 Annex: scale of a geographic CRS).
METRES_PER_DEGREE = 6378137.0 * 3.141592653589793 / 180.0
#: The standardized rendering pixel (WMS 1.3.0 §7.2.4.6.9, SLD/SE): 0.28 mm.
PIXEL_M = 0.00028


@dataclass(frozen=True)
class MapView:
    """The map a GetMap draws or a GetFeatureInfo queries.

    ``bbox`` is in the CRS's (x, y) order (easting/northing, longitude/latitude) whatever
    the axis order the client wrote it in; ``cql`` holds a filter per layer (or None).
    """

    version: str
    layers: tuple[tuple[MapLayer, Style], ...]
    crs: Crs
    bbox: tuple[float, float, float, float]
    width: int
    height: int
    cql: tuple[ast.Node | None, ...]

    @property
    def resolution(self) -> tuple[float, float]:
        """CRS units per pixel along x and y."""
        x1, y1, x2, y2 = self.bbox
        return (x2 - x1) / self.width, (y2 - y1) / self.height

    @property
    def scale_denominator(self) -> float:
        """1 : n of the map at the standardized 0.28 mm pixel (degrees taken at the equator)."""
        metres = self.resolution[0] * (METRES_PER_DEGREE if self.crs.epsg == 4326 else 1.0)
        return metres / PIXEL_M


@dataclass(frozen=True)
class GetCapabilities:
    """GetCapabilities in the negotiated version."""

    version: str


@dataclass(frozen=True)
class GetMap:
    """GetMap: a view and how to encode it."""

    view: MapView
    format: str  # png, png8, jpeg
    media_type: str
    transparent: bool
    background: tuple[int, int, int]


@dataclass(frozen=True)
class GetFeatureInfo:
    """GetFeatureInfo: a view, the clicked pixel and what to answer in."""

    view: MapView
    query_layers: tuple[MapLayer, ...]
    info_format: str  # html, text, json, gml
    media_type: str
    feature_count: int
    i: int
    j: int


@dataclass(frozen=True)
class GetLegendGraphic:
    """GetLegendGraphic of one layer and style."""

    version: str
    layer: MapLayer
    style: Style
