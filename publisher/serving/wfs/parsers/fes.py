"""FES 2.0 (and ECQL) filters → one pygeofilter AST, with the parts pygeofilter lacks.

pygeofilter's FES parser does the logical and comparison operators. Ours adds what real
clients send and it does not handle: ``ResourceId``, literals without a ``type``, filters
without a namespace or in the FES 1.1 namespace (QGIS and older GDAL), ``PropertyIsLike``
without ``escapeChar``, and geometries read with *our* axis-order table (pygml swaps axes by
its own rules and drops an envelope's ``srsName``). Geometries become
:class:`GeometryLiteral` already in EPSG:31370, so the SQL backend works in one CRS.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

import shapely
from lxml import etree
from pygeofilter import ast
from pygeofilter.parsers.ecql import parse as parse_ecql
from pygeofilter.parsers.fes.util import NodeParsingError, handle, handle_namespace
from pygeofilter.parsers.fes.v20 import FES20Parser
from pygml.pre_v32 import parse_pre_v32
from pygml.v32 import parse_v32
from shapely.geometry import shape

from publisher.serving.crs import Crs, CrsError, covers_data_area, geometry_to_native, parse_crs
from publisher.serving.filters.compiler import RESOURCE_ID, GeometryLiteral
from publisher.serving.filters.parsed import sql_like
from publisher.serving.wfs.errors import (
    InvalidParameterValue,
    OperationNotSupported,
    OperationParsingFailed,
)
from publisher.serving.wfs.parsers.xmlsafe import parse_xml
from publisher.serving.wfs.settings import (
    MAX_CQL_CHARS,
    MAX_FILTER_CHARS,
    MAX_FILTER_DEPTH,
    MAX_FILTER_TERMS,
    MAX_IDS,
)

FES20 = "http://www.opengis.net/fes/2.0"
FES11 = "http://www.opengis.net/ogc"
GML32 = "http://www.opengis.net/gml/3.2"
GML31 = "http://www.opengis.net/gml"
_GML_NAMES = {
    "Envelope", "Box", "Point", "LineString", "Polygon", "LinearRing", "MultiPoint",
    "MultiCurve", "MultiSurface", "MultiPolygon", "MultiLineString", "pos", "posList",
    "coordinates", "coord", "X", "Y", "lowerCorner", "upperCorner", "exterior", "interior",
    "outerBoundaryIs", "innerBoundaryIs", "pointMember", "curveMember", "surfaceMember",
    "polygonMember", "lineStringMember", "pointMembers", "surfaceMembers", "curveMembers",
}


@dataclass(frozen=True)
class _Rid:
    rid: str


def _to_native(geom: shapely.Geometry, crs: Crs) -> GeometryLiteral:
    """Transform to EPSG:31370 at a bounded cost (see :func:`crs.geometry_to_native`)."""
    bounds = shapely.bounds(geom).tolist()
    rectangle = (isinstance(geom, shapely.Polygon) and len(geom.exterior.coords) == 5
                 and shapely.equals(geom, shapely.box(*bounds)))
    everything = rectangle and covers_data_area(crs, *bounds, locator="filter")
    return GeometryLiteral(geometry_to_native(geom, crs, "filter"), everything)


class _Parser(FES20Parser):
    """FES 2.0 parser with our geometry, literal and identifier handling."""

    def __init__(self, default_crs: Crs) -> None:
        self.default_crs = default_crs

    @handle("Filter")
    def filter_(self, node: etree._Element, *args: Any) -> ast.Node:
        if args and all(isinstance(a, _Rid) for a in args):
            if len(args) > MAX_IDS:
                raise InvalidParameterValue(f"more than {MAX_IDS} ResourceId", "filter")
            return ast.In(ast.Attribute(RESOURCE_ID), [a.rid for a in args], False)
        if len(args) != 1 or isinstance(args[0], _Rid):
            raise OperationParsingFailed("a Filter holds exactly one predicate or only "
                                         "ResourceIds", "filter")
        return args[0]

    @handle("And", "Or")
    def logical(self, node: etree._Element, *args: Any) -> ast.Node:
        # FES 2.0 BinaryLogicOpType: two or more operands; one is a malformed filter
        if len(args) < 2:
            raise OperationParsingFailed(
                f"fes:{etree.QName(node).localname} needs at least two operands, "
                f"got {len(args)}", "filter")
        kind = ast.And if etree.QName(node).localname == "And" else ast.Or
        result = args[0]
        for operand in args[1:]:
            result = kind(result, operand)
        return result

    @handle("ResourceId", "FeatureId", "GmlObjectId")
    def resource_id(self, node: etree._Element, *args: Any) -> _Rid:
        rid = node.get("rid") or node.get("fid") or node.get(f"{{{GML32}}}id") or ""
        if not rid:
            raise MissingRid("ResourceId without rid", "filter")
        return _Rid(rid)

    @handle("Literal", subiter=False)
    def literal(self, node: etree._Element) -> Any:
        children = list(node)
        if children:
            return self._geometry(children[0])
        type_ = (node.get("type") or "").rpartition(":")[2]
        text = node.text or ""
        if type_ in ("int", "integer", "long", "short"):
            try:
                return int(text)
            except ValueError as exc:
                raise InvalidParameterValue(f"not an integer: {text!r}", "filter") from exc
        if type_ in ("decimal", "double", "float"):
            try:
                return float(text)
            except ValueError as exc:
                raise InvalidParameterValue(f"not a number: {text!r}", "filter") from exc
        return text

    @handle("PropertyIsLike")
    def property_is_like(self, node: etree._Element, lhs: Any, rhs: Any) -> ast.Node:
        return ast.Like(lhs, rhs, wildcard=node.get("wildCard", "*"),
                        singlechar=node.get("singleChar", "?"),
                        escapechar=node.get("escapeChar", node.get("escape", "\\")),
                        nocase=node.get("matchCase", "true").lower() == "false", not_=False)

    @handle("PropertyIsNil")
    def property_is_nil(self, node: etree._Element, lhs: Any) -> ast.Node:
        return ast.IsNull(lhs, not_=False)

    @handle("Distance", subiter=False)
    def distance(self, node: etree._Element) -> tuple[float, str]:
        try:
            return float(node.text or ""), node.get("uom") or node.get("units") or "m"
        except ValueError as exc:
            raise InvalidParameterValue(f"bad distance {node.text!r}", "filter") from exc

    @handle("Function", subiter=False)
    def function(self, node: etree._Element) -> None:
        raise OperationNotSupported("filter functions are not supported", "filter")

    @handle_namespace(GML32, False)
    def gml_32(self, node: etree._Element) -> GeometryLiteral:
        return self._geometry(node)

    @handle_namespace(GML31, False)
    def gml_31(self, node: etree._Element) -> GeometryLiteral:
        return self._geometry(node)

    def _geometry(self, node: etree._Element) -> GeometryLiteral:
        srs = node.get("srsName")
        crs = parse_crs(srs, "filter") if srs else self.default_crs
        bare = copy.deepcopy(node)
        for el in bare.iter():
            el.attrib.pop("srsName", None)
        try:
            if etree.QName(bare).namespace == GML32:
                geometry = shape(parse_v32(bare))
            else:
                geometry = shape(parse_pre_v32(bare))
        except Exception as exc:  # pygml raises anything from IndexError to ValueError
            raise InvalidParameterValue(
                f"cannot read the GML geometry {etree.QName(node).localname}", "filter"
            ) from exc
        if geometry.is_empty or not shapely.is_valid_input(geometry):
            raise InvalidParameterValue("empty filter geometry", "filter")
        return _to_native(geometry, crs)


class MissingRid(InvalidParameterValue):
    """A ResourceId element without its ``rid`` attribute."""


# pygeofilter's metaclass collects handlers of the class and its direct bases with the bases
# winning, so it would lose FESBaseParser's operators and let FES20's Literal override ours:
# rebuild the maps as FES20's (which include the base operators) overlaid with ours.
_Parser.tag_map = {**FES20Parser.tag_map, **{
    f"{{{FES20}}}{tag}": func for func in vars(_Parser).values()
    for tag in getattr(func, "handles_tags", ())}}
_Parser.namespace_map = {**FES20Parser.namespace_map, **{
    func.handles_namespace: func for func in vars(_Parser).values()
    if hasattr(func, "handles_namespace")}}


def _normalise(root: etree._Element) -> None:
    """Put FES 1.1 and namespace-less filters into FES 2.0 (GML names into GML 3.2)."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        q = etree.QName(el)
        if q.namespace is None:
            el.tag = f"{{{GML32 if q.localname in _GML_NAMES else FES20}}}{q.localname}"
        elif q.namespace == FES11:
            el.tag = f"{{{FES20}}}{q.localname}"


