"""Part 2: ``crs``, ``bbox-crs`` and ``Content-Crs``, with each CRS's own axis order."""

from __future__ import annotations

import pytest
from pyproj import Transformer

from .conftest import CRS84, EPSG


def _first(ogc, **params):
    r = ogc.get("/collections/poi/items", params={"limit": 1, **params})
    assert r.status_code == 200, r.text
    return r, r.json()["features"][0]


def test_default_response_is_crs84_and_says_so(ogc):
    r, _ = _first(ogc)
    assert r.headers["Content-Crs"] == f"<{CRS84}>"


@pytest.mark.parametrize("code", ["31370", "3812", "4326", "3857"])
def test_a_point_lands_where_pyproj_puts_it_in_every_crs(ogc, code):
    _, lambert = _first(ogc, crs=f"{EPSG}31370")
    r, feature = _first(ogc, crs=f"{EPSG}{code}")
    assert r.headers["Content-Crs"] == f"<{EPSG}{code}>"
    assert feature["id"] == lambert["id"]
    x, y = lambert["geometry"]["coordinates"]
    expected = Transformer.from_crs(31370, int(code)).transform(x, y)  # authority axis order
    assert feature["geometry"]["coordinates"] == pytest.approx(list(expected), abs=1e-2)


def test_epsg_4326_is_latitude_first_and_crs84_longitude_first(ogc):
    _, crs84 = _first(ogc)
    _, wgs84 = _first(ogc, crs=f"{EPSG}4326")
    lon, lat = crs84["geometry"]["coordinates"]
    assert wgs84["geometry"]["coordinates"] == pytest.approx([lat, lon], abs=1e-6)
    assert 49 < lat < 52 and 2 < lon < 7


def test_bbox_in_4326_selects_the_same_features_as_in_31370(ogc):
    _, lambert = _first(ogc, crs=f"{EPSG}31370")
    x, y = lambert["geometry"]["coordinates"]
    lat, lon = Transformer.from_crs(31370, 4326).transform(x, y)
    d = 0.0005
    doc = ogc.get("/collections/poi/items", params={
        "bbox": f"{lat - d},{lon - d},{lat + d},{lon + d}", "bbox-crs": f"{EPSG}4326",
        "crs": f"{EPSG}31370"}).json()
    assert lambert["id"] in {f["id"] for f in doc["features"]}
    hits = ogc.get("/collections/poi/items", params={
        "bbox": f"{x - 60},{y - 60},{x + 60},{y + 60}", "bbox-crs": f"{EPSG}31370",
        "resulttype": "hits"}).json()
    assert hits["numberMatched"] >= 1


def test_bbox_crs_is_honoured_on_the_count_too(ogc):
    params = {"bbox": "51.0,4.0,51.3,4.5", "bbox-crs": f"{EPSG}4326"}
    hits = ogc.get("/collections/poi/items", params={**params, "resulttype": "hits"}).json()
    page = ogc.get("/collections/poi/items", params={**params, "limit": 10000}).json()
    assert hits["numberMatched"] == page["numberMatched"] == len(page["features"]) > 0
    crs84 = ogc.get("/collections/poi/items", params={"bbox": "4.0,51.0,4.5,51.3",
                                                      "resulttype": "hits"}).json()
    assert crs84["numberMatched"] == hits["numberMatched"]


def test_world_bbox_keeps_every_feature(ogc, poi_meta):
    doc = ogc.get("/collections/poi/items", params={"bbox": "-180,-90,180,90",
                                                    "resulttype": "hits"}).json()
    assert doc["numberMatched"] == poi_meta["features"]


def test_policy_polygons_are_served_in_lambert_on_request(ogc):
    r = ogc.get("/collections/woningkwaliteitsbeleid/items",
                params={"limit": 1, "crs": f"{EPSG}31370"})
    ring = r.json()["features"][0]["geometry"]["coordinates"][0][0]
    assert r.headers["Content-Crs"] == f"<{EPSG}31370>"
    assert all(10000 < x < 300000 and 140000 < y < 260000 for x, y in ring)
