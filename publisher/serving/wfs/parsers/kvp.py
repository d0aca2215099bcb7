"""KVP (GET) requests → the request model.

XML POST bodies are first turned into the same KVP dictionary (:mod:`.xml`), so both
encodings share one validation path and a POST's ``next`` link can be written as a GET URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pygeofilter import ast

from publisher.serving.crs import (
    Crs,
    box_to_native,
    covers_data_area,
    default_crs,
    parse_crs,
)
from publisher.serving.filters.compiler import RESOURCE_ID, GeometryLiteral
from publisher.serving.wfs import request as rq
from publisher.serving.wfs.errors import (
    InvalidParameterValue,
    MissingParameterValue,
    OperationNotSupported,
    OptionNotSupported,
    VersionNegotiationFailed,
    short,
)
from publisher.serving.wfs.featuretypes import (
    FeatureType,
    feature_types,
    property_name,
    resolve,
)
from publisher.serving.wfs.parsers.fes import parse_cql, parse_filter
from publisher.serving.wfs.settings import COUNT_DEFAULT, MAX_IDS, MAX_START_INDEX, VERSIONS

GET_FEATURE_BY_ID = "urn:ogc:def:query:OGC-WFS::GetFeatureById"
FES_LANGUAGE = "urn:ogc:def:query:OGC-FES:Filter"
OPERATIONS = {name.lower(): name for name in (
    "GetCapabilities", "DescribeFeatureType", "GetFeature", "GetPropertyValue",
    "ListStoredQueries", "DescribeStoredQueries")}
UNSUPPORTED = {"transaction", "lockfeature", "getfeaturewithlock", "createstoredquery",
               "dropstoredquery", "getgmlobject"}
#: Output format names clients use → our renderer.
FORMATS = {
    "application/gml+xml; version=3.2": "gml", "application/gml+xml;version=3.2": "gml",
    "application/gml+xml": "gml", "text/xml; subtype=gml/3.2": "gml",
    "text/xml; subtype=gml/3.2.1": "gml", "text/xml;subtype=gml/3.2": "gml", "gml32": "gml",
    "gml3.2": "gml", "application/json": "json", "application/geo+json": "json",
    "json": "json", "geojson": "json", "text/csv": "csv", "csv": "csv",
}


def normalise(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Keys upper-cased (KVP keys are case-insensitive); the first value of a key wins."""
    out: dict[str, str] = {}
    for key, value in items:
        out.setdefault(key.strip().upper(), value)
    return out


def operation(kvp: dict[str, str]) -> str:
    """The operation named by REQUEST, after SERVICE and VERSION checks.

    Raises
    ------
    MissingParameterValue, OperationNotSupported, InvalidParameterValue,
    VersionNegotiationFailed
    """
    # OWS Common 1.1 §7.2.1 / WFS 2.0 §7.6.2.4: SERVICE is mandatory in KVP, GetCapabilities
    # included (an XML body names its service by its namespace: see parsers.xml).
    if "SERVICE" not in kvp or not kvp["SERVICE"].strip():
        raise MissingParameterValue("SERVICE is missing: send SERVICE=WFS", "service")
    service = kvp["SERVICE"].strip()
    if service.upper() != "WFS":
        raise InvalidParameterValue(f"SERVICE must be WFS, not {short(service)}", "service")
    name = kvp.get("REQUEST", "").strip()
    if not name:
        raise MissingParameterValue("REQUEST is missing", "request")
    if name.lower() in UNSUPPORTED:
        raise OperationNotSupported(f"{name} is not supported: this service is read-only",
                                    "request")
    if name.lower() not in OPERATIONS:
        raise OperationNotSupported(f"unknown operation {short(name)}", "request")
    op = OPERATIONS[name.lower()]
    if op == "GetCapabilities":
        accept = [v.strip() for v in kvp.get("ACCEPTVERSIONS", "").split(",") if v.strip()]
        if accept and not set(accept) & set(VERSIONS):
            raise VersionNegotiationFailed(
                f"none of {short(', '.join(accept))} is supported; this service speaks 2.0.0",
                "acceptVersions")
        version = kvp.get("VERSION", "").strip()
        if version and not accept and not version.startswith("2."):
            raise VersionNegotiationFailed(
                f"version {short(version)} is not supported; this service speaks 2.0.0",
                "version")
    else:
        version = kvp.get("VERSION", "2.0.0").strip() or "2.0.0"
        if version not in VERSIONS:
            raise VersionNegotiationFailed(
                f"version {short(version)} is not supported; this service speaks 2.0.0",
                "version")
    return op


def namespaces(kvp: dict[str, str]) -> dict[str, str]:
    """NAMESPACES=xmlns(p,uri),xmlns(q,uri) → {p: uri}."""
    return dict(re.findall(r"xmlns\(\s*([^,\s()]*)\s*,\s*([^)\s]+)\s*\)",
                           kvp.get("NAMESPACES", "")))


