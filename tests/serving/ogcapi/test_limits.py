"""Every input that sizes the work has a documented limit: past it, a 400 naming the value.

Issue 11's findings, one test each: a huge ``offset``, a huge ``limit`` (clamped, not
refused), a 90-term OR filter, filters past the length/depth/term limits, an invalid
``datetime``, coordinates impossible for the bbox CRS, and a world box that must select
everything fast.
"""

from __future__ import annotations

import time

import pytest

from publisher.serving.ogcapi.limits import (
    MAX_FILTER_DEPTH,
    MAX_FILTER_LENGTH,
    MAX_FILTER_TERMS,
    MAX_OFFSET,
)

from .conftest import CRS84, EPSG


def _error(response, status: int = 400) -> str:
    """The description of an OGC API error response (pygeoapi's JSON shape)."""
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert body["code"] and body["description"]
    return body["description"]


def test_an_offset_beyond_the_64_bit_range_is_a_400_naming_the_value(ogc):
    message = _error(ogc.get("/collections/poi/items", params={"offset": 2**63}))
    assert str(2**63) in message and f"{MAX_OFFSET:,}" in message


def test_an_offset_at_the_maximum_is_an_empty_page_not_an_error(ogc, poi_meta):
    doc = ogc.get("/collections/poi/items", params={"offset": MAX_OFFSET}).json()
    assert doc["numberReturned"] == 0 and doc["numberMatched"] == poi_meta["features"]


def test_a_limit_beyond_the_64_bit_range_is_clamped_and_number_returned_is_truthful(
        ogc, poi_meta):
    r = ogc.get("/collections/poi/items", params={"limit": 2**63})
    assert r.status_code == 200
    doc = r.json()
    assert doc["numberReturned"] == len(doc["features"]) == min(10000, poi_meta["features"])


def test_a_ninety_term_or_filter_is_answered(ogc, poi_meta):
    codes = [f"{1000 + i}" for i in range(90)]
    text = " OR ".join(f"POSTCODE='{c}'" for c in codes)
    r = ogc.get("/collections/poi/items", params={"filter": text, "limit": 10000})
    assert r.status_code == 200, r.text[:300]
    assert all(f["properties"]["POSTCODE"] in codes for f in r.json()["features"])


def test_a_long_and_chain_in_a_cql2_json_body_is_answered(ogc):
    body = {"op": "and", "args": [{"op": "<>", "args": [{"property": "POSTCODE"}, str(i)]}
                                  for i in range(300)]}
    r = ogc.post("/collections/poi/items", json=body,
                 headers={"Content-Type": "application/query-cql-json"})
    assert r.status_code == 200, r.text[:300]


def test_a_filter_with_too_many_terms_is_a_400_naming_the_limit(ogc):
    values = ",".join(f"'{i}'" for i in range(MAX_FILTER_TERMS + 1))
    text = f"POSTCODE IN ({values})"  # each value of an IN list is a term
    assert len(text) <= MAX_FILTER_LENGTH  # so the term limit, not the length, refuses it
    message = _error(ogc.get("/collections/poi/items", params={"filter": text}))
    assert "terms" in message and str(MAX_FILTER_TERMS) in message


def test_a_filter_longer_than_the_maximum_is_a_400_naming_the_limit(ogc):
    text = "POSTCODE='" + "9" * MAX_FILTER_LENGTH + "'"
    message = _error(ogc.get("/collections/poi/items", params={"filter": text}))
    assert f"{MAX_FILTER_LENGTH:,}" in message


@pytest.mark.parametrize("text", [
    "(" * (MAX_FILTER_DEPTH + 1) + "POSTCODE='1000'" + ")" * (MAX_FILTER_DEPTH + 1),
    "NOT (" * (MAX_FILTER_DEPTH + 1) + "POSTCODE='1000'" + ")" * (MAX_FILTER_DEPTH + 1),
], ids=["brackets", "not"])
def test_a_filter_nested_deeper_than_the_maximum_is_a_400_naming_the_limit(ogc, text):
    message = _error(ogc.get("/collections/poi/items", params={"filter": text}))
    assert str(MAX_FILTER_DEPTH) in message


@pytest.mark.parametrize("value", ["abc", "2026-13-01", "2026-11-23T25:00:00Z",
                                   "2026-12-01/2026-01-01", "a/b/c", "../.."])
def test_an_invalid_datetime_is_a_400_naming_the_value(ogc, value):
    message = _error(ogc.get("/collections/poi/items", params={"datetime": value}))
    assert "datetime" in message


@pytest.mark.parametrize("value", ["2026-11-23", "2026-11-23T12:00:00Z",
                                   "2026-01-01/..", "../2026-12-31T00:00:00+01:00",
                                   "2026-01-01/2026-12-31"])
def test_a_valid_datetime_is_accepted_on_collections_without_a_temporal_extent(
        ogc, poi_meta, value):
    r = ogc.get("/collections/poi/items", params={"datetime": value, "limit": 1})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["numberMatched"] == poi_meta["features"]


def test_lambert_metres_sent_as_latitude_longitude_are_a_400(ogc):
    params = {"bbox": "22000,153000,258000,245000", "bbox-crs": f"{EPSG}4326"}
    message = _error(ogc.get("/collections/poi/items", params=params))
    assert "impossible" in message and f"{EPSG}4326" in message


@pytest.mark.parametrize("params", [
    {"bbox": "-180,-90,180,90"},
    {"bbox": "-90,-180,90,180", "bbox-crs": f"{EPSG}4326"},
    {"bbox": "-20037508,-20037508,20037508,20037508", "bbox-crs": f"{EPSG}3857"},
    {"bbox": "-180,-90,180,90", "bbox-crs": CRS84, "resulttype": "hits"},
], ids=["crs84", "epsg4326", "epsg3857", "hits"])
def test_a_world_box_in_any_crs_selects_every_feature_quickly(ogc, poi_meta, params):
    started = time.perf_counter()
    r = ogc.get("/collections/poi/items", params={**params, "limit": 1})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["numberMatched"] == poi_meta["features"]
    assert time.perf_counter() - started < 2.0
