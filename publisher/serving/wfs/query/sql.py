"""The pygeofilter AST → SQL over the GeoPackage's indexed columns and R-tree.

A small backend in pygeofilter's shape: comparisons become SQL on the columns (indexed ones
use their index), every value is a bound parameter (never spliced into the text, so ``' OR
1=1 --`` is just a string that matches nothing), spatial predicates join the R-tree for a
bounding-box pre-filter and then test exactly with shapely through one SQL function
(``wfs_spatial``) registered on the request's connection.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import shapely
from pygeofilter import ast, values
from shapely.geometry import shape

from publisher.serving.wfs.crs import (
    box_to_native,
    covers_data_area,
    default_crs,
    geometry_to_native,
    parse_crs,
)
from publisher.serving.wfs.errors import InvalidParameterValue, OperationNotSupported
from publisher.serving.wfs.featuretypes import FeatureType
from publisher.serving.wfs.parsers.fes import RESOURCE_ID, GeometryLiteral
from publisher.serving.wfs.query.dialect import GPKG, Dialect

_COMPARISONS = {ast.Equal: "=", ast.NotEqual: "<>", ast.LessThan: "<", ast.LessEqual: "<=",
                ast.GreaterThan: ">", ast.GreaterEqual: ">="}
_SPATIAL = {ast.GeometryIntersects: "intersects", ast.GeometryWithin: "within",
            ast.GeometryContains: "contains", ast.GeometryDisjoint: "disjoint",
            ast.GeometryEquals: "equals", ast.GeometryTouches: "touches",
            ast.GeometryCrosses: "crosses", ast.GeometryOverlaps: "overlaps"}
#: Predicates decided without a test when the literal is empty or covers all data.
_BOX_LIKE = ("intersects", "within", "disjoint")
_UNITS = {"m": 1.0, "meter": 1.0, "meters": 1.0, "metre": 1.0, "metres": 1.0,
          "urn:ogc:def:uom:epsg::9001": 1.0, "km": 1000.0, "kilometer": 1000.0,
          "kilometre": 1000.0, "kilometers": 1000.0, "kilometres": 1000.0}


@dataclass
class Where:
    """A compiled filter: SQL condition, its parameters and the exact spatial tests."""

    sql: str = "1"
    params: list[Any] = field(default_factory=list)
    tests: list[Callable[[shapely.Geometry], bool]] = field(default_factory=list)

    @property
    def everything(self) -> bool:
        """True when the filter selects every feature (the published count applies)."""
        return self.sql in ("1", "TRUE")


def property_name(ref: str | None, ft: FeatureType, locator: str = "filter") -> str:
    """Canonical property name from a client reference (``POI:NAAM``, ``POI:POI/NAAM``…).

    Raises
    ------
    InvalidParameterValue
        For a property the feature type does not have.
    """
    raw = (ref or "").strip()
    step = raw.rsplit("/", 1)[-1]
    if step.startswith("{") and "}" in step:
        step = step.split("}", 1)[1]
    step = step.lstrip("@")
    if step in ("gml:id", "id") or raw == RESOURCE_ID:
        return RESOURCE_ID
    name = step.rsplit(":", 1)[-1]
    if name in ft.property_names:
        return name
    raise InvalidParameterValue(f"{ft.name} has no property {raw!r}", locator)


class Compiler:
    """Compile one AST for one feature type (see :func:`compile_filter`)."""

    def __init__(self, ft: FeatureType, locator: str, dialect: Dialect = GPKG) -> None:
        self.ft = ft
        self.locator = locator
        self.dialect = dialect
        self.ph = dialect.ph
        self.where = Where(dialect.true)

    # -- entry ---------------------------------------------------------------------------
    def node(self, node: Any) -> str:
        """SQL for one AST node (recursively)."""
        if isinstance(node, ast.And | ast.Or):
            op = "AND" if isinstance(node, ast.And) else "OR"
            return _balanced([self.node(n) for n in _flatten(node)], op)
        if isinstance(node, ast.Not):
            sub = node.sub_node
            if isinstance(sub, ast.GeometryDisjoint):  # fes:BBOX = NOT disjoint
                return self._spatial("intersects", sub.lhs, sub.rhs)
            return f"(NOT {self.node(sub)})"
        for cls, op in _COMPARISONS.items():
            if type(node) is cls:
                return self._compare(node.lhs, op, node.rhs)
        if isinstance(node, ast.Between):
            col, kind = self._column(node.lhs)
            col = self.dialect.ordered(col, kind in ("string", "id"))
            sql = f"({col} BETWEEN {self.ph} AND {self.ph})"
            self.where.params += [self._value(node.low, kind), self._value(node.high, kind)]
            return f"(NOT {sql})" if node.not_ else sql
        if isinstance(node, ast.Like):
            return self._like(node)
        if isinstance(node, ast.IsNull):
            col, _ = self._column(node.lhs)
            return f"({col} IS {'NOT ' if node.not_ else ''}NULL)"
        if isinstance(node, ast.In):
            return self._in(node)
        if isinstance(node, ast.BBox):
            crs = parse_crs(node.crs, self.locator) if node.crs else default_crs()
            corners = (node.minx, node.miny, node.maxx, node.maxy)
            geom = box_to_native(crs, *corners, locator=self.locator)
            everything = covers_data_area(crs, *corners, locator=self.locator)
            return self._spatial("intersects", node.lhs, GeometryLiteral(geom, everything))
        for cls, name in _SPATIAL.items():
            if type(node) is cls:
                return self._spatial(name, node.lhs, node.rhs)
        if isinstance(node, ast.DistanceWithin | ast.DistanceBeyond):
            factor = _UNITS.get(str(node.units).strip().lower())
            if factor is None:
                raise InvalidParameterValue(f"distance unit {node.units!r} is not supported; "
                                            "use m or km", self.locator)
            name = "dwithin" if isinstance(node, ast.DistanceWithin) else "beyond"
            return self._spatial(name, node.lhs, node.rhs, float(node.distance) * factor)
        if isinstance(node, ast.Include):
            return self.dialect.false if node.not_ else self.dialect.true
        raise OperationNotSupported(
            f"filter operator {type(node).__name__} is not supported", self.locator)

    # -- scalar ----------------------------------------------------------------------------
    def _column(self, node: Any) -> tuple[str, str]:
        if not isinstance(node, ast.Attribute):
            raise InvalidParameterValue("expected a property name (ValueReference)",
                                        self.locator)
        name = property_name(node.name, self.ft, self.locator)
        if name == RESOURCE_ID:
            return f'"{self.ft.id_field}"', "id"
        if name == self.ft.geometry_name:
            raise InvalidParameterValue(f"{name} is a geometry: use a spatial operator",
                                        self.locator)
        f = self.ft.field(name)
        assert f is not None
        return f'"{name}"', f.type

    def _value(self, value: Any, kind: str) -> Any:
        """A literal coerced to the column's type, so comparisons follow the schema."""
        if isinstance(value, ast.Node | GeometryLiteral | values.Geometry):
            raise InvalidParameterValue("expected a literal value", self.locator)
        try:
            if kind == "id":
                return self._rid(str(value))
            if kind == "integer":
                return int(str(value).strip())
            if kind == "real":
                return float(str(value).strip())
            if kind == "boolean":
                text = str(value).strip().lower()
                if text not in ("true", "false", "1", "0"):
                    raise ValueError(text)
                return self.dialect.boolean(text in ("true", "1"))
            if kind == "date":
                if isinstance(value, datetime):
                    return value.date().isoformat()
                if isinstance(value, date):
                    return value.isoformat()
                return date.fromisoformat(str(value).strip()[:10]).isoformat()
        except ValueError as exc:
            raise InvalidParameterValue(f"{value!r} is not a valid {kind}", self.locator) from exc
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def _rid(self, rid: str) -> str:
        prefix = f"{self.ft.local_name}."
        return rid[len(prefix):] if rid.startswith(prefix) else rid

    def _compare(self, lhs: Any, op: str, rhs: Any) -> str:
        if not isinstance(lhs, ast.Attribute) and isinstance(rhs, ast.Attribute):
            lhs, rhs = rhs, lhs
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        col, kind = self._column(lhs)
        if isinstance(rhs, ast.Attribute):
            other, _ = self._column(rhs)
            return f"({col} {op} {other})"
        self.where.params.append(self._value(rhs, kind))
        if op not in ("=", "<>"):
            col = self.dialect.ordered(col, kind in ("string", "id"))
        return f"({col} {op} {self.ph})"

    def _in(self, node: ast.In) -> str:
        col, kind = self._column(node.lhs)
        items = [self._value(v, kind) for v in node.sub_nodes]
        if not items:
            return self.dialect.true if node.not_ else self.dialect.false
        self.where.params += items
        marks = ", ".join([self.ph] * len(items))
        return f"({col} {'NOT ' if node.not_ else ''}IN ({marks}))"

    def _like(self, node: ast.Like) -> str:
        col, _ = self._column(node.lhs)
        glob = _glob(str(node.pattern), node.wildcard, node.singlechar, node.escapechar)
        sql, param = self.dialect.match(col, glob, nocase=bool(node.nocase))
        self.where.params.append(param)
        return f"(NOT {sql})" if node.not_ else sql

    # -- spatial ---------------------------------------------------------------------------
    def _spatial(self, name: str, lhs: Any, rhs: Any, distance: float = 0.0) -> str:
        if not isinstance(rhs, ast.Attribute) and isinstance(lhs, GeometryLiteral
                                                             | values.Geometry
                                                             | values.Envelope):
            lhs, rhs = rhs, lhs
            name = {"within": "contains", "contains": "within"}.get(name, name)
        if lhs is not None:
            prop = property_name(lhs.name if isinstance(lhs, ast.Attribute) else None,
                                 self.ft, self.locator)
            if prop != self.ft.geometry_name:
                raise InvalidParameterValue(f"{prop} is not a geometry property", self.locator)
        geom = _literal_geometry(rhs, self.locator)
        # An area clipped away (outside where data can be) matches nothing; a box around all
        # of it matches everything: either way no per-row test, whatever the box's size.
        if geom.is_empty and name in (*_BOX_LIKE, "dwithin", "beyond"):
            return self.dialect.true if name in ("disjoint", "beyond") else self.dialect.false
        if getattr(rhs, "everything", False) and name in _BOX_LIKE:
            return self.dialect.false if name == "disjoint" else self.dialect.true
        if self.dialect.postgis:  # GiST-assisted exact test in the database
            sql, params = self.dialect.pg_spatial(name, f't."{self.ft.geometry_name}"', geom,
                                                  distance)
            self.where.params += params
            return f"({sql})"
        shapely.prepare(geom)
        index = len(self.where.tests)
        self.where.tests.append(_predicate(name, geom, distance))
        test = f'wfs_spatial("{self.ft.geometry_name}", {index})'
        if name in ("disjoint", "beyond"):
            return f"({test})"
        minx, miny, maxx, maxy = geom.bounds
        self.where.params += [minx - distance, maxx + distance, miny - distance, maxy + distance]
        return (f'(t.fid IN (SELECT id FROM "{self.ft.rtree}" WHERE maxx >= ? AND minx <= ? '
                f"AND maxy >= ? AND miny <= ?) AND {test})")


