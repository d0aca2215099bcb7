"""CQL2 text parsed as CQL2, handed from the HTTP adapter to the provider for one request.

pygeoapi 0.21 parses the ``filter`` parameter with its ECQL parser, which is not CQL2 (it
rejects ``S_INTERSECTS``, ``CASEI``, ``TIMESTAMP`` …; CLIENTS.md asks for CQL2 via pygeofilter's
``cql2_text``). So the adapter parses ``filter`` itself, answers a parse error with a 400
naming the problem, and passes the AST to the provider in this context variable instead of
the raw text (pygeoapi then sees no ``filter``). The variable is set per request in the
adapter's task context and copied into the worker thread that runs pygeoapi, so requests
never see each other's filters. A CQL2 JSON body still reaches the provider as ``filterq``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text

from publisher.serving.filters.compiler import GeometryLiteral
from publisher.serving.filters.parsed import sql_like
from publisher.serving.filters.size import FilterTooComplex, check_size
from publisher.serving.ogcapi.crs import CRS84, SUPPORTED_CRS
from publisher.serving.ogcapi.limits import (
    MAX_FILTER_DEPTH,
    MAX_FILTER_JSON_BYTES,
    MAX_FILTER_LENGTH,
    MAX_FILTER_TERMS,
    quoted,
)
from publisher.serving.ogcapi.spatial import AreaError, bbox_literal, check_crs, parse_bbox

#: Parameters of an items request that the adapter handles instead of pygeoapi.
OWN_PARAMS = ("filter", "filter-lang", "filter-crs", "bbox", "bbox-crs")
#: ``filter-lang`` values meaning CQL2 text (the last two are older drafts' names).
TEXT_LANGS = (None, "cql2-text", "cql-text")
#: ``filter-lang`` of a CQL2 JSON ``filter`` parameter.
JSON_LANG = "cql2-json"


class FilterError(ValueError):
    """The ``filter`` / ``filter-lang`` / ``filter-crs`` parameters cannot be used."""


@dataclass(frozen=True)
class RequestFilter:
    """A parsed filter, the CRS of its geometry literals, and the bbox as a storage area."""

    node: Any = None
    crs: str = CRS84
    area: GeometryLiteral | None = None  # bbox + bbox-crs, in EPSG:31370


current_filter: ContextVar[RequestFilter | None] = ContextVar("vlok_cql2_filter", default=None)
#: The run id of the publication an items request reads: the one its ``publication``
#: parameter (a paging link) names, else the current one, so the links name what was read.
pinned_run: ContextVar[str | None] = ContextVar("vlok_pinned_run", default=None)
#: The items parameter naming that publication (added to ``next``/``prev`` links).
PUBLICATION_PARAM = "publication"


def request_filter(params: Mapping[str, str], body: bytes | None = None) -> RequestFilter:
    """The ``filter*`` and ``bbox*`` parameters of an items request, parsed and checked.

    The bbox is handled here too (not by pygeoapi) so that ``bbox-crs`` is transformed as an
    area, not as two corners (see :mod:`.spatial`). ``body`` is a POSTed CQL2 JSON filter:
    parsed here too, so it meets the same limits (pygeoapi 0.21 deep-copies its tree
    recursively and fails on a long ``and``).
    """
    area = None
    if "bbox" in params:
        try:
            crs = check_crs(params.get("bbox-crs") or CRS84, "bbox-crs")
            area = bbox_literal(parse_bbox(params["bbox"]), crs)
        except AreaError as exc:
            raise FilterError(str(exc)) from None
    elif "bbox-crs" in params:
        raise FilterError("bbox-crs given without bbox")
    if body:
        if "filter" in params:
            raise FilterError("give the filter either as the filter parameter or as a CQL2 JSON "
                              "body, not both")
        parsed = parse_filter_json(body, params.get("filter-crs"))
        return RequestFilter(parsed.node, parsed.crs, area)
    if "filter" not in params:
        return RequestFilter(area=area)
    parsed = parse_filter(params["filter"], params.get("filter-lang"), params.get("filter-crs"))
    return RequestFilter(parsed.node, parsed.crs, area)


def parse_filter(text: str, lang: str | None, crs: str | None) -> RequestFilter:
    """Parse ``filter`` as CQL2 text (or JSON), with a message that names what is wrong."""
    if lang == JSON_LANG:
        _check_length(text)
        return parse_filter_json(text.encode(), crs, what="the filter")
    if lang not in TEXT_LANGS:
        raise FilterError(f"filter-lang {quoted(lang or '')} is not supported: use cql2-text "
                          "(or POST a cql2-json body)")
    _check_filter_crs(crs)
    _check_length(text)
    if (depth := bracket_depth(text)) > MAX_FILTER_DEPTH:
        raise FilterError(f"filter nests brackets {depth} deep; the maximum is "
                          f"{MAX_FILTER_DEPTH}")
    try:
        node = sql_like(parse_cql2_text(text))
    except Exception as exc:  # lark raises many kinds; all mean "not CQL2 text"
        raise FilterError(f"filter is not valid CQL2 text: {_first_line(exc)}") from None
    return _within_limits(node, crs)


def parse_filter_json(body: bytes, crs: str | None, what: str = "the body") -> RequestFilter:
    """Parse a CQL2 JSON filter within the same limits as a CQL2 text one.

    ``what`` names where it came from in messages: a POSTed body or the ``filter`` parameter.
    """
    if len(body) > MAX_FILTER_JSON_BYTES:
        raise FilterError(f"the CQL2 JSON body is {len(body):,} bytes; the maximum is "
                          f"{MAX_FILTER_JSON_BYTES:,}")
    _check_filter_crs(crs)
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        hint = "POST a CQL2 JSON filter" if what == "the body" else "give a CQL2 JSON filter"
        raise FilterError(f"{what} is not JSON: {hint}") from None
    if (depth := json_depth(doc)) > 2 * MAX_FILTER_DEPTH + 4:
        raise FilterError(f"the CQL2 JSON filter nests {depth} deep; the maximum is "
                          f"{2 * MAX_FILTER_DEPTH + 4} (objects and arrays)")
    try:
        node = sql_like(parse_cql2_json(cql2_json_as_pygeofilter_reads_it(doc)))
    except Exception as exc:  # pygeofilter raises many kinds; all mean "not CQL2 JSON"
        raise FilterError(f"{what} is not a valid CQL2 JSON filter: "
                          f"{_first_line(exc)}") from None
    return _within_limits(node, crs)


def _check_length(text: str) -> None:
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterError(f"filter is {len(text):,} characters long; the maximum is "
                          f"{MAX_FILTER_LENGTH:,}")


def _check_filter_crs(crs: str | None) -> None:
    if crs is not None and crs not in SUPPORTED_CRS:
        raise FilterError(f"filter-crs {quoted(crs)} is not supported: use one of "
                          f"{', '.join(SUPPORTED_CRS)}")


def _first_line(exc: Exception) -> str:
    """The parser's message, first line, bounded (or the error's kind when it has none)."""
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


def _within_limits(node: Any, crs: str | None) -> RequestFilter:
    """``node`` as the request's filter once it is within the documented size limits."""
    try:
        check_size(node, max_terms=MAX_FILTER_TERMS, max_depth=MAX_FILTER_DEPTH)
    except FilterTooComplex as exc:
        raise FilterError(str(exc)) from None
    return RequestFilter(node, crs or CRS84)


