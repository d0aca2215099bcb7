"""GetLegendGraphic: the symbols of a layer's style with the viewer's titles, as PNG.

Drawn with the same sprites as the map (so the legend cannot disagree with it) and cached
per layer and style: a legend does not depend on the publication.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw

from publisher.serving.viewer.texts import PRODUCTS
from publisher.serving.wms.layers import MapLayer, Style
from publisher.serving.wms.render import symbols
from publisher.serving.wms.render.draw import FILL_ALPHA, OUTLINE_RGBA
from publisher.serving.wms.request import GetLegendGraphic
from publisher.serving.wms.response import Response

ROW_PX = 26
SYMBOL_COLUMN_PX = 52
TEXT_RGB = (0x1A, 0x1A, 0x1A, 255)  # the viewer's --tekst


def _rows(layer: MapLayer, style: Style) -> list[tuple[Image.Image | str, str]]:
    if not layer.products:
        rows: list[tuple[Image.Image | str, str]] = [("outline", "Gemeentegrens")]
        if style.name == "ca-verplicht":
            rows.insert(0, ("fill", "Conformiteitsattest verplicht"))
        return rows
    rows = [(symbols.point_sprite(p).image, PRODUCTS[p]["titel"]) for p in layer.products]
    if style.name == "default":
        size = symbols.cluster_class(12)
        rows.append((symbols.cluster_sprite(layer.products[0], size, "12").image,
                     "Groep: het aantal feiten in de buurt (inzoomen toont ze apart)"))
        if len(layer.products) > 1:
            rows.append((symbols.cluster_sprite("+".join(layer.products), size, "12").image,
                         "Groep met verschillende feiten: alle letters"))
    return rows


@cache
def legend_png(layer: MapLayer, style: Style) -> tuple[bytes, int, int]:
    """The legend of ``layer`` in ``style`` as PNG bytes, with its width and height."""
    rows = _rows(layer, style)
    font = symbols.font(12)
    width = SYMBOL_COLUMN_PX + max(int(font.getlength(text)) for _, text in rows) + 8
    heights = [max(ROW_PX, (s.height + 4) if isinstance(s, Image.Image) else 0)
               for s, _ in rows]
    image = Image.new("RGBA", (width, sum(heights)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    top = 0
    for (symbol, text), height in zip(rows, heights, strict=True):
        middle = top + height // 2
        if isinstance(symbol, Image.Image):
            image.alpha_composite(symbol, (SYMBOL_COLUMN_PX // 2 - symbol.width // 2,
                                           middle - symbol.height // 2))
        else:
            box = (SYMBOL_COLUMN_PX // 2 - 9, middle - 7, SYMBOL_COLUMN_PX // 2 + 9, middle + 7)
            fill = (*symbols.colours()["ca"], FILL_ALPHA) if symbol == "fill" else None
            draw.rectangle(box, fill=fill, outline=OUTLINE_RGBA)
        draw.text((SYMBOL_COLUMN_PX, middle), text, fill=TEXT_RGB, font=font, anchor="lm")
        top += height
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue(), image.width, image.height


def get_legend_graphic(req: GetLegendGraphic) -> Response:
    """The legend PNG (cacheable for a day: it changes only with a new release)."""
    body, _, _ = legend_png(req.layer, req.style)
    return Response(200, "image/png", body, {"Cache-Control": "public, max-age=86400"})