def _flatten(node: ast.Node) -> list[ast.Node]:
    """Operands of a chain of the same And/Or, in order, without recursion.

    pygeofilter nests ``a OR b OR c`` as ``Or(Or(a, b), c)``: a list of hundreds of values
    would otherwise exceed Python's recursion and SQLite's expression-depth limits.
    """
    kind, out, stack = type(node), [], [node]
    while stack:
        current = stack.pop()
        if type(current) is kind:
            stack += [current.rhs, current.lhs]
        else:
            out.append(current)
    return out


def _balanced(parts: list[str], op: str) -> str:
    """Join SQL conditions as a balanced tree (depth log n, within SQLite's limit)."""
    if len(parts) == 1:
        return parts[0]
    mid = len(parts) // 2
    return f"({_balanced(parts[:mid], op)} {op} {_balanced(parts[mid:], op)})"


def _literal_geometry(value: Any, locator: str) -> shapely.Geometry:
    if isinstance(value, GeometryLiteral):
        return value.geometry
    if isinstance(value, values.Geometry | values.Envelope):  # from ECQL
        geometry = dict(value.geometry)
        crs_name = (geometry.pop("crs", None) or {}).get("properties", {}).get("name")
        crs = parse_crs(crs_name, locator) if crs_name else default_crs()
        try:
            geom = shape(geometry)
        except Exception as exc:  # shapely raises several kinds for bad coordinates
            raise InvalidParameterValue("invalid geometry literal", locator) from exc
        return geometry_to_native(geom, crs, locator)
    raise InvalidParameterValue("a spatial operator needs a geometry literal", locator)


