"""Corrections to what pygeofilter's text parsers produce, before compiling."""

from __future__ import annotations

from typing import Any

from pygeofilter import ast


def sql_like(node: Any) -> Any:
    """``node`` with every LIKE read as SQL, CQL2 and GeoServer's ECQL read it.

    ``%`` is any text, ``_`` one character, a backslash escapes. pygeofilter 0.4's CQL2 and
    ECQL parsers give LIKE a ``.`` single-character wildcard, so ``'W_ning%'`` matched only a
    literal underscore and ``'W.ning%'`` matched "Woning".
    """
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Like):
            current.wildcard, current.singlechar, current.escapechar = "%", "_", "\\"
        elif isinstance(current, ast.And | ast.Or):
            stack += [current.lhs, current.rhs]
        elif isinstance(current, ast.Not):
            stack.append(current.sub_node)
    return node
