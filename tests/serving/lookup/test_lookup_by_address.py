"""Lookup per address: free text as people write it, or the address register's id."""

from __future__ import annotations

import httpx
import pytest

PATH = "/api/v1/woningkwaliteit"


@pytest.fixture(scope="module")
def unit_with_box(demo_reader) -> tuple:
    """A published dwelling with a box number (street, number, box, postcode, city, id, poid)."""
    return demo_reader.current("poi").connect().execute(
        'SELECT "STRAAT", "HUISNUMMER", "BUSNUMMER", "POSTCODE", "GEMEENTE", "ADRESID", "POID" '
        "FROM poi WHERE \"BUSNUMMER\" LIKE '%.%' ORDER BY fid LIMIT 1").fetchone()


def _poids(body: dict) -> set[str]:
    return {f["poid"] for e in body["resultaten"] for f in e["features"]}


@pytest.mark.parametrize("template", [
    "{s} {n} bus {b}, {p} {g}",
    "{s} {n}/{b}",
    "{S} {n} BUS {b} {G}",
    "{s} {n} bte {b}, {p}",
])
def test_an_address_with_a_box_number_finds_that_dwelling(demo_url, unit_with_box, template):
    s, n, b, p, g, _, poid = unit_with_box
    text = template.format(s=s, n=n, b=b, p=p, g=g, S=s.upper(), G=g.lower())
    r = httpx.get(f"{demo_url}{PATH}", params={"adres": text})
    assert r.status_code == 200
    body = r.json()
    assert poid in _poids(body)
    assert all(e["adres"]["busnummer"] in (b, None) for e in body["resultaten"])


def test_accents_and_hyphens_do_not_matter(three_url):
    body = httpx.get(f"{three_url}{PATH}", params={"adres": "sint baafsplein 7 bus 0.1"}).json()
    assert "CA_000000000000000a" in _poids(body)


def test_a_unit_address_also_gets_the_facts_of_its_building(three_url):
    body = httpx.get(f"{three_url}{PATH}",
                     params={"adres": "Sint-Baafsplein 7 bus 0.1, 9000 Gent"}).json()
    assert _poids(body) == {"CA_000000000000000a", "HV_000000000000000c"}


def test_the_wrong_municipality_finds_nothing(three_url):
    body = httpx.get(f"{three_url}{PATH}", params={"adres": "Sint-Baafsplein 7, Brugge"}).json()
    assert body["resultaten"] == []


def test_adresid_lookup_finds_the_dwelling_and_its_building(three_url):
    body = httpx.get(f"{three_url}{PATH}", params={"adresid": "9000002"}).json()
    assert _poids(body) == {"VIVOO_00000000000000b", "HV_000000000000000c"}


def test_adresid_lookup_on_the_demo(demo_url, unit_with_box):
    body = httpx.get(f"{demo_url}{PATH}", params={"adresid": unit_with_box[5]}).json()
    assert unit_with_box[6] in _poids(body)


def test_an_unknown_address_is_an_empty_answer(demo_url):
    r = httpx.get(f"{demo_url}{PATH}", params={"adres": "Nergensstraat 1, 9999 Nergens"})
    assert r.status_code == 200
    assert r.json()["resultaten"] == []
    assert r.json()["peildatum"] == "2026-11-23"
