"""How each product looks: its colour, read once from the viewer's stylesheet.

One source for every map we draw (the citizen's viewer, the WMS, the vector tiles' style):
the custom properties ``--ca``, ``--vivoo``, ``--hv`` and ``--gemengd`` in
``static/viewer.css``, keyed by the product codes of :data:`.texts.PRODUCTS`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from publisher.serving.viewer.texts import PRODUCTS

CSS = Path(__file__).resolve().parent / "static" / "viewer.css"


@cache
def colours() -> dict[str, tuple[int, int, int]]:
    """``code`` (ca, vivoo, hv, gemengd) → RGB, from the viewer's stylesheet."""
    found = dict(re.findall(r"--([a-z]+):\s*#([0-9a-fA-F]{6})", CSS.read_text("utf-8")))
    return {code: tuple(int(found[code][i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[misc]
            for code in (*(p["code"] for p in PRODUCTS.values()), "gemengd")}


def hex_colour(product: str) -> str:
    """``#rrggbb`` of a PRODUCT (e.g. ``Conformiteitsattest``)."""
    return "#{:02x}{:02x}{:02x}".format(*colours()[PRODUCTS[product]["code"]])