def parse_filter(text: str | etree._Element, default_crs: Crs) -> ast.Node:
    """Parse an FES filter (KVP ``FILTER`` value or an element of a POST body).

    Raises
    ------
    OperationParsingFailed
        When the text is not XML or not a filter.
    InvalidParameterValue
        For bad values inside (literal types, geometries, CRS).
    """
    if isinstance(text, str):
        text = text.strip()
        if len(text) > MAX_FILTER_CHARS:
            raise InvalidParameterValue(f"filter longer than {MAX_FILTER_CHARS} characters",
                                        "filter")
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1].strip()
        root = parse_xml(text.encode("utf-8"), "filter")
    else:
        root = copy.deepcopy(text)
    _normalise(root)
    _check_size(root)
    if etree.QName(root).localname != "Filter":
        raise OperationParsingFailed(f"expected a fes:Filter, got {etree.QName(root).localname}",
                                     "filter")
    try:
        return _Parser(default_crs).parse(root)
    except (InvalidParameterValue, OperationNotSupported, OperationParsingFailed, CrsError):
        raise
    except NodeParsingError as exc:
        raise OperationParsingFailed(f"unsupported filter element: {_tag(exc)}", "filter") from exc
    except RecursionError as exc:
        raise InvalidParameterValue("filter nested too deeply", "filter") from exc
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        raise OperationParsingFailed("malformed filter (wrong number or kind of operands)",
                                     "filter") from exc