def _split_list(value: str) -> list[str]:
    value = value.strip()
    if value.startswith("(") and value.endswith(")"):
        if ")(" in value:
            raise OptionNotSupported("one query per request: several parenthesised lists "
                                     "are not supported")
        value = value[1:-1]
    return [v.strip() for v in value.split(",") if v.strip()]


def describe_feature_type(kvp: dict[str, str]) -> rq.DescribeFeatureType:
    """DescribeFeatureType: TYPENAMES/TYPENAME optional (all types when absent)."""
    fmt = kvp.get("OUTPUTFORMAT", "").strip().lower()
    if fmt and "xml" not in fmt and "gml" not in fmt and "xsd" not in fmt:
        raise InvalidParameterValue(f"output format {fmt!r}: the schema is XSD only",
                                    "outputFormat")
    names = _split_list(kvp.get("TYPENAMES") or kvp.get("TYPENAME") or "")
    ns = namespaces(kvp)
    types = tuple(dict.fromkeys(resolve(n, ns) for n in names)) or feature_types()
    return rq.DescribeFeatureType(types)


def _int(kvp: dict[str, str], keys: tuple[str, ...], default: int, locator: str,
         maximum: int | None = None) -> int:
    """A non-negative integer parameter; past ``maximum`` (when given) a 400, not an overflow."""
    for key in keys:
        raw = kvp.get(key)
        if raw is not None and raw.strip():
            text = raw.strip()
            if not text.isdigit() or not text.isascii():
                raise InvalidParameterValue(f"{locator} must be a non-negative integer, "
                                            f"not {short(raw, 50)}", locator)
            value = int(text) if len(text) <= 30 else 10**30  # digits only: huge is huge
            if maximum is not None and value > maximum:
                raise InvalidParameterValue(f"{locator} must not exceed {maximum}, "
                                            f"not {short(text, 50)}", locator)
            return value
    return default


def _bbox(raw: str, ft: FeatureType, query_crs: Crs) -> ast.Node | None:
    """The BBOX parameter as an intersects test in EPSG:31370 (None: it holds everything).

    Its cost is bounded whatever the box's size (:func:`crs.box_to_native`); coordinates
    impossible in its CRS are refused, naming the value.
    """
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) not in (4, 5):
        raise InvalidParameterValue("BBOX is minx,miny,maxx,maxy[,crs]", "bbox")
    try:
        x1, y1, x2, y2 = (float(p) for p in parts[:4])
    except ValueError as exc:
        raise InvalidParameterValue(f"BBOX coordinates must be numbers: {raw[:100]!r}",
                                    "bbox") from exc
    if not all(map(_finite, (x1, y1, x2, y2))) or x1 > x2 or y1 > y2:
        raise InvalidParameterValue("BBOX lower corner must not exceed the upper corner",
                                    "bbox")
    crs = parse_crs(parts[4], "bbox") if len(parts) == 5 else query_crs
    geom = box_to_native(crs, x1, y1, x2, y2, "bbox")
    if covers_data_area(crs, x1, y1, x2, y2, "bbox"):
        return None
    return ast.GeometryIntersects(ast.Attribute(ft.geometry_name), GeometryLiteral(geom))


def _finite(v: float) -> bool:
    return v == v and abs(v) != float("inf")


def _and(nodes: list[ast.Node]) -> ast.Node | None:
    result = None
    for node in nodes:
        result = node if result is None else ast.And(result, node)
    return result


def _sort_by(raw: str, ft: FeatureType) -> list[tuple[str, bool]]:
    out = []
    for item in _split_list(raw):
        bits = item.replace("+", " ").split()
        name = property_name(bits[0], ft, "sortBy")
        if name == ft.geometry_name:
            raise InvalidParameterValue(f"cannot sort by geometry {name}", "sortBy")
        order = bits[1].upper() if len(bits) > 1 else "ASC"
        if order not in ("ASC", "DESC", "A", "D") or len(bits) > 2:
            raise InvalidParameterValue(f"bad sort order in {item!r}", "sortBy")
        out.append((name, order.startswith("D")))
    return out


