"""The one filter compiler: a pygeofilter AST → one parameterised SQL condition per backend.

Every surface parses its own syntax into pygeofilter's AST — WFS ``FILTER`` (FES 2.0),
``BBOX``, ``RESOURCEID`` and ``CQL_FILTER`` (ECQL), OGC API ``filter`` (CQL2 text or JSON),
``bbox`` and property parameters — and compiles it here, in pygeofilter's backend shape, for
the publication's :class:`~.dialect.Dialect`. So the same predicate means the same features on
every surface and both backends.

- Every value is a bound parameter, coerced to the column's type (never spliced into the
  text: ``' OR 1=1 --`` is a string that matches nothing).
- Spatial predicates are index work. On a GeoPackage the R-tree answers the box; a rectangle
  inside the literal (the literal itself when it is an axis-aligned box, as a BBOX in the
  storage CRS is) decides every candidate whose index box lies within it, and only the thin rim
  between the two goes through the exact test (a Python function bound per request). So a
  point layer's BBOX costs two R-tree range reads, with no Python call per feature. On PostGIS
  the exact ``ST_*`` test runs in the database on its GiST index.
- Anything not translated is refused with :class:`FilterNotSupported`, never guessed.

Errors are :class:`FilterError` (a ``ValueError``) or :class:`~publisher.serving.crs.CrsError`,
both with a locator; each HTTP edge renders them (OWS exception, problem JSON).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import shapely
from pygeofilter import ast, values
from shapely.geometry import shape

from publisher.publication.gpkg import point_xy, wkb_of
from publisher.serving.crs import (
    Crs,
    box_to_native,
    covers_data_area,
    default_crs,
    geometry_to_native,
    parse_crs,
)
from publisher.serving.filters.dialect import GPKG, Dialect
from publisher.serving.filters.size import operands

#: The attribute name the WFS parsers give a feature identifier (``fes:ResourceId``,
#: ``gml:id``); the compiler maps it to the layer's id field.
RESOURCE_ID = "@gml:id"

_COMPARISONS = {ast.Equal: "=", ast.NotEqual: "<>", ast.LessThan: "<", ast.LessEqual: "<=",
                ast.GreaterThan: ">", ast.GreaterEqual: ">="}
_FLIPPED = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}
_SPATIAL = {ast.GeometryIntersects: "intersects", ast.GeometryWithin: "within",
            ast.GeometryContains: "contains", ast.GeometryDisjoint: "disjoint",
            ast.GeometryEquals: "equals", ast.GeometryTouches: "touches",
            ast.GeometryCrosses: "crosses", ast.GeometryOverlaps: "overlaps"}
#: Predicates decided without a test when the literal is empty or covers all data.
_BOX_LIKE = ("intersects", "within", "disjoint")
#: Predicates that hold for every feature lying inside a rectangle inside the literal.
_INNER_DECIDES = ("intersects", "within", "dwithin")
#: Case functions on text (CQL2 ``CASEI``; ``LOWER``/``UPPER`` as GeoServer's ECQL).
_FUNCTIONS = {"lower": "lower", "upper": "upper", "casei": "lower", "strtolowercase": "lower",
              "strtouppercase": "upper"}
_UNITS = {"m": 1.0, "meter": 1.0, "meters": 1.0, "metre": 1.0, "metres": 1.0,
          "urn:ogc:def:uom:epsg::9001": 1.0, "km": 1000.0, "kilometer": 1000.0,
          "kilometre": 1000.0, "kilometers": 1000.0, "kilometres": 1000.0}
_SAFE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
#: The SQL function a GeoPackage connection binds for exact tests (:func:`bind_spatial`).
SPATIAL_FUNCTION = "vlok_spatial"


class FilterError(ValueError):
    """A filter that cannot be evaluated as written (unknown property, bad literal, …)."""

    def __init__(self, message: str, locator: str | None = "filter") -> None:
        super().__init__(message)
        self.message = message
        self.locator = locator


class FilterNotSupported(FilterError):
    """A filter operator or function this service does not evaluate."""


@dataclass(frozen=True)
class GeometryLiteral:
    """A filter geometry already in EPSG:31370 (x/y).

    ``everything`` marks an area that contains every place data can be (a zoomed-out
    client's world or Belgium box): the predicate is then decided without a test.
    """

    geometry: shapely.Geometry
    everything: bool = False


@dataclass(frozen=True)
class Layer:
    """What a filter on one published layer may name, and how its table is indexed.

    ``resolve`` turns a client's reference (``NAAM``, ``POI:NAAM``, ``geometry``…) into a field
    name, the geometry name or :data:`RESOURCE_ID`, raising :class:`FilterError` (or the
    surface's own 400) for anything else.
    """

    fields: Mapping[str, str]  # name → mapping type: string, integer, real, date, boolean
    table: str
    id_field: str
    geometry: str
    is_point: bool
    rtree: str
    resolve: Callable[[str], str]
    id_prefix: str = ""  # stripped from resource ids (``POI.`` of a ``gml:id``)


def layer_from_mapping(mapping: Any, *, table: str, id_field: str,
                       resolve: Callable[[str], str] | None = None,
                       id_prefix: str = "") -> Layer:
    """The :class:`Layer` of a published mapping (``publisher.mapping.Mapping``).

    Without ``resolve`` a filter may name the mapping's fields and its geometry, as written.
    """
    fields = {f.name: f.type for f in mapping.fields}
    geometry = mapping.geometry_name

    def plain(name: str) -> str:
        if name in fields or name == geometry:
            return name
        raise FilterError(f"unknown property {name!r}")

    return Layer(fields=fields, table=table, id_field=id_field, geometry=geometry,
                 is_point=mapping.geometry_type.lower() == "point",
                 rtree=f"rtree_{table}_{geometry}", resolve=resolve or plain,
                 id_prefix=id_prefix)


@dataclass
class Where:
    """A compiled filter: SQL condition, its parameters and the exact spatial tests."""

    sql: str = "1"
    params: list[Any] = field(default_factory=list)
    tests: list[Callable[[shapely.Geometry], bool]] = field(default_factory=list)
    #: When the whole filter is one spatial predicate on the GeoPackage: its count from the
    #: R-tree alone, without touching the feature table (QGIS's BBOX hits).
    count_sql: tuple[str, list[Any]] | None = None

    @property
    def everything(self) -> bool:
        """True when the filter selects every feature (the published count applies)."""
        return self.sql in ("1", "TRUE")


class Compiler:
    """Compile one AST for one layer (see :func:`compile_filter`)."""

    def __init__(self, layer: Layer, dialect: Dialect, literal_crs: Crs, locator: str) -> None:
        self.layer = layer
        self.dialect = dialect
        self.literal_crs = literal_crs
        self.locator = locator
        self.ph = dialect.ph
        self.where = Where(dialect.true)
        #: The last spatial predicate's SQL, and its count from the R-tree alone (SQL, params).
        self.index_only: tuple[str, str, list[Any]] | None = None

    def error(self, message: str) -> FilterError:
        """A 400-kind error at this filter's locator."""
        return FilterError(message, self.locator)

    # -- logic -----------------------------------------------------------------------------
    def node(self, node: Any) -> str:
        """SQL for one AST node (logic recursively; chains of one operator flattened)."""
        if isinstance(node, ast.And | ast.Or):
            op = "AND" if isinstance(node, ast.And) else "OR"
            return _balanced([self.node(n) for n in operands(node)], op)
        if isinstance(node, ast.Not):
            sub = node.sub_node
            if isinstance(sub, ast.GeometryDisjoint):  # fes:BBOX = NOT disjoint
                return self._spatial("intersects", sub.lhs, sub.rhs)
            return f"(NOT {self.node(sub)})"
        if isinstance(node, ast.Include):
            return self.dialect.false if node.not_ else self.dialect.true
        if type(node) in _COMPARISONS:
            return self._compare(node.lhs, _COMPARISONS[type(node)], node.rhs)
        if isinstance(node, ast.Between):
            col, kind = self._expression(node.lhs)
            col = self._ordered(col, kind)
            sql = (f"({col} BETWEEN {self._operand(node.low, kind)} AND "
                   f"{self._operand(node.high, kind)})")
            return f"(NOT {sql})" if node.not_ else sql
        if isinstance(node, ast.Like):
            return self._like(node)
        if isinstance(node, ast.IsNull):
            col, _ = self._expression(node.lhs)
            return f"({col} IS {'NOT ' if node.not_ else ''}NULL)"
        if isinstance(node, ast.In):
            return self._in(node)
        if isinstance(node, ast.BBox):
            crs = parse_crs(node.crs, self.locator) if node.crs else self.literal_crs
            corners = (node.minx, node.miny, node.maxx, node.maxy)
            literal = GeometryLiteral(box_to_native(crs, *corners, locator=self.locator),
                                      covers_data_area(crs, *corners, locator=self.locator))
            return self._spatial("intersects", node.lhs, literal)
        if type(node) in _SPATIAL:
            return self._spatial(_SPATIAL[type(node)], node.lhs, node.rhs)
        if isinstance(node, ast.DistanceWithin | ast.DistanceBeyond):
            factor = _UNITS.get(str(node.units).strip().lower())
            if factor is None:
                raise self.error(f"distance unit {node.units!r} is not supported; use m or km")
            name = "dwithin" if isinstance(node, ast.DistanceWithin) else "beyond"
            return self._spatial(name, node.lhs, node.rhs, float(node.distance) * factor)
        raise FilterNotSupported(f"filter operator {type(node).__name__} is not supported",
                                 self.locator)

    # -- scalars ---------------------------------------------------------------------------
    def _expression(self, node: Any) -> tuple[str, str]:
        """SQL and type of a property or a case function of one: what a literal meets."""
        if isinstance(node, ast.Attribute):
            name = self.layer.resolve(node.name)
            if name == RESOURCE_ID:
                return f't."{self.layer.id_field}"', "id"
            if name == self.layer.geometry:
                raise self.error(f"{name} is a geometry: use a spatial operator")
            return f't."{name}"', self.layer.fields[name]
        if isinstance(node, ast.Function):
            function = _FUNCTIONS.get(node.name.lower())
            if function is None or len(node.arguments) != 1:
                raise FilterNotSupported(f"filter function {node.name!r} is not supported",
                                         self.locator)
            inner = self._operand(node.arguments[0], "string")
            return (self.dialect.upper(inner) if function == "upper"
                    else self.dialect.lower(inner)), "string"
        raise self.error("expected a property name (ValueReference)")

    def _operand(self, node: Any, kind: str | None) -> str:
        """SQL of either side of a comparison: an expression, or a literal bound as ``kind``."""
        if isinstance(node, ast.Attribute | ast.Function):
            return self._expression(node)[0]
        if isinstance(node, ast.Node):  # arithmetic, temporal or array expressions
            raise FilterNotSupported(f"filter expression {type(node).__name__} is not "
                                     "supported", self.locator)
        self.where.params.append(self._value(node, kind))
        return self.ph

    def _value(self, value: Any, kind: str | None) -> Any:
        """A literal coerced to the column's type, so comparisons follow the schema."""
        if isinstance(value, ast.Node | GeometryLiteral | values.Geometry | values.Envelope):
            raise self.error("expected a literal value")
        try:
            if kind == "id":
                rid, prefix = str(value), self.layer.id_prefix
                return rid[len(prefix):] if prefix and rid.startswith(prefix) else rid
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
            raise self.error(f"{value!r} is not a valid {kind}") from exc
        if kind is None:  # literal against literal: as written
            if isinstance(value, bool):
                return self.dialect.boolean(value)
            return value.isoformat() if isinstance(value, date) else value
        if isinstance(value, bool):
            return "true" if value else "false"
        return value.isoformat() if isinstance(value, date) else str(value)

    def _ordered(self, sql: str, kind: str) -> str:
        return self.dialect.ordered(sql, kind in ("string", "id"))

    def _compare(self, lhs: Any, op: str, rhs: Any) -> str:
        if not _is_expression(lhs) and _is_expression(rhs):
            lhs, rhs, op = rhs, lhs, _FLIPPED.get(op, op)
        if not _is_expression(lhs):  # two literals (CQL2 allows it): decided by the database
            left = self._operand(lhs, None)
            return f"({left} {op} {self._operand(rhs, None)})"
        col, kind = self._expression(lhs)
        if op not in ("=", "<>"):
            col = self._ordered(col, kind)
        return f"({col} {op} {self._operand(rhs, kind)})"

    def _in(self, node: ast.In) -> str:
        col, kind = self._expression(node.lhs)
        if not node.sub_nodes:
            return self.dialect.true if node.not_ else self.dialect.false
        marks = ", ".join(self._operand(v, kind) for v in node.sub_nodes)
        return f"({col} {'NOT ' if node.not_ else ''}IN ({marks}))"

    def _like(self, node: ast.Like) -> str:
        col, _ = self._expression(node.lhs)
        pattern = node.pattern
        if (isinstance(pattern, ast.Function) and pattern.name.lower() in _FUNCTIONS
                and len(pattern.arguments) == 1 and isinstance(pattern.arguments[0], str)):
            # CASEI(NAAM) LIKE CASEI('woning%'): fold the pattern as the column is folded
            # (ASCII, as the dialects' lower/upper do).
            text = pattern.arguments[0]
            upper = _FUNCTIONS[pattern.name.lower()] == "upper"
            pattern = text.translate(_ASCII_UPPER if upper else _ASCII_LOWER)
        elif not isinstance(pattern, str):
            raise self.error("a LIKE pattern is a text literal")
        glob = _glob(pattern, node.wildcard, node.singlechar, node.escapechar)
        sql, param = self.dialect.match(col, glob, nocase=bool(node.nocase))
        self.where.params.append(param)
        return f"(NOT {sql})" if node.not_ else sql

    # -- spatial ---------------------------------------------------------------------------
    def _spatial(self, name: str, lhs: Any, rhs: Any, distance: float = 0.0) -> str:
        if not isinstance(rhs, ast.Attribute) and isinstance(lhs, _LITERALS):
            lhs, rhs = rhs, lhs
            name = {"within": "contains", "contains": "within"}.get(name, name)
        if lhs is not None:
            prop = self.layer.resolve(lhs.name) if isinstance(lhs, ast.Attribute) else None
            if prop != self.layer.geometry:
                raise self.error(f"{prop or lhs!r} is not a geometry property; a spatial "
                                 f"filter compares {self.layer.geometry} with a literal")
        literal = self._literal(rhs)
        geom = literal.geometry
        # An area clipped away (outside where data can be) matches nothing; a box around all
        # of it matches everything: either way no per-row test, whatever the box's size.
        if geom.is_empty and name in (*_BOX_LIKE, "dwithin", "beyond"):
            return self.dialect.true if name in ("disjoint", "beyond") else self.dialect.false
        if literal.everything and name in _BOX_LIKE:
            return self.dialect.false if name == "disjoint" else self.dialect.true
        if self.dialect.postgis:  # GiST-assisted exact test in the database
            sql, params = self.dialect.pg_spatial(name, f't."{self.layer.geometry}"', geom,
                                                  distance)
            self.where.params += params
            return f"({sql})"
        return self._gpkg_spatial(name, geom, distance)

    def _gpkg_spatial(self, name: str, geom: shapely.Geometry, distance: float) -> str:
        """R-tree range reads, and the exact test only where the index cannot decide."""
        shapely.prepare(geom)
        index = len(self.where.tests)
        self.where.tests.append(_predicate(name, geom, distance))
        test = f'{SPATIAL_FUNCTION}(t."{self.layer.geometry}", {index})'
        if name in ("disjoint", "beyond"):
            return f"({test})"
        rtree, geometry = self.layer.rtree, self.layer.geometry
        minx, miny, maxx, maxy = geom.bounds
        outer = [minx - distance, maxx + distance, miny - distance, maxy + distance]
        box = "r.maxx >= ? AND r.minx <= ? AND r.maxy >= ? AND r.miny <= ?"
        inner = inner_box(geom) if name in _INNER_DECIDES else None
        if inner is None:
            self.where.params += outer
            return (f'(t.fid IN (SELECT r.id FROM "{rtree}" r WHERE {box}) AND {test})')
        # One R-tree range read. Index boxes are float32 rounded outward, so an entry inside
        # ``inner`` is a feature inside it: decided by four comparisons on the entry. Only
        # the rim between ``inner`` and the envelope fetches its geometry for the exact test.
        # "within" excludes the boundary, hence strict comparisons.
        lo, hi = (">", "<") if name == "within" else (">=", "<=")
        rim_test = (f'{SPATIAL_FUNCTION}((SELECT g."{geometry}" FROM "{self.layer.table}" g '
                    f"WHERE g.fid = r.id), {index})")
        condition = (f"{box} AND ((r.minx {lo} ? AND r.maxx {hi} ? AND r.miny {lo} ? AND "
                     f"r.maxy {hi} ?) OR {rim_test})")
        params = [*outer, inner[0], inner[2], inner[1], inner[3]]
        self.where.params += params
        sql = f'(t.fid IN (SELECT r.id FROM "{rtree}" r WHERE {condition}))'
        self.index_only = (sql, f'SELECT count(*) FROM "{rtree}" r WHERE {condition}', params)
        return sql

    def _literal(self, value: Any) -> GeometryLiteral:
        """A geometry literal of any syntax, in EPSG:31370."""
        if isinstance(value, GeometryLiteral):
            return value
        if isinstance(value, shapely.Geometry):  # already storage coordinates
            return GeometryLiteral(value)
        crs = self.literal_crs
        if isinstance(value, values.Envelope) and value.x1 > value.x2 and crs.is_lonlat:
            geom = _across_antimeridian(value.x1, value.y1, value.x2, value.y2)
        elif isinstance(value, values.Geometry | values.Envelope):  # from ECQL / CQL2
            geometry = dict(value.geometry)
            crs_name = (geometry.pop("crs", None) or {}).get("properties", {}).get("name")
            crs = parse_crs(crs_name, self.locator) if crs_name else crs
            try:
                geom = shape(geometry)
            except Exception as exc:  # shapely raises several kinds for bad coordinates
                raise self.error("invalid geometry literal") from exc
        elif (isinstance(value, ast.Function) and value.name.lower() == "bbox"
              and len(value.arguments) in (4, 6)
              and all(isinstance(a, int | float) for a in value.arguments)):
            a = [float(v) for v in value.arguments]
            x1, y1, x2, y2 = a[:2] + a[3:5] if len(a) == 6 else a
            geom = (_across_antimeridian(x1, y1, x2, y2) if x1 > x2 and crs.is_lonlat
                    else shapely.box(x1, y1, x2, y2))
        else:
            raise self.error("a spatial filter needs a geometry, envelope or BBOX literal")
        everything = _is_box(geom) and covers_data_area(crs, *geom.bounds,
                                                        locator=self.locator)
        return GeometryLiteral(geometry_to_native(geom, crs, self.locator), everything)


def _across_antimeridian(west: float, south: float, east: float, north: float
                         ) -> shapely.Geometry:
    """A longitude/latitude box whose west edge lies east of its east edge (CQL2 BBOX)."""
    return shapely.MultiPolygon([shapely.box(west, south, 180.0, north),
                                 shapely.box(-180.0, south, east, north)])


_LITERALS = (GeometryLiteral, values.Geometry, values.Envelope, shapely.Geometry)


def _is_expression(node: Any) -> bool:
    return isinstance(node, ast.Attribute | ast.Function)


def _balanced(parts: list[str], op: str) -> str:
    """Join SQL conditions as a balanced tree (depth log n, within SQLite's limit)."""
    if len(parts) == 1:
        return parts[0]
    mid = len(parts) // 2
    return f"({_balanced(parts[:mid], op)} {op} {_balanced(parts[mid:], op)})"


def _is_box(geom: shapely.Geometry) -> bool:
    """Whether ``geom`` is an axis-aligned rectangle (then its bounds are the exact test)."""
    if geom.geom_type != "Polygon" or geom.area <= 0:
        return False
    return bool(shapely.equals(geom, shapely.box(*geom.bounds)))


def inner_box(geom: shapely.Geometry) -> tuple[float, float, float, float] | None:
    """An axis-aligned rectangle inside ``geom``, as large as cheaply found, or None.

    A box is its own. For other areas (a lat/lon box is a slightly turned, curved
    quadrilateral in Lambert 72) the envelope is shrunk evenly, by bisection, until the area
    covers it: for a city box in EPSG:4326 the rim left outside is ~1 % of its width.
    """
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.area <= 0:
        return None
    minx, miny, maxx, maxy = geom.bounds
    if _is_box(geom):
        return minx, miny, maxx, maxy
    width, height = maxx - minx, maxy - miny
    if geom.area < 0.5 * width * height:
        return None

    def shrunk(t: float) -> tuple[float, float, float, float]:
        return minx + t * width, miny + t * height, maxx - t * width, maxy - t * height

    low, high = 0.0, 0.25
    if not geom.covers(shapely.box(*shrunk(high))):
        return None
    for _ in range(12):
        middle = (low + high) / 2
        if geom.covers(shapely.box(*shrunk(middle))):
            high = middle
        else:
            low = middle
    return shrunk(high)


@dataclass(frozen=True)
class PointTest:
    """The exact test of a point (x, y) against an axis-aligned box: four float comparisons.

    Used for the rim candidates the R-tree cannot decide (float32 index boxes): no shapely
    object per row.
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


def _glob(pattern: str, wildcard: str, single: str, escape: str | None) -> str:
    """A LIKE pattern (FES ``PropertyIsLike`` or CQL2 ``LIKE``) → SQLite GLOB syntax.

    GLOB is case-sensitive, as both specs' LIKE is by default; the dialect turns it into
    PostgreSQL ``LIKE`` where needed.
    """
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


def compile_filter(node: ast.Node | None, layer: Layer, dialect: Dialect = GPKG, *,
                   literal_crs: Crs | None = None, locator: str = "filter") -> Where:
    """Compile ``node`` for ``layer`` in ``dialect``; None means every feature.

    ``literal_crs`` is the CRS of geometry literals that name none (WFS: the storage CRS
    or the query's SRSNAME; OGC API: ``filter-crs``, CRS84 by default).

    Raises
    ------
    FilterError, FilterNotSupported, publisher.serving.crs.CrsError
        For unknown properties, bad literals or CRSs, or operators we do not evaluate.
    """
    if node is None:
        return Where(dialect.true)
    compiler = Compiler(layer, dialect, literal_crs or default_crs(), locator)
    try:
        compiler.where.sql = compiler.node(node)
    except RecursionError as exc:
        raise FilterError("filter nested too deeply", locator) from exc
    if compiler.index_only is not None and compiler.where.sql == compiler.index_only[0]:
        compiler.where.count_sql = compiler.index_only[1:]  # the filter is that one predicate
    return compiler.where


def order_by(sort_by: list[tuple[str, bool]], layer: Layer, dialect: Dialect = GPKG) -> str:
    """ORDER BY for the sort keys with the unique id as the last key: a total, stable order.

    Without keys the order is ``fid`` (publication order), already total.
    """
    if not sort_by:
        return "t.fid"
    keys = []
    for name, descending in sort_by:
        if name == RESOURCE_ID:
            name = layer.id_field
        assert _SAFE.match(name)
        kind = layer.fields.get(name)
        keys.append(dialect.sort_key(f't."{name}"', descending, kind in (None, "string")))
    if not any(name in (layer.id_field, RESOURCE_ID) for name, _ in sort_by):
        keys.append(dialect.sort_key(f't."{layer.id_field}"', False, True))
    return ", ".join(keys)


def bind_spatial(db: Any, where: Where, is_point: bool) -> None:
    """Bind ``where``'s exact tests to a GeoPackage connection (one SQL function).

    On a point layer the function reads x/y from the blob and box tests are four float
    comparisons; other tests build one shapely geometry. Only the rim candidates the R-tree
    cannot decide reach it.
    """
    tests = where.tests
    if not tests:
        return
    if is_point:
        fast = [t.xy if isinstance(t, PointTest) else None for t in tests]

        def spatial(blob: bytes | None, index: int) -> int:
            if blob is None:
                return 0
            x, y = point_xy(blob)
            on_xy = fast[index]
            return int(on_xy(x, y) if on_xy else tests[index](shapely.Point(x, y)))
    else:
        def spatial(blob: bytes | None, index: int) -> int:
            if blob is None:
                return 0
            return int(tests[index](shapely.from_wkb(wkb_of(blob))))
    db.create_function(SPATIAL_FUNCTION, 2, spatial, deterministic=True)