def json_depth(doc: Any) -> int:
    """How deep objects and arrays nest in ``doc`` (iteratively: any depth can be measured)."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            items = value.values() if isinstance(value, dict) else value
            stack += [(v, depth + 1) for v in items]
    return deepest


def bracket_depth(text: str) -> int:
    """How deep round brackets nest in ``text``, outside quoted strings (checked before parsing).

    Why before: the parser's tree transformer recurses once per bracket level, so a deep
    enough nesting would fail inside it rather than with a message about the limit.
    """
    depth = deepest = 0
    quoted = False
    for ch in text:
        if ch == "'":
            quoted = not quoted  # '' inside a string toggles twice: still inside
        elif not quoted and ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif not quoted and ch == ")":
            depth -= 1
    return deepest


def cql2_json_as_pygeofilter_reads_it(doc: Any) -> Any:
    """A CQL2 1.0 JSON document in the shapes pygeofilter 0.4's parser expects.

    Two differences give silently wrong answers, not errors: ``between`` takes
    ``[value, low, high]`` in CQL2 1.0 (pygeofilter reads ``[value, [low, high]]``), and a
    ``bbox`` ``[minx, miny, maxx, maxy]`` becomes an envelope whose fields are
    ``x1, x2, y1, y2``, i.e. another box. Rewritten iteratively (any depth).
    """
    root = {"": doc}
    stack: list[Any] = [root]
    while stack:
        current = stack.pop()
        for value in list(current.values() if isinstance(current, dict) else current):
            if isinstance(value, dict):
                if value.get("op") == "between" and isinstance(value.get("args"), list) \
                        and len(value["args"]) == 3:
                    value["args"] = [value["args"][0], value["args"][1:]]
                box = value.get("bbox")
                if isinstance(box, list) and len(box) in (4, 6):
                    low, high = (box[:2], box[3:5]) if len(box) == 6 else (box[:2], box[2:])
                    value["bbox"] = [low[0], high[0], low[1], high[1]]
                stack.append(value)
            elif isinstance(value, list):
                stack.append(value)
    return root[""]
