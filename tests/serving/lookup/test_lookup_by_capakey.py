"""Lookup per cadastral parcel, as the Vastgoedinformatieplatform asks it."""

from __future__ import annotations

import httpx

from publisher.serving.lookup.service import PRODUCTS

PATH = "/api/v1/woningkwaliteit"


def test_a_parcel_with_all_three_products_lists_each_unit_and_the_building(three_url,
                                                                            three_capakeys):
    three, _ = three_capakeys
    r = httpx.get(f"{three_url}{PATH}", params={"capakey": three})
    assert r.status_code == 200
    body = r.json()
    assert body["peildatum"] == "2026-11-23"
    assert body["bron"] == "Wonen-Vlaanderen"
    assert body["producten"] == dict.fromkeys(PRODUCTS, True)
    by_box = {(e["type"], e["adres"]["busnummer"]): e for e in body["resultaten"]}
    assert set(by_box) == {("Woning", "0.1"), ("Woning", "0.2"), ("Pand", None)}
    assert by_box["Woning", "0.1"]["producten"]["Conformiteitsattest"] is True
    assert by_box["Woning", "0.2"]["producten"][
        "VlaamseInventarisOngeschikteOnbewoonbareWoningen"] is True
    assert by_box["Pand", None]["producten"]["RegisterHerstelvorderingen"] is True
    assert by_box["Woning", "0.1"]["adres"]["volledig"] == "Sint-Baafsplein 7 bus 0.1, 9000 Gent"


def test_feature_links_are_absolute_ogc_api_item_urls(three_url, three_capakeys):
    three, _ = three_capakeys
    r = httpx.get(f"{three_url}{PATH}", params={"capakey": three})
    hrefs = [f["href"] for e in r.json()["resultaten"] for f in e["features"]]
    assert f"{three_url}/ogc/collections/poi/items/CA_000000000000000a" in hrefs
    assert all(h.startswith(f"{three_url}/ogc/collections/poi/items/") for h in hrefs)


def test_links_follow_the_forwarded_scheme_and_host(three_url, three_capakeys):
    three, _ = three_capakeys
    r = httpx.get(f"{three_url}{PATH}", params={"capakey": three},
                  headers={"X-Forwarded-Proto": "https",
                           "X-Forwarded-Host": "woningkwaliteit.vlaanderen.be"})
    hrefs = [f["href"] for e in r.json()["resultaten"] for f in e["features"]]
    assert hrefs and all(h.startswith(
        "https://woningkwaliteit.vlaanderen.be/ogc/collections/poi/items/") for h in hrefs)


def test_a_second_parcel_of_the_building_finds_the_claim_too(three_url, three_capakeys):
    _, second = three_capakeys
    body = httpx.get(f"{three_url}{PATH}", params={"capakey": second}).json()
    assert [e["type"] for e in body["resultaten"]] == ["Pand"]
    assert body["producten"]["RegisterHerstelvorderingen"] is True


def test_a_parcel_with_nothing_published_is_an_empty_answer_with_the_date(demo_url):
    r = httpx.get(f"{demo_url}{PATH}", params={"capakey": "99999Z9999/99Z999"})
    assert r.status_code == 200
    body = r.json()
    assert body["resultaten"] == [] and body["aantal"] == 0
    assert body["peildatum"] == "2026-11-23"
    assert not any(body["producten"].values())


def test_every_published_parcel_of_the_demo_finds_its_features(demo_reader, demo_url):
    db = demo_reader.current("poi").connect()
    capakey, n = db.execute('SELECT "CAPAKEY", count(*) FROM poi_parcel GROUP BY 1 '
                            "ORDER BY 2 DESC LIMIT 1").fetchone()
    body = httpx.get(f"{demo_url}{PATH}", params={"capakey": capakey}).json()
    assert sum(len(e["features"]) for e in body["resultaten"]) == n


def test_a_lower_case_capakey_is_understood(three_url, three_capakeys):
    three, _ = three_capakeys
    body = httpx.get(f"{three_url}{PATH}", params={"capakey": three.lower()}).json()
    assert body["vraag"] == {"capakey": three}
    assert body["aantal"] == 3
