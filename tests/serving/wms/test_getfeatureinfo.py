"""GetFeatureInfo: a click on a symbol tells what the viewer's popup tells, in every format."""

from __future__ import annotations

import json

from lxml import etree

from publisher.serving.viewer.texts import ABSENCE, PRODUCTS

from .conftest import around, get

HV = "RegisterHerstelvorderingen"


def info(client, x, y, fmt="text/html", version="1.3.0", layers="POI", i=128, j=128, **extra):
    keys = ("I", "J", "CRS") if version == "1.3.0" else ("X", "Y", "SRS")
    params = {"VERSION": version, "REQUEST": "GetFeatureInfo", "LAYERS": layers,
              "QUERY_LAYERS": layers, "STYLES": "", keys[2]: "EPSG:31370",
              "BBOX": around(x, y), "WIDTH": "256", "HEIGHT": "256", "FORMAT": "image/png",
              "INFO_FORMAT": fmt, keys[0]: str(i), keys[1]: str(j), **extra}
    return get(client, **params)


def test_html_in_plain_dutch_with_the_viewers_texts(client, isolated):
    x, y, *_ = isolated[HV]
    response = info(client, x, y)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    text = PRODUCTS[HV]
    assert text["titel"] in html and text["feit"] in html and text["meer"] in html
    assert ABSENCE["geen_stip"] in html
    assert '<html lang="nl">' in html


def test_json_is_the_published_feature(client, isolated):
    x, y, _, _, poid = isolated[HV]
    body = json.loads(info(client, x, y, "application/json").content)
    assert [f["id"] for f in body["features"]] == [poid]
    assert body["features"][0]["properties"]["PRODUCT"] == HV


def test_gml_holds_the_stored_gml_member(client, isolated):
    x, y, _, _, poid = isolated[HV]
    root = etree.fromstring(info(client, x, y, "application/vnd.ogc.gml").content)
    ns = {"POI": "https://geo.api.vlaanderen.be/POI", "wfs": "http://www.opengis.net/wfs/2.0"}
    assert root.xpath("//wfs:member/POI:POI/POI:POID/text()", namespaces=ns) == [poid]


def test_111_x_y_find_the_same_feature(client, isolated):
    x, y, *_ = isolated[HV]
    assert info(client, x, y, "application/json", version="1.1.1").content == \
        info(client, x, y, "application/json").content


def test_a_click_on_empty_map_says_no_public_fact_is_known(client, isolated):
    x, y, *_ = isolated[HV]
    html = info(client, x, y, i=10, j=10).text
    assert "geen publiek feit bekend" in html and ABSENCE["geen_stip"] in html
    assert json.loads(info(client, x, y, "application/json", i=10, j=10).content)[
        "features"] == []


def test_policy_layer_answers_for_the_municipality_under_the_click(client, isolated):
    x, y, *_ = isolated[HV]
    body = json.loads(info(client, x, y, "application/json",
                           layers="Woningkwaliteitsbeleid").content)
    assert len(body["features"]) == 1
    props = body["features"][0]["properties"]
    html = info(client, x, y, layers="Woningkwaliteitsbeleid").text
    assert props["GEMEENTE"] in html and "Conformiteitsattest verplicht" in html


def test_cql_filter_applies_to_feature_info(client, isolated):
    x, y, *_ = isolated[HV]
    body = json.loads(info(client, x, y, "application/json",
                           CQL_FILTER="PRODUCT='Conformiteitsattest'").content)
    assert body["features"] == []


def test_a_click_on_a_drawn_group_lists_its_features_and_says_how_many(client):
    import io

    import numpy as np
    from PIL import Image

    from publisher.serving.wms.render.symbols import colours

    flanders = {"CRS": "EPSG:31370", "BBOX": "20000,150000,260000,250000", "WIDTH": "512",
                "HEIGHT": "384", "LAYERS": "Conformiteitsattest", "STYLES": "",
                "VERSION": "1.3.0"}
    png = get(client, REQUEST="GetMap", FORMAT="image/png", TRANSPARENT="TRUE", **flanders)
    rgba = np.asarray(Image.open(io.BytesIO(png.content)).convert("RGBA")).astype(int)
    ca = (np.abs(rgba[..., :3] - colours()["ca"]).max(axis=-1) <= 12) & (rgba[..., 3] > 200)
    # the most CA-coloured 21×21 window lies on a group (groups are drawn larger than points)
    s = np.pad(ca.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    window = s[21:, 21:] - s[:-21, 21:] - s[21:, :-21] + s[:-21, :-21]
    j, i = np.unravel_index(np.argmax(window), window.shape)
    params = {**flanders, "REQUEST": "GetFeatureInfo", "QUERY_LAYERS": "Conformiteitsattest",
              "I": str(i + 10), "J": str(j + 10), "FEATURE_COUNT": "3"}
    body = json.loads(get(client, INFO_FORMAT="application/json", **params).content)
    assert body["numberMatched"] > 1 and body["numberReturned"] == 3
    html = get(client, INFO_FORMAT="text/html", **params).text
    assert f"Dit symbool telt {body['numberMatched']} feiten" in html


def test_feature_info_revalidates_by_etag(client, isolated):
    x, y, *_ = isolated[HV]
    first = info(client, x, y, "application/json")
    again = client.get("/wms", params=dict(first.request.url.params),
                       headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
