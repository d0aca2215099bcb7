"""The viewer's search over the public address register (no browser: the JSON it reads)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from publisher.serving.lookup.register import parse, register_for
from publisher.serving.viewer.routes import routes as viewer_routes
from publisher.synthetic.people import canary_values


@pytest.fixture(scope="module")
def search_url(serve_app, demo_reader):
    app = Starlette(routes=viewer_routes(demo_reader))
    with serve_app(app) as url:
        yield url


def _suggest(url: str, q: str, limit: int = 10) -> list[dict]:
    r = httpx.get(f"{url}/api/v1/adressen", params={"q": q, "limit": str(limit)})
    assert r.status_code == 200, r.text
    return r.json()["adressen"]


@pytest.mark.parametrize(("typed", "soort", "label"), [
    ("Antwerpen", "gemeente", "Antwerpen (gemeente)"),
    ("antw", "gemeente", "Antwerpen (gemeente)"),
    ("2170", "deelgemeente", "Merksem (2170 Antwerpen)"),
    ("Merksem", "deelgemeente", "Merksem (2170 Antwerpen)"),
    ("MERKSEM", "deelgemeente", "Merksem (2170 Antwerpen)"),
])
def test_municipality_postcode_and_district_are_found_first(search_url, typed, soort, label):
    first = _suggest(search_url, typed)[0]
    assert (first["soort"], first["label"]) == (soort, label)
    assert len(first["bbox"]) == 4


@pytest.mark.parametrize("typed", ["gezelle", "Gezellestr.", "gezelle str", "GUIDO GEZELLE",
                                   "Guido Gezellestr"])
def test_partial_and_abbreviated_street_names_find_the_street(search_url, typed):
    streets = [s for s in _suggest(search_url, typed) if s["soort"] == "straat"]
    street = next(s for s in streets if s["label"].startswith("Guido Gezellestraat,"))
    west, south, east, north = street["bbox"]
    assert west <= street["lon"] <= east and south <= street["lat"] <= north


def test_accents_are_folded(search_url, demo_reader):
    register = register_for(demo_reader.current("poi"))
    name = next(r[0] for r in register.db().execute("SELECT naam FROM straat")
                if any(c in r[0] for c in "éëüï"))
    plain = name.translate(str.maketrans("éëüï", "eeui"))
    assert any(s["label"].startswith(name) for s in _suggest(search_url, plain))


def test_a_street_and_number_finds_register_addresses_with_their_facts(search_url,
                                                                      demo_reader):
    row = demo_reader.current("poi").connect().execute(
        'SELECT "STRAAT", "HUISNUMMER", "POSTCODE", "POID" FROM poi WHERE "BUSNUMMER" IS NULL '
        "ORDER BY fid LIMIT 1").fetchone()
    found = _suggest(search_url, f"{row[0]} {row[1]}, {row[2]}")
    assert found[0]["soort"] == "adres"
    assert found[0]["label"].startswith(f"{row[0]} {row[1]},")
    assert row[3] in {f["poid"] for f in found[0]["features"]}


def test_the_register_is_far_larger_than_vlok(demo_reader):
    pub = demo_reader.current("poi")
    register = register_for(pub)
    in_register = register.db().execute("SELECT COUNT(*) FROM adres").fetchone()[0]
    in_vlok = pub.connect().execute('SELECT COUNT(DISTINCT "ADRESID") FROM poi').fetchone()[0]
    assert in_register > 5 * in_vlok


@pytest.mark.parametrize(("q", "parameter"), [("x" * 201, "q"), ("kerk", "limit")])
def test_bad_search_parameters_are_400(search_url, q, parameter):
    params = {"q": q} if parameter == "q" else {"q": q, "limit": "999"}
    r = httpx.get(f"{search_url}/api/v1/adressen", params=params)
    assert r.status_code == 400 and r.json()["parameter"] == parameter


@pytest.mark.parametrize("bbox", ["", "a,b,c,d", "4,51,3,52", "3,50,4.5,51.5"])
def test_street_names_need_a_city_sized_bbox(search_url, bbox):
    r = httpx.get(f"{search_url}/api/v1/orientatie/straten", params={"bbox": bbox})
    assert r.status_code == 400 and r.json()["parameter"] == "bbox"
    assert repr(bbox) in r.json()["detail"]


def test_nothing_typed_or_nothing_found_is_an_empty_list(search_url):
    assert _suggest(search_url, "") == []
    assert _suggest(search_url, "qwxzqwxz") == []


def test_a_query_is_parsed_into_street_number_box_and_place():
    q = parse("Guido Gezellestr. 37 bus 0.2, 2170 Merksem")
    assert (q.street, q.number, q.box, q.postcode, q.place) == (
        ["guido", "gezellestraat"], "37", "0.2", "2170", ["merksem"])
    assert parse("kerkstraat 12/3").box == "3"


def test_no_canary_in_register_search_answers(search_url, demo_reader):
    streets = [r[0] for r in register_for(demo_reader.current("poi")).db().execute(
        "SELECT naam FROM straat ORDER BY id LIMIT 40")]
    texts = [httpx.get(f"{search_url}/api/v1/adressen", params={"q": q, "limit": "20"}).text
             for name in streets for q in (name[:4], f"{name} 1")]
    texts += [httpx.get(f"{search_url}/api/v1/orientatie/plaatsen").text]
    for _, lon, lat, _ in register_for(demo_reader.current("poi")).municipalities()[:20]:
        bbox = f"{lon - 0.05},{lat - 0.05},{lon + 0.05},{lat + 0.05}"
        streets = httpx.get(f"{search_url}/api/v1/orientatie/straten", params={"bbox": bbox})
        assert streets.status_code == 200 and streets.json()["features"]
        texts.append(streets.text)
    blob = "\n".join(texts).lower()
    for canary in canary_values():
        assert canary.lower() not in blob


def test_publishing_again_reuses_the_index_of_an_unchanged_register(demo_store, tmp_path,
                                                                   serving_as_of):
    from publisher.publication.directory import DirectoryTarget
    from publisher.publication.run import publish_poi
    from publisher.serving.publications import PublicationReader
    from publisher.store.db import open_engine

    engine = open_engine(demo_store)
    target = DirectoryTarget(tmp_path)
    metas, stamps = [], []
    for _ in range(2):
        publish_poi(engine, target, serving_as_of, store=demo_store, quiet=True)
        metas.append(PublicationReader(tmp_path).current("poi").meta["adresregister"])
        stamps.append((tmp_path / "register" / metas[-1]["index"]).stat().st_mtime_ns)
    engine.dispose()
    assert metas[0] == metas[1] and metas[0]["addresses"] > 0
    assert stamps[0] == stamps[1]  # the file was not written again
    assert [p.name for p in (tmp_path / "register").iterdir()] == [metas[0]["index"]]
