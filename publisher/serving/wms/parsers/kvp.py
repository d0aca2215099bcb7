"""KVP (GET) requests → the request model, with WMS 1.3.0 and 1.1.1 spellings.

Every check names the parameter and the value, and nothing here does more than parse: a
BBOX is checked against its CRS's domain by the one CRS module, a CQL_FILTER is parsed into
pygeofilter's AST (compiled later by the one filter compiler, per publication backend).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from pygeofilter import ast
from pygeofilter.parsers.ecql import parse as parse_ecql

from publisher.serving.crs import Crs, CrsError, UnknownCrs, native_bounds, parse_wms_crs
from publisher.serving.filters.parsed import sql_like
from publisher.serving.wms import request as rq
from publisher.serving.wms.errors import (
    InvalidCRS,
    InvalidFormat,
    InvalidParameterValue,
    InvalidPoint,
    LayerNotDefined,
    MissingParameterValue,
    OperationNotSupported,
    StyleNotDefined,
    VersionNegotiationFailed,
    from_value_error,
    short,
)
from publisher.serving.wms.layers import MapLayer, resolve
from publisher.serving.wms.render.raster import parse_colour
from publisher.serving.wms.settings import (
    MAX_CQL_CHARS,
    MAX_FEATURE_COUNT,
    MAX_PROJECTED,
    MAX_SIZE,
    VERSIONS,
)

OPERATIONS = {"getcapabilities": "GetCapabilities", "capabilities": "GetCapabilities",
              "getmap": "GetMap", "map": "GetMap", "getfeatureinfo": "GetFeatureInfo",
              "feature_info": "GetFeatureInfo", "getlegendgraphic": "GetLegendGraphic"}
#: GetMap FORMAT → (renderer, media type answered); the first three are advertised.
MAP_FORMATS = {"image/png": ("png", "image/png"), "image/png8": ("png8", "image/png"),
               "image/jpeg": ("jpeg", "image/jpeg"),
               "image/png; mode=8bit": ("png8", "image/png"),
               "image/png;mode=8bit": ("png8", "image/png"), "png": ("png", "image/png"),
               "png8": ("png8", "image/png"), "jpeg": ("jpeg", "image/jpeg"),
               "image/jpg": ("jpeg", "image/jpeg")}
ADVERTISED_MAP_FORMATS = ("image/png", "image/png8", "image/jpeg")
#: INFO_FORMAT → (renderer, media type answered); the first five are advertised.
INFO_FORMATS = {"text/html": ("html", "text/html; charset=utf-8"),
                "application/json": ("json", "application/json"),
                "application/vnd.ogc.gml": ("gml", "application/vnd.ogc.gml"),
                "application/gml+xml; version=3.2": ("gml", "application/gml+xml; version=3.2"),
                "text/plain": ("text", "text/plain; charset=utf-8"),
                "application/geo+json": ("json", "application/geo+json"),
                "text/xml": ("gml", "text/xml; charset=utf-8"),
                "application/vnd.ogc.gml/3.1.1": ("gml", "application/vnd.ogc.gml")}
ADVERTISED_INFO_FORMATS = tuple(list(INFO_FORMATS)[:5])
#: EXCEPTIONS → how errors are answered (1.3.0 names, then 1.1.1's MIME names).
EXCEPTIONS = {"xml": "xml", "inimage": "inimage", "blank": "blank",
              "application/vnd.ogc.se_xml": "xml", "application/vnd.ogc.se_inimage": "inimage",
              "application/vnd.ogc.se_blank": "blank", "text/xml": "xml"}
#: Most layers in one GetMap: each is a pass over the canvas.
MAX_LAYERS = 16


def normalise(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Keys upper-cased (KVP keys are case-insensitive); the first value of a key wins."""
    out: dict[str, str] = {}
    for key, value in items:
        out.setdefault(key.strip().upper(), value)
    return out