@dataclass(frozen=True)
class PointTest:
    """The exact test of a point (x, y) against an axis-aligned box: four float comparisons.

    QGIS asks by BBOX on every pan and zoom; on a point layer the per-candidate test then needs
    no shapely object at all. (Other areas, e.g. a box sent in EPSG:4326, which is a curved
    quadrilateral in Lambert 72, keep the shapely test: measured, ``intersects_xy`` per row was
    slower end to end than a ``Point`` and ``intersects`` in the server's threads.)
    """

    geom: shapely.Geometry
    box: tuple[float, float, float, float]
    interior: bool  # "within": the boundary does not count

    def __call__(self, g: shapely.Geometry) -> bool:
        """The same test on a geometry (non-point layers, or any caller without x/y)."""
        func = shapely.within if self.interior else shapely.intersects
        return bool(func(g, self.geom))

    def xy(self, x: float, y: float) -> bool:
        """Whether the point (x, y) passes."""
        minx, miny, maxx, maxy = self.box
        if self.interior:
            return minx < x < maxx and miny < y < maxy
        return minx <= x <= maxx and miny <= y <= maxy


def _is_box(geom: shapely.Geometry) -> bool:
    """Whether ``geom`` is an axis-aligned rectangle (then its bounds are the exact test)."""
    if geom.geom_type != "Polygon" or geom.area <= 0:
        return False
    return bool(shapely.equals(geom, shapely.box(*geom.bounds)))


