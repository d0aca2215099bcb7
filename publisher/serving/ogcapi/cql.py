"""CQL2 filters (a pygeofilter AST) → one parameterised SQLite ``WHERE`` clause.

Why our own backend rather than pygeofilter's SQL one: that inlines literals into the SQL text
and knows nothing of the GeoPackage R-tree. Here every value is a bound parameter, only the
published fields (the queryables) can be named, and a spatial predicate becomes an R-tree range
read plus an exact test, so a filter stays an indexed read (DESIGN "How it gets fast").
Anything we do not translate is refused with :class:`FilterNotSupported` (a 400), never guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import shapely
from pygeofilter import ast, values

from publisher.serving.ogcapi.crs import CRS84, STORAGE_CRS, SUPPORTED_CRS
from publisher.serving.ogcapi.limits import MAX_FILTER_DEPTH, MAX_FILTER_TERMS, quoted
from publisher.serving.ogcapi.spatial import covers_all_data, to_storage_shape
from publisher.serving.wfs.query.dialect import GPKG, Dialect

#: Names a filter may use for the geometry besides the layer's own (``SHAPE``).
GEOMETRY_ALIASES = ("geometry", "geom", "SHAPE")

_COMPARISONS = {ast.Equal: "=", ast.NotEqual: "<>", ast.LessThan: "<", ast.LessEqual: "<=",
                ast.GreaterThan: ">", ast.GreaterEqual: ">="}
_FUNCTIONS = {"lower": "lower", "upper": "upper", "casei": "lower"}
_ORDERING = (ast.LessThan, ast.LessEqual, ast.GreaterThan, ast.GreaterEqual)


class FilterNotSupported(ValueError):
    """The filter names an unknown property or uses an operator we do not evaluate."""


@dataclass
class SqlFilter:
    """A ``WHERE`` fragment, its parameters, and the shapes an exact spatial test needs."""

    sql: str
    params: list[Any] = field(default_factory=list)


@dataclass
class _Context:
    table: str
    rtree: str
    geometry: str
    fields: frozenset[str]
    filter_crs: str
    dialect: Dialect = GPKG
    text_fields: frozenset[str] = frozenset()
    params: list[Any] = field(default_factory=list)


def to_sql(node: ast.AstType, *, table: str, rtree: str, geometry: str,
           fields: frozenset[str], filter_crs: str = CRS84, dialect: Dialect = GPKG,
           text_fields: frozenset[str] = frozenset()) -> SqlFilter:
    """Translate a pygeofilter AST into SQL over ``table``.

    Parameters
    ----------
    node
        Parsed CQL2 (``pygeofilter.parsers.cql2_text.parse``) or CQL2 JSON.
    table, rtree, geometry
        Feature table, its GeoPackage R-tree and its geometry column.
    fields
        The queryable property names.
    filter_crs
        CRS URI of geometry literals (``filter-crs``; CRS84 by default).
    dialect
        The publication backend's SQL (GeoPackage by default, or PostGIS).
    text_fields
        The string-typed fields (compared by bytes in ordering comparisons on both backends).

    Returns
    -------
    SqlFilter
        SQL with the dialect's placeholders; on a GeoPackage it needs
        :func:`register_functions` on the connection.

    Raises
    ------
    FilterNotSupported
        An unknown property or operator, or a filter past the limits of :mod:`.limits`.
    """
    check_size(node)
    ctx = _Context(table, rtree, geometry, fields, filter_crs, dialect, text_fields)
    sql = _node(node, ctx)
    return SqlFilter(sql, ctx.params)


class FilterTooComplex(FilterNotSupported):
    """The filter exceeds a documented limit (:mod:`.limits`): too many terms or too deep."""


def operands(node: ast.And | ast.Or) -> list[Any]:
    """The operands of a chain of one operator, left to right, found without recursion.

    pygeofilter nests ``a OR b OR c`` as ``Or(Or(a, b), c)``: a 90-term OR is 90 levels deep,
    and walking it recursively once exhausted Python's stack (issue 11). Flattened, it is one
    level with 90 operands.
    """
    kind, found, stack = type(node), [], [node]
    while stack:
        current = stack.pop()
        if type(current) is kind:
            stack += [current.rhs, current.lhs]  # lhs popped first: order kept
        else:
            found.append(current)
    return found


def check_size(node: Any, *, max_terms: int = MAX_FILTER_TERMS,
               max_depth: int = MAX_FILTER_DEPTH) -> None:
    """Refuse a filter with more predicates or deeper logic than the documented limits.

    Iterative, so any AST can be measured; counts each value of an ``IN`` list as a term,
    since each becomes a bound parameter.

    Raises
    ------
    FilterTooComplex
        Naming the limit and how far the filter exceeds it.
    """
    terms, deepest, stack = 0, 0, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > max_depth:
            raise FilterTooComplex(f"filter is nested more than {max_depth} levels deep "
                                   "(NOT/AND/OR levels, a chain of one operator counting "
                                   "once): simplify it")
        if isinstance(current, ast.And | ast.Or):
            stack += [(o, depth + 1) for o in operands(current)]
        elif isinstance(current, ast.Not):
            stack.append((current.sub_node, depth + 1))
        else:
            terms += len(current.sub_nodes) if isinstance(current, ast.In) else 1
    if terms > max_terms:
        raise FilterTooComplex(f"filter has {terms} terms; the maximum is {max_terms} "
                               "(each comparison, and each value of an IN list, is a term)")


def _node(node: Any, ctx: _Context) -> str:
    if isinstance(node, ast.And | ast.Or):
        joiner = " AND " if isinstance(node, ast.And) else " OR "
        return "(" + joiner.join(_node(o, ctx) for o in operands(node)) + ")"
    if isinstance(node, ast.Not):
        return f"(NOT {_node(node.sub_node, ctx)})"
    if isinstance(node, ast.Include):
        return "1=0" if node.not_ else "1=1"
    if type(node) in _COMPARISONS:
        ordering = isinstance(node, _ORDERING)
        return (f"({_expr(node.lhs, ctx, ordering)} {_COMPARISONS[type(node)]} "
                f"{_expr(node.rhs, ctx, ordering)})")
    if isinstance(node, ast.Between):
        neg = "NOT " if node.not_ else ""
        return (f"({_expr(node.lhs, ctx, True)} {neg}BETWEEN {_expr(node.low, ctx)} "
                f"AND {_expr(node.high, ctx)})")
    if isinstance(node, ast.In):
        items = ", ".join(_expr(v, ctx) for v in node.sub_nodes)
        return f"({_expr(node.lhs, ctx)} {'NOT ' if node.not_ else ''}IN ({items}))"
    if isinstance(node, ast.IsNull):
        return f"({_expr(node.lhs, ctx)} IS {'NOT ' if node.not_ else ''}NULL)"
    if isinstance(node, ast.Like):
        return _like(node, ctx)
    if isinstance(node, ast.BBox):
        shape = shapely.box(node.minx, node.miny, node.maxx, node.maxy)
        return _spatial(node.lhs, shape, ctx, crs=node.crs)
    if isinstance(node, ast.GeometryIntersects):
        return _spatial(node.lhs, node.rhs, ctx)
    if isinstance(node, ast.GeometryDisjoint):
        return f"(NOT {_spatial(node.lhs, node.rhs, ctx)})"
    raise FilterNotSupported(f"filter operator {type(node).__name__} is not supported")


def _like(node: ast.Like, ctx: _Context) -> str:
    """CQL2 LIKE → SQLite GLOB, which is case-sensitive as CQL2 LIKE is (SQLite's LIKE is not)."""
    pattern = str(node.pattern)
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == node.escapechar and i + 1 < len(pattern):
            out.append(_glob_literal(pattern[i + 1]))
            i += 2
            continue
        out.append("*" if ch == node.wildcard else "?" if ch == node.singlechar
                   else _glob_literal(ch))
        i += 1
    glob = "".join(out)
    lhs = _expr(node.lhs, ctx)
    if node.nocase:
        lhs, glob = ctx.dialect.lower(lhs), glob.lower()
    sql, param = ctx.dialect.match(lhs, glob, nocase=False, negate=bool(node.not_))
    ctx.params.append(param)
    return sql


def _glob_literal(ch: str) -> str:
    return f"[{ch}]" if ch in "*?[" else ch


def _expr(node: Any, ctx: _Context, ordering: bool = False) -> str:
    if isinstance(node, ast.Attribute):
        if node.name not in ctx.fields:
            raise FilterNotSupported(f"unknown property {quoted(node.name)} in filter: "
                                     f"see /queryables")
        column = f'"{node.name}"'
        return ctx.dialect.ordered(column, node.name in ctx.text_fields) if ordering else column
    if isinstance(node, ast.Function):
        name = node.name.lower()
        if name not in _FUNCTIONS or len(node.arguments) != 1:
            raise FilterNotSupported(f"filter function {quoted(node.name)} is not supported")
        inner = _expr(node.arguments[0], ctx)
        return ctx.dialect.upper(inner) if _FUNCTIONS[name] == "upper" \
            else ctx.dialect.lower(inner)
    if isinstance(node, bool):
        ctx.params.append(ctx.dialect.boolean(node))
        return ctx.dialect.ph
    if isinstance(node, datetime | date):
        ctx.params.append(node.isoformat())
        return ctx.dialect.ph
    if isinstance(node, str | int | float):
        ctx.params.append(node)
        return ctx.dialect.ph
    raise FilterNotSupported(f"filter value {node!r} is not supported")


def _spatial(lhs: Any, rhs: Any, ctx: _Context, crs: str | None = None) -> str:
    """Intersects: R-tree candidates on the envelope, then an exact test in Python."""
    if not (isinstance(lhs, ast.Attribute) and lhs.name in (*GEOMETRY_ALIASES, ctx.geometry)):
        raise FilterNotSupported("a spatial filter compares the geometry with a literal")
    source = crs if crs in SUPPORTED_CRS else ctx.filter_crs
    return _shape_sql(to_storage_shape(_literal_shape(rhs), source), ctx)


def _shape_sql(shape: shapely.Geometry, ctx: _Context) -> str:
    if shape.is_empty:
        return "(1=0)"
    if covers_all_data(shape):
        return "(1=1)"
    if ctx.dialect.postgis:  # GiST-assisted exact test in the database
        sql, params = ctx.dialect.pg_spatial("intersects", f'"{ctx.geometry}"', shape)
        ctx.params += params
        return f"({sql})"
    minx, miny, maxx, maxy = shape.bounds
    ctx.params += [minx, maxx, miny, maxy, shapely.to_wkb(shape)]
    return (f'(fid IN (SELECT id FROM "{ctx.rtree}" WHERE maxx >= ? AND minx <= ? '
            f'AND maxy >= ? AND miny <= ?) AND vlok_intersects("{ctx.geometry}", ?))')


def area_sql(shape: shapely.Geometry, *, rtree: str, geometry: str,
             dialect: Dialect = GPKG) -> SqlFilter:
    """Features intersecting ``shape`` (already in EPSG:31370), e.g. a transformed bbox."""
    ctx = _Context("", rtree, geometry, frozenset(), STORAGE_CRS, dialect)
    sql = _shape_sql(shape, ctx)
    return SqlFilter(sql, ctx.params)


def _literal_shape(value: Any) -> shapely.Geometry:
    if isinstance(value, shapely.Geometry):
        return value
    if isinstance(value, values.Envelope):
        return shapely.box(value.x1, value.y1, value.x2, value.y2)
    if isinstance(value, values.Geometry):
        return shapely.geometry.shape(value.geometry)
    if (isinstance(value, ast.Function) and value.name.lower() == "bbox"
            and len(value.arguments) in (4, 6)
            and all(isinstance(a, int | float) for a in value.arguments)):
        a = [float(v) for v in value.arguments]
        return shapely.box(*(a[:2] + a[3:5] if len(a) == 6 else a))
    raise FilterNotSupported("a spatial filter needs a geometry, envelope or BBOX literal")


def gpkg_to_shape(blob: bytes) -> shapely.Geometry:
    """A GeoPackage geometry blob → shapely (header flags say how long the envelope is)."""
    envelope = (0, 32, 48, 48, 64)[(blob[3] >> 1) & 0b111]
    return shapely.from_wkb(blob[8 + envelope:])


def _intersects_factory() -> Callable[[bytes | None, bytes], int]:
    cache: dict[bytes, Any] = {}

    def vlok_intersects(blob: bytes | None, wkb: bytes) -> int:
        if blob is None:
            return 0
        target = cache.get(wkb)
        if target is None:
            if len(cache) > 64:
                cache.clear()
            target = cache[wkb] = shapely.from_wkb(wkb)
            shapely.prepare(target)
        return int(target.intersects(gpkg_to_shape(blob)))

    return vlok_intersects


def register_functions(db: Any) -> None:
    """Add ``vlok_intersects`` to a connection (idempotent, cheap)."""
    db.create_function("vlok_intersects", 2, _intersects_factory(), deterministic=True)