#: Elements that are operands or identifiers, not predicates (not counted as terms).
_NOT_TERMS = {"Filter", "ValueReference", "PropertyName", "Literal", "ResourceId",
              "FeatureId", "GmlObjectId", "Distance", "Function"}


def _check_size(root: etree._Element) -> None:
    """Refuse filters deeper than MAX_FILTER_DEPTH or with more than MAX_FILTER_TERMS terms.

    Walked iteratively, before the recursive parser sees the tree, so a hostile nesting can
    neither exhaust Python's recursion nor SQLite's expression depth.

    Raises
    ------
    InvalidParameterValue
        Naming the limit that was passed.
    """
    terms, stack = 0, [(root, 1)]
    while stack:
        el, depth = stack.pop()
        if depth > MAX_FILTER_DEPTH:
            raise InvalidParameterValue(
                f"filter nested more than {MAX_FILTER_DEPTH} levels deep", "filter")
        q = etree.QName(el)
        if q.namespace == FES20 and q.localname not in _NOT_TERMS:
            terms += 1
            if terms > MAX_FILTER_TERMS:
                raise InvalidParameterValue(
                    f"filter has more than {MAX_FILTER_TERMS} predicates", "filter")
        stack.extend((child, depth + 1) for child in el if isinstance(child.tag, str))


def _tag(exc: Exception) -> str:
    m = re.search(r"\}(\w+)", str(exc))
    return m.group(1) if m else "?"


def parse_cql(text: str) -> ast.Node:
    """GeoServer's ``CQL_FILTER`` vendor parameter (ECQL), geometries in EPSG:31370.

    Raises
    ------
    InvalidParameterValue
        When the text is not valid ECQL.
    """
    if len(text) > MAX_CQL_CHARS:
        raise InvalidParameterValue(f"CQL_FILTER longer than {MAX_CQL_CHARS} characters",
                                    "CQL_FILTER")
    try:
        return sql_like(parse_ecql(text))
    except RecursionError as exc:
        raise InvalidParameterValue("CQL_FILTER nested too deeply", "CQL_FILTER") from exc
    except Exception as exc:  # lark raises a family of its own errors
        raise InvalidParameterValue(f"cannot parse CQL_FILTER {text[:200]!r}",
                                    "CQL_FILTER") from exc
