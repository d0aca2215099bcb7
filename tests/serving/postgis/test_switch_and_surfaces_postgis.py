"""A new PostGIS publication is served without a restart; health, lookup, viewer, CLI."""

from __future__ import annotations

import argparse
import time

import httpx
import pytest

from publisher.commands import serve
from publisher.errors import ConfigError
from publisher.serving.app import create_app

from .conftest import publish_into


def test_a_new_publication_is_picked_up_without_restart(demo_store, make_database,
                                                        serve_app, serving_as_of):
    url = make_database()
    publish_into(url, demo_store, serving_as_of)
    with serve_app(create_app(url)) as base, httpx.Client(base_url=base,
                                                          timeout=60) as client:
        before = client.get("/health").json()["datasets"]["poi"]["run_id"]
        page = client.get("/wfs", params={"SERVICE": "WFS", "VERSION": "2.0.0",
                                          "REQUEST": "GetFeature", "TYPENAMES": "POI:POI",
                                          "COUNT": "5"})
        assert page.status_code == 200
        publish_into(url, demo_store, serving_as_of)  # a new run: a new schema, switched
        deadline = time.monotonic() + 10
        while client.get("/health").json()["datasets"]["poi"]["run_id"] == before:
            assert time.monotonic() < deadline, "the new publication was not picked up"
            time.sleep(0.2)
        again = client.get("/wfs", params={"SERVICE": "WFS", "VERSION": "2.0.0",
                                           "REQUEST": "GetFeature", "TYPENAMES": "POI:POI",
                                           "COUNT": "5", "OUTPUTFORMAT": "application/json"})
        assert again.status_code == 200
        assert len(again.json()["features"]) == 5
        items = client.get("/ogc/collections/poi/items", params={"limit": "5"})
        assert items.status_code == 200 and len(items.json()["features"]) == 5


def test_health_lookup_and_viewer_data_work_on_postgis(pg, gp):
    health = pg.get("/health").json()
    assert health["status"] == "ok"
    assert health["datasets"]["poi"]["features"] == gp.get("/health").json()[
        "datasets"]["poi"]["features"]
    # lookup by capakey and by address: the same answers as the GeoPackage app
    points = gp.get("/api/v1/kaart").json()["features"]
    assert pg.get("/api/v1/kaart").json() == gp.get("/api/v1/kaart").json()
    box = {"bbox": "3.6,50.9,4.0,51.2"}
    assert pg.get("/api/v1/kaart", params=box).json() == gp.get("/api/v1/kaart",
                                                                  params=box).json()
    assert pg.get("/api/v1/kaart/gemeenten").json() == gp.get("/api/v1/kaart/gemeenten").json()
    adres = points[0]["properties"]["adres"]
    for params in ({"adres": adres}, {"adresid": points[0]["properties"]["ADRESID"]}):
        a = pg.get("/api/v1/woningkwaliteit", params=params)
        b = gp.get("/api/v1/woningkwaliteit", params=params)
        assert a.status_code == b.status_code == 200, a.text
        assert a.json()["aantal"] >= 1
        assert a.text.replace(str(pg.base_url).rstrip("/"), "") == \
            b.text.replace(str(gp.base_url).rstrip("/"), "")
    s = pg.get("/api/v1/adressen", params={"q": adres.split(",")[0][:6]})
    assert s.status_code == 200 and s.json()["adressen"]
    bad = pg.get("/api/v1/woningkwaliteit", params={"capakey": "nope"})
    assert bad.status_code == 400
    assert pg.get("/").status_code == 200


def test_change_sets_come_from_the_postgis_run_history(pg):
    runs = pg.get("/api/v1/changes", params={"since": "2026-01-01"}).json()["runs"]
    assert runs, "the PostGIS publication's run must be listed"
    added = sum(len(c["added"]) for c in runs[0]["changes"].values())
    assert added == sum(runs[0]["counts"].values())


def test_serve_command_checks_the_database(pg_url, make_database):
    serve.check_database(pg_url)  # a published database passes
    with pytest.raises(ConfigError, match="no publication"):
        serve.check_database(make_database())
    with pytest.raises(ConfigError, match="unreadable"):
        serve.check_database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    ns = argparse.Namespace(publication=pg_url, workers=0, host="127.0.0.1", port=1,
                            base_url=None)
    with pytest.raises(ConfigError, match="--workers"):
        serve.run(ns, None)  # settings unused with --publication
