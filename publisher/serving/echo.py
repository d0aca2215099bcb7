"""Client values echoed in error messages: quoted and cut, so a message names, never floods."""

from __future__ import annotations


def quoted(value: str, size: int = 80) -> str:
    """``value`` as a Python literal, cut to ``size`` characters (``…`` marks the cut)."""
    return repr(value) if len(value) <= size else repr(value[:size]) + "…"
