"""GetMap: the features appear where they are, in every CRS and axis order, in every format."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from pyproj import Transformer

from .conftest import around, coloured_near, get, getmap, image

HV = "RegisterHerstelvorderingen"
CA = "Conformiteitsattest"


def test_each_product_is_drawn_in_its_viewer_colour_at_its_position(client, isolated):
    for product, (x, y, *_rest) in isolated.items():
        img = image(getmap(client, around(x, y), layers=product))
        assert img.mode == "RGBA" and img.size == (256, 256)
        assert coloured_near(img, product, 128, 128) >= 15, product
        alpha = np.asarray(img)[..., 3]
        assert alpha[:40, :40].max() == 0  # nothing else within 800 m: empty corners


def test_an_off_centre_feature_lands_on_its_pixel(client, isolated):
    x, y, *_ = isolated[HV]
    # the feature 200 m east and 100 m north of the map's centre: pixel (128+51.2, 128-25.6)
    img = image(getmap(client, around(x - 200, y - 100), layers=HV))
    assert coloured_near(img, HV, 128 + 51.2, 128 - 25.6) >= 15
    assert coloured_near(img, HV, 128, 128) == 0


def test_other_products_are_not_drawn_on_a_product_layer(client, isolated):
    x, y, *_ = isolated[HV]
    img = image(getmap(client, around(x, y), layers=CA))
    assert np.asarray(img)[118:138, 118:138, 3].max() == 0


def test_epsg_4326_is_lat_lon_in_130_and_lon_lat_in_111_and_crs84(client, isolated):
    _, _, lon, lat, _ = isolated[CA]
    w, s, e, n = lon - 0.007, lat - 0.0045, lon + 0.007, lat + 0.0045
    v130 = getmap(client, f"{s},{w},{n},{e}", crs="EPSG:4326", layers=CA)
    v111 = getmap(client, f"{w},{s},{e},{n}", crs="EPSG:4326", version="1.1.1", layers=CA)
    crs84 = getmap(client, f"{w},{s},{e},{n}", crs="CRS:84", layers=CA)
    assert v130.content == v111.content == crs84.content
    assert coloured_near(image(v130), CA, 128, 128) >= 15
    # the 1.3.0 request written lon/lat (the classic mistake) misses the feature entirely
    wrong = get(client, VERSION="1.3.0", REQUEST="GetMap", LAYERS=CA, STYLES="",
                CRS="EPSG:4326", BBOX=f"{w},{s},{e},{n}", WIDTH="256", HEIGHT="256",
                FORMAT="image/png", TRANSPARENT="TRUE")
    assert wrong.status_code == 200 and coloured_near(image(wrong), CA, 128, 128) == 0


@pytest.mark.parametrize("epsg", [3812, 3857])
def test_projected_crs_place_the_feature_where_pyproj_says(client, isolated, epsg):
    _, _, lon, lat, _ = isolated[HV]
    cx, cy = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    half = 500 if epsg == 3812 else 800
    img = image(getmap(client, f"{cx - half},{cy - half},{cx + half},{cy + half}",
                       crs=f"EPSG:{epsg}", layers=HV))
    assert coloured_near(img, HV, 128, 128) >= 15


def test_png8_keeps_transparency_and_jpeg_lies_on_bgcolor(client, isolated):
    x, y, *_ = isolated[CA]
    png8 = image(getmap(client, around(x, y), layers=CA, FORMAT="image/png8"))
    assert png8.mode == "P" and "transparency" in png8.info
    assert coloured_near(png8, CA, 128, 128) >= 10
    assert png8.convert("RGBA").getpixel((5, 5))[3] == 0
    jpeg = getmap(client, around(x, y), layers=CA, FORMAT="image/jpeg", BGCOLOR="0x000080")
    assert jpeg.headers["content-type"] == "image/jpeg"
    photo = Image.open(io.BytesIO(jpeg.content))
    assert photo.mode == "RGB"
    r, g, b = photo.getpixel((5, 5))
    assert r < 20 and g < 20 and 110 < b < 145


def test_opaque_png_lies_on_white_by_default(client, isolated):
    x, y, *_ = isolated[CA]
    img = image(getmap(client, around(x, y), layers=CA, TRANSPARENT="FALSE"))
    assert img.mode == "RGB" and img.getpixel((3, 3)) == (255, 255, 255)


def test_cql_filter_on_product_draws_what_the_product_layer_draws(client):
    flanders = "20000,150000,260000,250000"
    by_layer = getmap(client, flanders, layers=HV, size=512)
    by_filter = getmap(client, flanders, layers="POI", size=512,
                       CQL_FILTER=f"PRODUCT='{HV}'")
    assert by_layer.content == by_filter.content
    nothing = getmap(client, flanders, layers="POI", size=512, CQL_FILTER="POSTCODE='0000'")
    assert np.asarray(image(nothing))[..., 3].max() == 0


def test_flanders_map_shows_clusters_and_municipality_outlines(client):
    response = getmap(client, "20000,150000,260000,250000", layers="Woningkwaliteitsbeleid,POI",
                      size=1024)
    rgba = np.asarray(image(response)).astype(int)
    outline = (np.abs(rgba[..., :3] - (0x6B, 0x77, 0x83)).max(axis=-1) <= 8) & \
        (rgba[..., 3] > 200)
    assert outline.sum() > 1000
    assert (rgba[..., 3] > 0).mean() < 0.5  # a map, not a painted-over canvas


def test_ca_verplicht_style_fills_some_municipalities(client):
    default = image(getmap(client, "20000,150000,260000,250000", layers="Woningkwaliteitsbeleid"))
    filled = image(getmap(client, "20000,150000,260000,250000", layers="Woningkwaliteitsbeleid",
                          STYLES="ca-verplicht"))
    assert (np.asarray(filled)[..., 3] > 0).sum() > 2 * (np.asarray(default)[..., 3] > 0).sum()


def test_etag_follows_the_run_and_if_none_match_gives_304(client, reader, isolated):
    x, y, *_ = isolated[CA]
    first = getmap(client, around(x, y))
    tag = first.headers["etag"]
    assert reader.current("poi").run_id in tag
    assert "public" in first.headers["cache-control"]
    again = client.get(
        "/wms", params={"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap",
                        "LAYERS": "POI", "STYLES": "", "CRS": "EPSG:31370",
                        "BBOX": around(x, y), "WIDTH": "256", "HEIGHT": "256",
                        "FORMAT": "image/png", "TRANSPARENT": "TRUE"},
        headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag


def test_style_punten_draws_every_point_without_clusters(client):
    flanders = "20000,150000,260000,250000"
    clusters = np.asarray(image(getmap(client, flanders, layers=CA, size=512)))
    points = np.asarray(image(getmap(client, flanders, layers=CA, size=512, STYLES="punten")))
    assert (points[..., 3] > 0).sum() != (clusters[..., 3] > 0).sum()


def test_groups_of_several_products_are_dark_with_all_letters(client):
    from publisher.serving.wms.render.symbols import colours

    def dark(layers: str) -> int:
        rgba = np.asarray(image(getmap(client, "20000,150000,260000,250000", layers=layers,
                                       size=512))).astype(int)
        return int(((np.abs(rgba[..., :3] - colours()["gemengd"]).max(axis=-1) <= 8)
                    & (rgba[..., 3] > 200)).sum())

    assert dark("POI") > 500  # mixed groups, as the viewer draws them
    assert dark(CA) == 0  # a product layer has only its own colour


def test_tiles_of_a_clustered_map_join_without_a_seam(client):
    # a tiling client asks for halves: together they must be the map of the whole
    whole = np.asarray(image(getmap(client, "20000,150000,260000,250000", size=512,
                                    WIDTH="1024", HEIGHT="512"))).astype(int)
    left = np.asarray(image(getmap(client, "20000,150000,140000,250000", size=512)))
    right = np.asarray(image(getmap(client, "140000,150000,260000,250000", size=512)))
    joined = np.concatenate([left, right], axis=1).astype(int)
    differ = (np.abs(joined - whole).max(axis=-1) > 2).mean()
    assert differ < 0.001, f"{differ:.2%} of the pixels differ"
