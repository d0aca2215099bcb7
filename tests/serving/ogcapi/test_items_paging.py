"""Items: paging links exactly when more results exist, limits clamped, exact counts."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from .conftest import links

HV = "RegisterHerstelvorderingen"


def test_default_limit_is_100_and_number_matched_is_exact(ogc, poi_meta):
    doc = ogc.get("/collections/poi/items").json()
    assert doc["numberReturned"] == 100
    assert doc["numberMatched"] == poi_meta["features"]


def test_limit_above_maximum_is_clamped_not_refused(ogc, poi_meta):
    r = ogc.get("/collections/poi/items", params={"limit": 50000})
    assert r.status_code == 200
    assert r.json()["numberReturned"] == min(10000, poi_meta["features"])


def test_walking_next_links_returns_every_feature_once_and_keeps_every_parameter(ogc, poi_meta):
    total = poi_meta["counts"][HV]
    url = "/collections/herstelvorderingen/items"
    params: dict | None = {"limit": 7, "f": "json", "sortby": "-POSTCODE"}
    seen: list[str] = []
    while url:
        doc = ogc.get(url, params=params).json()
        seen += [f["id"] for f in doc["features"]]
        nxt = links(doc).get("next")
        if nxt:
            query = parse_qs(urlsplit(nxt).query)
            assert query["f"] == ["json"] and query["limit"] == ["7"]
            assert query["sortby"] == ["-POSTCODE"]
        url, params = nxt, None
    assert len(seen) == len(set(seen)) == total


def test_no_next_link_on_last_page_when_total_is_a_multiple_of_limit(ogc, poi_meta):
    total = poi_meta["counts"][HV]
    doc = ogc.get("/collections/herstelvorderingen/items", params={"limit": total}).json()
    assert doc["numberReturned"] == total
    assert "next" not in links(doc)
    doc = ogc.get("/collections/herstelvorderingen/items",
                  params={"limit": 1, "offset": total - 1}).json()
    assert "next" not in links(doc) and "prev" in links(doc)


def test_resulttype_hits_counts_without_features(ogc, poi_meta):
    doc = ogc.get("/collections/conformiteitsattest/items", params={"resulttype": "hits"}).json()
    assert doc["features"] == []
    assert doc["numberMatched"] == poi_meta["counts"]["Conformiteitsattest"]


def test_product_collections_hold_only_their_product(ogc, poi_meta):
    for cid, product in (("conformiteitsattest", "Conformiteitsattest"),
                         ("vlaamse-inventaris", "VlaamseInventarisOngeschikteOnbewoonbareWoningen"),
                         ("herstelvorderingen", HV)):
        doc = ogc.get(f"/collections/{cid}/items", params={"limit": 10000}).json()
        assert {f["properties"]["PRODUCT"] for f in doc["features"]} == {product}
        assert doc["numberMatched"] == poi_meta["counts"][product]


def test_item_by_poid_and_404_for_unknown(ogc):
    first = ogc.get("/collections/poi/items", params={"limit": 1}).json()["features"][0]
    item = ogc.get(f"/collections/poi/items/{first['id']}")
    assert item.status_code == 200 and item.json()["properties"]["POID"] == first["id"]
    assert ogc.get("/collections/poi/items/NOPE_000").status_code == 404


def test_property_selection_and_sortby_with_poid_tiebreaker(ogc):
    doc = ogc.get("/collections/poi/items", params={"limit": 50, "properties": "POSTCODE",
                                                    "sortby": "POSTCODE"}).json()
    keys = [(f["properties"]["POSTCODE"], f["id"]) for f in doc["features"]]
    assert keys == sorted(keys)
    assert set(doc["features"][0]["properties"]) <= {"POSTCODE", "POID"}


def test_default_page_is_the_published_geojson_fragment(ogc, publication_dir, poi_meta):
    import json
    import sqlite3

    current = json.loads((publication_dir / "current.json").read_text())
    with sqlite3.connect(publication_dir / current["poi"]["file"]) as db:
        stored = json.loads(db.execute("SELECT geojson FROM poi_fragment WHERE fid = 1")
                            .fetchone()[0])
    served = ogc.get("/collections/poi/items", params={"limit": 1}).json()["features"][0]
    assert served == stored


def test_deep_pages_are_the_same_as_with_an_explicit_filter(ogc, poi_meta):
    """Unfiltered pages seek by fid; they must equal the OFFSET pages of the same query."""
    ca = poi_meta["counts"]["Conformiteitsattest"]
    for collection, extra in (("poi", {}), ("conformiteitsattest", {})):
        for offset in (0, 7, ca // 2, ca - 3):
            fast = ogc.get(f"/collections/{collection}/items",
                           params={"offset": offset, "limit": 10, **extra}).json()
            slow = ogc.get("/collections/poi/items", params={
                "offset": offset, "limit": 10, "filter-lang": "cql2-text",
                "filter": "PRODUCT='Conformiteitsattest'" if collection != "poi"
                else "POID IS NOT NULL"}).json()
            assert [f["id"] for f in fast["features"]] == [f["id"] for f in slow["features"]]
            assert fast["numberMatched"] == slow["numberMatched"]


def test_past_the_end_prev_points_to_the_last_page_and_there_is_no_next(ogc, poi_meta):
    total = poi_meta["features"]
    doc = ogc.get("/collections/poi/items", params={"offset": total + 500, "limit": 10}).json()
    assert doc["numberReturned"] == 0
    paging = links(doc)
    assert "next" not in paging
    prev = parse_qs(urlsplit(paging["prev"]).query)
    start = int(prev["offset"][0])
    assert 0 <= start < total
    page = ogc.get("/collections/poi/items", params={"offset": start, "limit": 10}).json()
    assert page["numberReturned"] > 0


def test_an_empty_result_has_neither_prev_nor_next(ogc):
    doc = ogc.get("/collections/poi/items", params={"filter": "POSTCODE='0000'",
                                                    "offset": 20, "limit": 10}).json()
    assert doc["numberMatched"] == 0 and links(doc) == {}