def get_feature(kvp: dict[str, str], value_reference: bool = False) -> rq.GetFeature:
    """GetFeature / GetPropertyValue from KVP.

    Raises
    ------
    WFSError
        Subclasses naming the offending parameter in ``locator``.
    """
    fmt_raw = kvp.get("OUTPUTFORMAT", "").strip()
    # an unencoded "+" arrives as a space: accept "application/gml xml" like GeoServer
    fmt_key = re.sub(r"\s+", " ", fmt_raw.lower()).replace("gml xml", "gml+xml")
    output = FORMATS.get(fmt_key) if fmt_raw else "gml"
    if output is None or (value_reference and output != "gml"):
        raise InvalidParameterValue(f"output format {fmt_raw!r} is not offered", "outputFormat")
    rtype = kvp.get("RESULTTYPE", "results").strip().lower() or "results"
    if rtype not in ("results", "hits"):
        raise InvalidParameterValue("RESULTTYPE is results or hits", "resultType")
    crs = parse_crs(kvp.get("SRSNAME"))
    stored = kvp.get("STOREDQUERY_ID", "").strip()
    nodes: list[ast.Node] = []
    ns = namespaces(kvp)
    if stored:
        if stored != GET_FEATURE_BY_ID:
            raise InvalidParameterValue(f"unknown stored query {stored!r}", "storedQuery_Id")
        ident = kvp.get("ID", "").strip()
        if not ident:
            raise MissingParameterValue("GetFeatureById needs ID", "ID")
        ft = _type_of_id(ident)
        nodes.append(ast.In(ast.Attribute(RESOURCE_ID), [ident], False))
    else:
        names = _split_list(kvp.get("TYPENAMES") or kvp.get("TYPENAME") or "")
        rids = _split_list(kvp.get("RESOURCEID", ""))
        if len(rids) > MAX_IDS:
            raise InvalidParameterValue(f"more than {MAX_IDS} RESOURCEID values", "resourceId")
        if not names and rids:
            names = [_type_of_id(rids[0]).name]
        if not names:
            raise MissingParameterValue("TYPENAMES is missing", "typeNames")
        if len(names) > 1:
            raise OptionNotSupported("one feature type per request (joins are not supported)",
                                     "typeNames")
        ft = resolve(names[0], ns)
        if rids:
            nodes.append(ast.In(ast.Attribute(RESOURCE_ID), rids, False))
    _exclusive(kvp)
    language = kvp.get("FILTER_LANGUAGE", "").strip()
    if language and language not in (FES_LANGUAGE, "urn:ogc:def:queryLanguage:OGC-FES:Filter"):
        raise InvalidParameterValue(f"filter language {language!r} is not supported",
                                    "filter_language")
    # OWSLib's GET getfeature sends the FES filter as a non-standard QUERY parameter.
    fes = kvp.get("FILTER", "").strip() or (
        kvp.get("QUERY", "").strip() if kvp.get("QUERY", "").lstrip().startswith("<") else "")
    if fes:
        nodes.append(parse_filter(fes, crs if "SRSNAME" in kvp else default_crs()))
    if kvp.get("CQL_FILTER", "").strip():
        nodes.append(parse_cql(kvp["CQL_FILTER"]))
    if kvp.get("BBOX", "").strip():
        box_node = _bbox(kvp["BBOX"], ft, default_crs())
        if box_node is not None:
            nodes.append(box_node)
    props = None
    raw_props = kvp.get("PROPERTYNAME", "").strip()
    if raw_props and raw_props not in ("*", "(*)"):
        asked = {property_name(p, ft, "propertyName") for p in _split_list(raw_props)}
        if RESOURCE_ID in asked:
            raise InvalidParameterValue("gml:id is always returned", "propertyName")
        props = tuple(p for p in ft.property_names if p in asked)  # schema order
    vref = None
    if value_reference:
        raw = kvp.get("VALUEREFERENCE", "").strip()
        if not raw:
            raise MissingParameterValue("VALUEREFERENCE is missing", "valueReference")
        vref = property_name(raw, ft, "valueReference")
    query = rq.Query(ft, _and(nodes), _sort_by(kvp.get("SORTBY", ""), ft), props, crs)
    # COUNT above CountDefault is capped (numberReturned says so); STARTINDEX is bounded
    count = min(_int(kvp, ("COUNT", "MAXFEATURES"), COUNT_DEFAULT, "count"), COUNT_DEFAULT)
    start = _int(kvp, ("STARTINDEX",), 0, "startIndex", MAX_START_INDEX)
    return rq.GetFeature(query, count, start,
                         rtype == "hits", output, kvp, by_id=bool(stored),
                         value_reference=vref)


def _exclusive(kvp: dict[str, str]) -> None:
    """WFS 2.0 §7.9.2.4.1 (Table 8): FILTER, RESOURCEID and BBOX are mutually exclusive.

    Combining them was silently ANDed; GeoServer refuses, and so does the standard.
    """
    given = [k for k in ("FILTER", "RESOURCEID", "BBOX") if kvp.get(k, "").strip()]
    if len(given) > 1:
        raise InvalidParameterValue(
            f"{' and '.join(given)} are mutually exclusive (WFS 2.0 §7.9.2.4.1): put the box "
            "or the identifiers inside the FILTER instead", given[-1].lower())


def _type_of_id(ident: str) -> FeatureType:
    """The feature type of a ``gml:id`` (``POI.CA_…``) or a bare POID (POI)."""
    for ft in feature_types():
        if ident.startswith(f"{ft.local_name}."):
            return ft
    return feature_types()[0]


def describe_stored_queries(kvp: dict[str, str]) -> rq.DescribeStoredQueries:
    """DescribeStoredQueries: only GetFeatureById exists."""
    ids = tuple(_split_list(kvp.get("STOREDQUERY_ID", "")))
    for ident in ids:
        if ident != GET_FEATURE_BY_ID:
            raise InvalidParameterValue(f"unknown stored query {ident!r}", "storedQuery_Id")
    return rq.DescribeStoredQueries(ids)