def negotiate(requested: str) -> str:
    """WMS version negotiation (1.3.0 §6.2.4): the highest we speak not above the request.

    Below every version we speak, the lowest; absent or unreadable, the highest.
    """
    def key(v: str) -> tuple[int, ...]:
        return tuple(int(p) if p.isdigit() else 0 for p in v.split(".")[:3])

    text = requested.strip()
    if not text or not all(p.isdigit() for p in text.split(".")):
        return VERSIONS[0]
    for version in VERSIONS:  # highest first
        if key(version) <= key(text):
            return version
    return VERSIONS[-1]


def version_of(kvp: dict[str, str]) -> str:
    """The version of a non-GetCapabilities request: 1.3.0 or 1.1.1 (1.1.0 read as 1.1.1)."""
    text = (kvp.get("VERSION") or kvp.get("WMTVER") or "").strip()
    if not text:
        return VERSIONS[0]
    if text.startswith("1.3"):
        return "1.3.0"
    if text in ("1.1.1", "1.1.0", "1.1"):
        return "1.1.1"
    raise VersionNegotiationFailed(f"version {short(text)} is not supported; this service "
                                   "speaks WMS 1.3.0 and 1.1.1", "VERSION")


def exceptions_mode(kvp: dict[str, str]) -> str:
    """How the client wants errors: ``xml`` (default), ``inimage`` or ``blank``."""
    text = kvp.get("EXCEPTIONS", "").strip()
    return EXCEPTIONS.get(text.lower(), EXCEPTIONS.get(text.lower().rsplit("/", 1)[-1], "xml"))


def operation(kvp: dict[str, str]) -> str:
    """The operation REQUEST names, after the SERVICE check."""
    service = kvp.get("SERVICE", "").strip()
    if service and service.upper() != "WMS":
        raise InvalidParameterValue(f"SERVICE must be WMS, not {short(service)}", "SERVICE")
    name = kvp.get("REQUEST", "").strip()
    if not name:
        raise MissingParameterValue("REQUEST is missing: GetCapabilities, GetMap, "
                                    "GetFeatureInfo or GetLegendGraphic", "REQUEST")
    op = OPERATIONS.get(name.lower())
    if op is None:
        raise OperationNotSupported(f"operation {short(name)} is not supported; this service "
                                    "offers GetCapabilities, GetMap, GetFeatureInfo and "
                                    "GetLegendGraphic", "REQUEST")
    if op == "GetCapabilities" and not service:
        raise MissingParameterValue("SERVICE is missing: send SERVICE=WMS", "SERVICE")
    return op


def _required(kvp: dict[str, str], key: str) -> str:
    value = kvp.get(key, "").strip()
    if not value:
        raise MissingParameterValue(f"{key} is missing", key)
    return value


def _size(kvp: dict[str, str], key: str) -> int:
    text = _required(kvp, key)
    if not text.isascii() or not text.isdigit() or not 1 <= int(text[:6]) <= MAX_SIZE \
            or len(text) > 6:
        raise InvalidParameterValue(f"{key} must be an integer from 1 to {MAX_SIZE}, not "
                                    f"{short(text, 40)}", key)
    return int(text)


def _bbox(kvp: dict[str, str], crs: Crs) -> tuple[float, float, float, float]:
    text = _required(kvp, "BBOX")
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InvalidParameterValue(f"BBOX must be four finite numbers minx,miny,maxx,maxy, "
                                    f"not {short(text, 100)}", "BBOX")
    if values[0] >= values[2] or values[1] >= values[3]:
        raise InvalidParameterValue(f"BBOX {short(text, 100)} is empty or inverted: the "
                                    "minimum must be below the maximum on both axes", "BBOX")
    try:
        native_bounds(crs.epsg, crs.lat_first, *values, locator="BBOX")  # the CRS's domain
    except CrsError as exc:
        raise InvalidParameterValue(f"BBOX {short(text, 100)}: {exc.message}", "BBOX") from None
    x1, y1, x2, y2 = (values[1], values[0], values[3], values[2]) if crs.lat_first else values
    if crs.epsg in (31370, 3812) and max(map(abs, (x1, y1, x2, y2))) > MAX_PROJECTED:
        raise InvalidParameterValue(f"BBOX {short(text, 100)} lies outside {crs.name}: "
                                    f"projected coordinates are within ±{MAX_PROJECTED:.0e} m",
                                    "BBOX")
    return x1, y1, x2, y2


