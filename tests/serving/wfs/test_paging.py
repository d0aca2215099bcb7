"""Paging: 0-based STARTINDEX, full pages until exhausted, next/previous exactly when due."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from publisher.serving.wfs.settings import COUNT_DEFAULT

from .conftest import NS, parse, wfs_get


def page(client, **params):
    response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", **params)
    assert response.status_code == 200, response.text
    return parse(response.content)


def ids(root) -> list[str]:
    return root.xpath("wfs:member/*/@gml:id", namespaces=NS)


def follow(client, url: str):
    response = client.get(url.replace("http://testserver", ""))
    assert response.status_code == 200
    return parse(response.content)


def test_qgis_paging_never_repeats_or_skips_a_feature(client, poi_meta):
    seen: list[str] = []
    root = page(client, STARTINDEX="0", COUNT="100")
    while True:
        got = ids(root)
        assert len(got) == int(root.get("numberReturned"))
        seen += got
        if root.get("next") is None:
            break
        assert len(got) == 100  # never a short page unless exhausted
        root = follow(client, root.get("next"))
    assert len(seen) == len(set(seen)) == poi_meta["features"]


def test_sorted_paging_is_total_with_poid_as_tiebreaker(client, poi_meta):
    seen: list[str] = []
    root = page(client, COUNT="250", SORTBY="PRODUCT DESC")
    while True:
        seen += ids(root)
        products = root.xpath("//POI:PRODUCT/text()", namespaces=NS)
        assert products == sorted(products, reverse=True)
        if root.get("next") is None:
            break
        assert "SORTBY=PRODUCT+DESC" in root.get("next")
        root = follow(client, root.get("next"))
    assert len(seen) == len(set(seen)) == poi_meta["features"]


def test_next_link_keeps_every_parameter_and_previous_steps_back(client):
    root = page(client, COUNT="10", STARTINDEX="20", SRSNAME="EPSG:4326", SORTBY="NAAM",
                FILTER='<Filter><PropertyIsEqualTo><PropertyName>PRODUCT</PropertyName>'
                       "<Literal>Conformiteitsattest</Literal></PropertyIsEqualTo></Filter>")
    nxt = parse_qs(urlsplit(root.get("next")).query)
    prev = parse_qs(urlsplit(root.get("previous")).query)
    assert nxt["STARTINDEX"] == ["30"] and prev["STARTINDEX"] == ["10"]
    for q in (nxt, prev):
        assert q["SRSNAME"] == ["EPSG:4326"]
        assert q["SORTBY"] == ["NAAM"]
        assert "Conformiteitsattest" in q["FILTER"][0]
        assert q["COUNT"] == ["10"]


def test_no_next_on_the_last_page_even_when_total_is_a_multiple(client, poi_db):
    total = poi_db.execute("SELECT count(*) FROM poi WHERE PRODUCT = "
                           "'RegisterHerstelvorderingen'").fetchone()[0]
    flt = ("<Filter><PropertyIsEqualTo><PropertyName>PRODUCT</PropertyName>"
           "<Literal>RegisterHerstelvorderingen</Literal></PropertyIsEqualTo></Filter>")
    root = page(client, COUNT=str(total), FILTER=flt)
    assert root.get("numberReturned") == str(total)
    assert root.get("next") is None
    assert root.get("previous") is None


def test_startindex_past_the_end_returns_an_empty_page(client, poi_meta):
    root = page(client, STARTINDEX=str(poi_meta["features"] + 5), COUNT="10")
    assert root.get("numberReturned") == "0"
    assert root.get("next") is None
    assert root.get("previous") is not None


def test_huge_count_is_capped_not_refused(client, poi_meta):
    root = page(client, COUNT="999999999", RESULTTYPE="results", PROPERTYNAME="POID")
    assert int(root.get("numberReturned")) == min(COUNT_DEFAULT, poi_meta["features"])


def test_maxfeatures_is_an_alias_of_count(client):
    root = page(client, MAXFEATURES="7")
    assert root.get("numberReturned") == "7"
    assert "COUNT=7" in root.get("next") and "MAXFEATURES" not in root.get("next")


def test_count_without_startindex_still_pages(client):
    root = page(client, COUNT="5")
    assert "STARTINDEX=5" in root.get("next")