def _predicate(name: str, geom: shapely.Geometry, distance: float
               ) -> Callable[[shapely.Geometry], bool]:
    if name in ("intersects", "within") and distance == 0.0 and _is_box(geom):
        return PointTest(geom, geom.bounds, name == "within")
    if name == "dwithin":
        return lambda g: bool(shapely.dwithin(g, geom, distance))
    if name == "beyond":
        return lambda g: not bool(shapely.dwithin(g, geom, distance))
    func = getattr(shapely, name)
    return lambda g: bool(func(g, geom))


def _glob(pattern: str, wildcard: str, single: str, escape: str) -> str:
    """FES ``PropertyIsLike`` pattern → SQLite GLOB (case-sensitive, like FES by default)."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if escape and ch == escape and i + 1 < len(pattern):
            out.append(_glob_literal(pattern[i + 1]))
            i += 2
            continue
        if wildcard and pattern.startswith(wildcard, i):
            out.append("*")
            i += len(wildcard)
            continue
        if single and pattern.startswith(single, i):
            out.append("?")
            i += len(single)
            continue
        out.append(_glob_literal(ch))
        i += 1
    return "".join(out)


def _glob_literal(ch: str) -> str:
    return f"[{ch}]" if ch in "*?[" else ch


_SAFE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def compile_filter(node: ast.Node | None, ft: FeatureType, locator: str = "filter",
                   dialect: Dialect = GPKG) -> Where:
    """Compile ``node`` for ``ft`` in ``dialect``; None means every feature.

    Raises
    ------
    InvalidParameterValue, OperationNotSupported
        For unknown properties, bad literals or operators we do not evaluate.
    """
    if node is None:
        return Where(dialect.true)
    compiler = Compiler(ft, locator, dialect)
    try:
        compiler.where.sql = compiler.node(node)
    except RecursionError as exc:
        raise InvalidParameterValue("filter nested too deeply", locator) from exc
    return compiler.where


def order_by(sort_by: list[tuple[str, bool]], ft: FeatureType,
             dialect: Dialect = GPKG) -> str:
    """ORDER BY for SORTBY with the unique id as the last key: a total, stable order.

    Without SORTBY the order is ``fid`` (publication order), already total.
    """
    if not sort_by:
        return "t.fid"
    keys = []
    for name, descending in sort_by:
        if name == RESOURCE_ID:
            name = ft.id_field
        assert _SAFE.match(name)
        f = ft.field(name)
        keys.append(dialect.sort_key(f'"{name}"', descending, f is None or f.type == "string"))
    if not any(name == ft.id_field for name, _ in sort_by):
        keys.append(dialect.sort_key(f'"{ft.id_field}"', False, True))
    return ", ".join(keys)
