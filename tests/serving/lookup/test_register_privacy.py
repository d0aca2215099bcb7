"""Recognised means "in the public address register", never "VLOK has a dossier here".

An address whose only VLOK history is not public (an expired certificate, an investigation)
must answer exactly as an address VLOK has never seen: the same bytes but for the address
itself. A typo is not recognised, and says so.
"""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest

PATH = "/api/v1/woningkwaliteit"


def _fragment(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@pytest.fixture(scope="module")
def two_addresses(demo_store, demo_reader) -> tuple[tuple, tuple]:
    """(VLOK address with only non-public history, register address VLOK never saw).

    Both without a box, both without any published fact at them.
    """
    published = {r[0] for r in demo_reader.current("poi").connect().execute(
        'SELECT DISTINCT "ADRESID" FROM poi')}
    store = sqlite3.connect(demo_store.removeprefix("sqlite:///"))
    vlok = [r for r in store.execute(
        "SELECT a.adres_id, a.straatnaam, a.huisnummer, a.postcode FROM address a "
        "JOIN dwelling_unit u ON u.address_id = a.id JOIN certificate c ON c.unit_id = u.id "
        "WHERE a.busnummer IS NULL ORDER BY a.id") if r[0] not in published]
    known = {r[0] for r in store.execute("SELECT adres_id FROM address")}
    stranger = next(r for r in store.execute(
        "SELECT adresid, straatnaam, huisnummer, postcode FROM adresregister_adres "
        "WHERE busnummer IS NULL ORDER BY adresid") if r[0] not in known)
    store.close()
    assert vlok, "the demo has no address with only non-public history"
    return vlok[0], stranger


def _ask(url: str, params: dict) -> httpx.Response:
    r = httpx.get(f"{url}{PATH}", params=params)
    assert r.status_code == 200, r.text
    return r


def _without_the_address(r: httpx.Response) -> str:
    body = r.json()
    return r.text.replace(_fragment(body["vraag"]), "VRAAG").replace(
        _fragment(body["adressen"]), "ADRESSEN")


@pytest.mark.parametrize("ask_by", ["adres", "adresid"])
def test_non_public_history_answers_like_an_address_vlok_never_saw(demo_url, two_addresses,
                                                                    ask_by):
    answers = []
    for adresid, straat, nr, postcode in two_addresses:
        value = adresid if ask_by == "adresid" else f"{straat} {nr}, {postcode}"
        answers.append(_ask(demo_url, {ask_by: value}))
    vlok, stranger = answers
    assert vlok.json()["adres_herkend"] is stranger.json()["adres_herkend"] is True
    assert vlok.json()["resultaten"] == stranger.json()["resultaten"] == []
    assert _without_the_address(vlok) == _without_the_address(stranger)
    same = ("content-type", "cache-control", "etag", "vary")
    assert [vlok.headers.get(h) for h in same] == [stranger.headers.get(h) for h in same]


@pytest.mark.parametrize("params", [{"adres": "Qwxzstraat 999, 9000 Gent"},
                                    {"adres": "Kerkstraat 987"},
                                    {"adresid": "1"}])
def test_an_unknown_or_misspelt_address_is_not_recognised(demo_url, params):
    body = _ask(demo_url, params).json()
    assert body["adres_herkend"] is False
    assert body["adressen"] == [] and body["resultaten"] == []


def test_a_misspelt_street_is_not_recognised_but_the_right_one_is(demo_url, two_addresses):
    _, straat, nr, postcode = two_addresses[1]
    right = _ask(demo_url, {"adres": f"{straat} {nr}, {postcode}"}).json()
    wrong = _ask(demo_url, {"adres": f"{straat}x {nr}, {postcode}"}).json()
    assert right["adres_herkend"] is True and wrong["adres_herkend"] is False


def test_a_capakey_answer_says_nothing_about_recognising_an_address(demo_url, demo_reader):
    capakey = demo_reader.current("poi").connect().execute(
        'SELECT "CAPAKEY" FROM poi LIMIT 1').fetchone()[0]
    assert "adres_herkend" not in _ask(demo_url, {"capakey": capakey}).json()


def test_the_openapi_describes_adres_herkend_and_every_answer_key(demo_url, two_addresses):
    from publisher.serving.lookup import openapi_paths

    schema = openapi_paths()[PATH]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    assert schema["properties"]["adres_herkend"]["type"] == "boolean"
    assert "register" in schema["properties"]["adres_herkend"]["description"]
    body = _ask(demo_url, {"adresid": two_addresses[1][0]}).json()
    assert set(body) <= set(schema["properties"])
    assert set(body["adressen"][0]) <= set(schema["properties"]["adressen"]["items"][
        "properties"])