def _cql(kvp: dict[str, str], count: int) -> tuple[ast.Node | None, ...]:
    """CQL_FILTER (ECQL, as GeoServer's vendor parameter): one filter, or one per layer (;)."""
    text = kvp.get("CQL_FILTER", "").strip()
    if not text:
        return (None,) * count
    if len(text) > MAX_CQL_CHARS:
        raise InvalidParameterValue(f"CQL_FILTER longer than {MAX_CQL_CHARS} characters",
                                    "CQL_FILTER")
    parts = [p.strip() for p in text.split(";")] if count > 1 and ";" in text else [text]
    if len(parts) not in (1, count):
        raise InvalidParameterValue(f"CQL_FILTER has {len(parts)} filters for {count} layers: "
                                    "give one, or one per layer separated by ';'",
                                    "CQL_FILTER")
    out = []
    for part in parts:
        if not part or part.upper() == "INCLUDE":
            out.append(None)
            continue
        try:
            out.append(sql_like(parse_ecql(part)))
        except RecursionError as exc:
            raise InvalidParameterValue("CQL_FILTER nested too deeply", "CQL_FILTER") from exc
        except Exception as exc:  # lark raises a family of its own errors
            raise InvalidParameterValue(f"cannot parse CQL_FILTER {short(part, 200)}",
                                        "CQL_FILTER") from exc
    return tuple(out * count if len(out) == 1 else out)


def _layers(kvp: dict[str, str], key: str = "LAYERS") -> list[MapLayer]:
    names = _required(kvp, key).split(",")
    if len(names) > MAX_LAYERS:
        raise InvalidParameterValue(f"at most {MAX_LAYERS} layers per request", key)
    if any(not n.strip() for n in names):
        raise LayerNotDefined(f"{key} has an empty layer name: {short(kvp[key], 200)}", key)
    return [resolve(n, key) for n in names]


def view(kvp: dict[str, str], version: str) -> rq.MapView:
    """The map of a GetMap or GetFeatureInfo: layers, styles, CRS, BBOX, size, filters."""
    layers = _layers(kvp)
    styles_text = kvp.get("STYLES", "")
    styles = [s.strip() for s in styles_text.split(",")] if styles_text.strip() else []
    if styles and len(styles) != len(layers):
        raise StyleNotDefined(f"STYLES names {len(styles)} styles for {len(layers)} layers: "
                              "give one per layer (empty for the default) or none", "STYLES")
    styled = tuple((layer, layer.style(styles[i] if styles else ""))
                   for i, layer in enumerate(layers))
    key = "CRS" if version == "1.3.0" else "SRS"
    crs_text = (kvp.get(key) or kvp.get("SRS" if key == "CRS" else "CRS") or "").strip()
    if not crs_text:
        raise MissingParameterValue(f"{key} is missing", key)
    try:
        crs = parse_wms_crs(crs_text, version, key)
    except UnknownCrs:
        raise InvalidCRS(f"{key} {short(crs_text)} is not served; use EPSG:31370, EPSG:3812, "
                         f"EPSG:4326, EPSG:3857 or CRS:84", key) from None
    except CrsError as exc:
        raise from_value_error(exc) from None
    bbox = _bbox(kvp, crs)
    width, height = _size(kvp, "WIDTH"), _size(kvp, "HEIGHT")
    return rq.MapView(version, styled, crs, bbox, width, height, _cql(kvp, len(layers)))


def _sld(kvp: dict[str, str]) -> None:
    for key in ("SLD", "SLD_BODY"):
        if kvp.get(key, "").strip():
            raise OperationNotSupported(f"{key} is not supported: use the named STYLES of "
                                        "GetCapabilities", key)


