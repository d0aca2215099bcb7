"""How big a parsed filter is: operands of an operator chain, and the size limits.

pygeofilter nests ``a OR b OR c`` as ``Or(Or(a, b), c)``: a 90-term OR is 90 levels deep, and
walking it recursively once exhausted Python's stack (issue 11). Everything here is iterative,
so any AST can be measured before it is compiled.
"""

from __future__ import annotations

from typing import Any

from pygeofilter import ast


class FilterTooComplex(ValueError):
    """The filter exceeds a documented limit: too many terms or too deep."""


def operands(node: ast.And | ast.Or) -> list[Any]:
    """The operands of a chain of one operator, left to right, found without recursion."""
    kind, found, stack = type(node), [], [node]
    while stack:
        current = stack.pop()
        if type(current) is kind:
            stack += [current.rhs, current.lhs]  # lhs popped first: order kept
        else:
            found.append(current)
    return found


def check_size(node: Any, *, max_terms: int, max_depth: int) -> None:
    """Refuse a filter with more predicates or deeper logic than the given limits.

    Counts each value of an ``IN`` list as a term, since each becomes a bound parameter;
    a chain of one operator counts as one level.

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
