"""Part 3: queryables and CQL2 text filters evaluated on the indexed columns."""

from __future__ import annotations

import pytest


def test_product_filter_count_equals_the_published_count(ogc, poi_meta):
    doc = ogc.get("/collections/poi/items", params={
        "filter": "PRODUCT='Conformiteitsattest'", "filter-lang": "cql2-text",
        "resulttype": "hits"}).json()
    assert doc["numberMatched"] == poi_meta["counts"]["Conformiteitsattest"]


def test_queryables_list_exactly_the_published_fields(ogc):
    from publisher.mapping import load_mapping

    doc = ogc.get("/collections/poi/queryables").json()
    names = set(doc["properties"]) - {"geometry"}
    assert names == set(load_mapping("poi").names)
    assert doc["properties"]["POID"]["x-ogc-role"] == "id"


@pytest.mark.parametrize(("cql", "check"), [
    ("POSTCODE IN ('2000','9000') AND PRODUCT <> 'RegisterHerstelvorderingen'",
     lambda p: p["POSTCODE"] in ("2000", "9000") and p["PRODUCT"] != "RegisterHerstelvorderingen"),
    ("NAAM LIKE 'Woning%'", lambda p: p["NAAM"].startswith("Woning")),
    ("CASEI(GEMEENTE) = CASEI('GENT')", lambda p: p["GEMEENTE"] == "Gent"),
    ("BUSNUMMER IS NULL AND NOT (POSTCODE = '2000')",
     lambda p: p["BUSNUMMER"] is None and p["POSTCODE"] != "2000"),
    ("PEILDATUM = DATE('2026-11-23')", lambda p: p["PEILDATUM"] == "2026-11-23"),
])
def test_cql2_text_filters_select_only_matching_features(ogc, cql, check):
    doc = ogc.get("/collections/poi/items", params={"filter": cql, "limit": 10000}).json()
    assert doc["numberReturned"] == doc["numberMatched"] > 0
    assert all(check(f["properties"]) for f in doc["features"])


def test_like_is_case_sensitive_as_cql2_says(ogc):
    doc = ogc.get("/collections/poi/items", params={"filter": "NAAM LIKE 'woning%'",
                                                    "resulttype": "hits"}).json()
    assert doc["numberMatched"] == 0


def test_spatial_filter_matches_the_bbox_parameter(ogc):
    by_filter = ogc.get("/collections/poi/items", params={
        "filter": "S_INTERSECTS(geometry, BBOX(4.0, 51.0, 4.5, 51.3))",
        "resulttype": "hits"}).json()
    by_bbox = ogc.get("/collections/poi/items", params={"bbox": "4.0,51.0,4.5,51.3",
                                                        "resulttype": "hits"}).json()
    assert by_filter["numberMatched"] == by_bbox["numberMatched"] > 0


def test_filter_and_product_collection_combine(ogc):
    doc = ogc.get("/collections/herstelvorderingen/items", params={
        "filter": "PRODUCT='Conformiteitsattest'", "resulttype": "hits"}).json()
    assert doc["numberMatched"] == 0


def test_next_link_keeps_the_filter(ogc):
    doc = ogc.get("/collections/poi/items", params={
        "filter": "PRODUCT='Conformiteitsattest'", "limit": 5, "f": "json"}).json()
    nxt = next(link["href"] for link in doc["links"] if link["rel"] == "next")
    assert "filter=PRODUCT" in nxt and "f=json" in nxt
    follow = ogc.get(nxt).json()
    assert {f["properties"]["PRODUCT"] for f in follow["features"]} == {"Conformiteitsattest"}
