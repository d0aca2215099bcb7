"""The OpenAPI fragment the main app merges, and the canaries that must never come out."""

from __future__ import annotations

import httpx

from publisher.serving.lookup import openapi_paths
from publisher.synthetic.people import canary_values

PATH = "/api/v1/woningkwaliteit"


def test_the_openapi_fragment_describes_the_three_parameters_and_the_problem():
    paths = openapi_paths()
    get = paths[PATH]["get"]
    assert {p["name"] for p in get["parameters"]} == {"capakey", "adres", "adresid"}
    assert "application/problem+json" in get["responses"]["400"]["content"]
    paths[PATH]["get"]["summary"] = "changed"
    assert openapi_paths()[PATH]["get"]["summary"] != "changed"


def test_no_canary_value_appears_in_any_lookup_answer(demo_reader, demo_url):
    db = demo_reader.current("poi").connect()
    rows = db.execute('SELECT "CAPAKEY", "ADRESID", "STRAAT" || \' \' || "HUISNUMMER" || '
                      '\', \' || "POSTCODE" FROM poi ORDER BY fid').fetchall()
    texts = []
    with httpx.Client() as client:
        for capakey, adresid, adres in rows[::7]:
            for params in ({"capakey": capakey}, {"adresid": adresid}, {"adres": adres}):
                texts.append(client.get(f"{demo_url}{PATH}", params=params).text)
        texts.append(client.get(f"{demo_url}{PATH}", params={"capakey": "x"}).text)
    blob = "\n".join(texts).lower()
    assert len(texts) > 100
    for canary in canary_values():
        assert canary.lower() not in blob