def get_map(kvp: dict[str, str], version: str) -> rq.GetMap:
    """GetMap (mandatory parameters first, then the map's options)."""
    _sld(kvp)
    fmt_text = _required(kvp, "FORMAT")
    fmt = MAP_FORMATS.get(fmt_text.lower().replace(" ", "").replace(";", "; ")) or \
        MAP_FORMATS.get(fmt_text.lower())
    if fmt is None:
        raise InvalidFormat(f"FORMAT {short(fmt_text)} is not offered; use one of "
                            f"{', '.join(ADVERTISED_MAP_FORMATS)}", "FORMAT")
    the_view = view(kvp, version)
    transparent_text = kvp.get("TRANSPARENT", "FALSE").strip().upper() or "FALSE"
    if transparent_text not in ("TRUE", "FALSE"):
        raise InvalidParameterValue(f"TRANSPARENT must be TRUE or FALSE, not "
                                    f"{short(transparent_text)}", "TRANSPARENT")
    colour_text = kvp.get("BGCOLOR", "0xFFFFFF").strip() or "0xFFFFFF"
    colour = parse_colour(colour_text)
    if colour is None:
        raise InvalidParameterValue(f"BGCOLOR must be 0xRRGGBB, not {short(colour_text)}",
                                    "BGCOLOR")
    return rq.GetMap(the_view, fmt[0], fmt[1], transparent_text == "TRUE", colour)


def get_feature_info(kvp: dict[str, str], version: str) -> rq.GetFeatureInfo:
    """GetFeatureInfo: the map, QUERY_LAYERS, INFO_FORMAT, FEATURE_COUNT and I/J (X/Y)."""
    _sld(kvp)
    the_view = view(kvp, version)
    queried = _layers(kvp, "QUERY_LAYERS")
    shown = {layer.name for layer, _ in the_view.layers}
    for layer in queried:
        if layer.name not in shown:
            raise LayerNotDefined(f"QUERY_LAYERS names {layer.name}, which is not in LAYERS",
                                  "QUERY_LAYERS")
    fmt_text = kvp.get("INFO_FORMAT", "").strip() or "text/html"
    fmt = INFO_FORMATS.get(fmt_text.lower().replace(";version", "; version"))
    if fmt is None:
        raise InvalidFormat(f"INFO_FORMAT {short(fmt_text)} is not offered; use one of "
                            f"{', '.join(ADVERTISED_INFO_FORMATS)}", "INFO_FORMAT")
    count_text = kvp.get("FEATURE_COUNT", "1").strip() or "1"
    if not count_text.isascii() or not count_text.isdigit() or int(count_text[:6]) < 1:
        raise InvalidParameterValue(f"FEATURE_COUNT must be a positive integer, not "
                                    f"{short(count_text, 40)}", "FEATURE_COUNT")
    keys = ("I", "J") if version == "1.3.0" else ("X", "Y")
    point = []
    for key, size in zip(keys, (the_view.width, the_view.height), strict=True):
        text = (kvp.get(key) or kvp.get({"I": "X", "J": "Y", "X": "I", "Y": "J"}[key]) or
                "").strip()
        if not text:
            raise MissingParameterValue(f"{key} is missing", key)
        if not text.isascii() or not text.isdigit() or int(text[:7]) >= size:
            raise InvalidPoint(f"{key} must be a pixel column/row from 0 to {size - 1}, not "
                               f"{short(text, 40)}", key)
        point.append(int(text))
    return rq.GetFeatureInfo(the_view, tuple(queried), fmt[0], fmt[1],
                             min(int(count_text[:6]), MAX_FEATURE_COUNT), point[0], point[1])


def get_legend_graphic(kvp: dict[str, str], version: str) -> rq.GetLegendGraphic:
    """GetLegendGraphic (SLD 1.1.0 / GeoServer style): LAYER, STYLE, FORMAT image/png."""
    layer = resolve(_required(kvp, "LAYER"), "LAYER")
    fmt = kvp.get("FORMAT", "image/png").strip().lower() or "image/png"
    if fmt not in ("image/png", "png"):
        raise InvalidFormat(f"FORMAT {short(fmt)} is not offered for legends; use image/png",
                            "FORMAT")
    return rq.GetLegendGraphic(version, layer, layer.style(kvp.get("STYLE", "").strip(), "STYLE"))
