"""Bad requests get a 400 problem JSON that says what to send instead; never a 500."""

from __future__ import annotations

import httpx
import pytest

from publisher.identifiers import CAPAKEY_FORMAT

PATH = "/api/v1/woningkwaliteit"


def _problem(r: httpx.Response, status: int = 400) -> dict:
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    return body


@pytest.mark.parametrize("bad", ["11004A0479-00N000", "1100A0479/00N000", "abc",
                                 "11004A0479/00N00", "11004A0479/00n0001"])
def test_a_malformed_capakey_is_a_400_that_names_the_format(demo_url, bad):
    body = _problem(httpx.get(f"{demo_url}{PATH}", params={"capakey": bad}))
    assert body["parameter"] == "capakey"
    assert body["format"] == CAPAKEY_FORMAT
    assert CAPAKEY_FORMAT in body["detail"] and bad in body["detail"]


@pytest.mark.parametrize("params", [
    {},
    {"capakey": ""},
    {"capakey": "11004A0479/00N000", "adres": "Kerkstraat 1"},
    [("capakey", "11004A0479/00N000"), ("capakey", "11004A0479/00N001")],
    {"capakei": "11004A0479/00N000"},
    {"adres": "Kerkstraat"},
])
def test_missing_conflicting_or_unknown_parameters_are_a_400(demo_url, params):
    body = _problem(httpx.get(f"{demo_url}{PATH}", params=params))
    assert body["parameter"] in ("capakey", "adres", "adresid", "capakei")


def test_garbage_never_causes_a_500(demo_url):
    for params in ({"adres": "\x00' OR 1=1 --"}, {"adresid": "%" * 500},
                   {"adres": "1" * 5000}, {"capakey": "é" * 20}):
        assert httpx.get(f"{demo_url}{PATH}", params=params).status_code in (200, 400)


def test_no_publication_yet_is_a_503_problem(serve, tmp_path):
    from starlette.applications import Starlette

    from publisher.serving import lookup
    from publisher.serving.publications import PublicationReader
    app = Starlette(routes=lookup.routes(PublicationReader(tmp_path)))
    with serve(app) as url:
        r = httpx.get(f"{url}{PATH}", params={"capakey": "11004A0479/00N000"})
    _problem(r, 503)


@pytest.mark.parametrize("bad", ["abc", "12a", "-5", "1.5", "1" * 21, "２"])
def test_a_malformed_adresid_is_a_400_naming_the_value(demo_url, bad):
    body = _problem(httpx.get(f"{demo_url}{PATH}", params={"adresid": bad}))
    assert body["parameter"] == "adresid" and body["type"].endswith("invalid-adresid")
    assert repr(bad) in body["detail"] and body["pattern"]


def test_a_well_formed_unknown_adresid_is_an_empty_answer_not_an_error(demo_url):
    r = httpx.get(f"{demo_url}{PATH}", params={"adresid": "99999999999"})
    assert r.status_code == 200 and r.json()["aantal"] == 0


def test_an_address_longer_than_the_maximum_is_a_400_naming_the_limit(demo_url):
    from publisher.serving.lookup.service import MAX_ADDRESS_LENGTH

    body = _problem(httpx.get(f"{demo_url}{PATH}",
                              params={"adres": "Kerkstraat 1 " + "x" * MAX_ADDRESS_LENGTH}))
    assert body["parameter"] == "adres" and str(MAX_ADDRESS_LENGTH) in body["detail"]
