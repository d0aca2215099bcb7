"""GetLegendGraphic: the map's own symbols with the viewer's titles."""

from __future__ import annotations

import io

from PIL import Image

from .conftest import assert_exception, coloured_near, get


def test_product_legend_shows_the_products_symbol(client):
    response = get(client, VERSION="1.3.0", REQUEST="GetLegendGraphic", FORMAT="image/png",
                   LAYER="RegisterHerstelvorderingen")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(response.content))
    assert coloured_near(img, "RegisterHerstelvorderingen", 26, 13) >= 15


def test_unknown_legend_layer_and_style_are_refused(client):
    assert_exception(get(client, VERSION="1.3.0", REQUEST="GetLegendGraphic", LAYER="x"),
                     "LayerNotDefined", "LAYER")
    assert_exception(get(client, VERSION="1.3.0", REQUEST="GetLegendGraphic", LAYER="POI",
                         STYLE="x"), "StyleNotDefined", "STYLE")
