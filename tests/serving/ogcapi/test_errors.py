"""Bad input gets a 4xx with pygeoapi's error JSON, never a 500 (also under fuzzing)."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import EPSG

BAD = [
    {"bbox": "1,2,3"}, {"bbox": "a,b,c,d"}, {"bbox": "5,5,1,1"}, {"bbox": "nan,0,1,1"},
    {"bbox": "4,51,5,52", "bbox-crs": "EPSG:4326"}, {"bbox-crs": f"{EPSG}4326"},
    {"crs": "EPSG:4326"}, {"crs": "http://www.opengis.net/def/crs/EPSG/0/99999"},
    {"limit": "0"}, {"limit": "-5"}, {"limit": "ten"}, {"offset": "-1"},
    {"filter": "PRODUCT ="}, {"filter": "NOPE = 1"}, {"filter": "PRODUCT = 'x'",
                                                      "filter-lang": "ecql"},
    {"filter": "S_INTERSECTS(geometry, 'x')"}, {"filter": "POSTCODE + 1 = 2"},
    {"filter": "PRODUCT='x'", "filter-crs": "EPSG:1"}, {"sortby": "NOPE"},
    {"properties": "NOPE"}, {"f": "xml"},
]


@pytest.mark.parametrize("params", BAD, ids=[str(p) for p in BAD])
def test_bad_parameters_get_a_400_error_document(ogc, params):
    r = ogc.get("/collections/poi/items", params=params)
    assert 400 <= r.status_code < 500, r.text
    body = r.json()
    assert body["code"] and body["description"]
    assert "Traceback" not in r.text


def test_unknown_collection_is_404(ogc):
    assert ogc.get("/collections/nope/items").status_code == 404


VALUES = st.one_of(st.text(max_size=30), st.integers(-10**6, 10**6).map(str),
                   st.floats(allow_nan=True, allow_infinity=True).map(str),
                   st.lists(st.floats(-1e6, 1e6), min_size=3, max_size=7)
                   .map(lambda v: ",".join(map(str, v))),
                   st.sampled_from(["PRODUCT='Conformiteitsattest'", f"{EPSG}4326",
                                    "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "html",
                                    "json", "hits", "-POSTCODE", "S_INTERSECTS(geometry,"
                                    "POINT(4 51))", "POSTCODE BETWEEN '1000' AND '2000'"]))
NAMES = st.sampled_from(["bbox", "bbox-crs", "crs", "limit", "offset", "filter", "filter-lang",
                         "filter-crs", "sortby", "properties", "resulttype", "f",
                         "skipGeometry", "POSTCODE", "datetime"])


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(NAMES, VALUES, max_size=4),
       collection=st.sampled_from(["poi", "herstelvorderingen", "woningkwaliteitsbeleid"]))
def test_no_query_parameters_make_the_server_fail(ogc_base, params, collection):
    r = httpx.get(f"{ogc_base}/ogc/collections/{collection}/items", params=params, timeout=30)
    assert r.status_code < 500, (params, r.text[:300])


@pytest.mark.parametrize("path", ["/nope", "/collections/poi/nope", "/collections/poi/items/x/y",
                                  "/static/nope.css", "/%00", "/collections/poi/items/a/b/c"])
def test_an_unmatched_ogc_path_is_a_json_404_like_every_other_ogc_api_error(ogc, path):
    r = ogc.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["code"] == "NotFound" and "no resource" in body["description"]


def test_an_unsupported_method_is_a_json_405_with_allow(ogc):
    r = ogc.delete("/collections")
    assert r.status_code == 405 and "GET" in r.headers["allow"]
    assert r.json()["code"] == "OperationNotSupported"


def test_options_declared_in_the_openapi_document_is_answered_with_allow(ogc):
    doc = ogc.get("/openapi", params={"f": "json"}).json()
    declared = [path for path, item in doc["paths"].items() if "options" in item]
    assert declared
    for path in declared:
        r = ogc.options(path.replace("{featureId}", "x"))
        assert r.status_code == 200, (path, r.text)
        assert {"GET", "OPTIONS"} <= {m.strip() for m in r.headers["allow"].split(",")}
