"""The production publication store: a PostGIS schema per publication, switched atomically."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import text

from publisher.publication.postgis import META, PostGISTarget
from publisher.publication.run import publish_poi, publish_policy
from publisher.store.db import open_engine
from publisher.synthetic.people import canary_values

pytestmark = pytest.mark.postgis


@pytest.fixture(autouse=True)
def files_dir(tmp_path, monkeypatch):
    """Download files of CLI runs go to a temporary directory, never the repository's data/."""
    monkeypatch.setenv("VLOK_FILES_DIR", str(tmp_path / "files"))
    return tmp_path / "files"


@pytest.fixture
def target(make_database) -> PostGISTarget:
    return PostGISTarget(open_engine(make_database()))


def all_text(target: PostGISTarget) -> str:
    """Every text value in every publication schema and the history tables."""
    out = []
    with target.engine.connect() as conn:
        tables = conn.execute(text(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE "
            f"table_schema LIKE 'pub\\_%' OR table_schema = '{META}'")).all()
        for schema, table in tables:
            for row in conn.execute(text(f'SELECT * FROM "{schema}"."{table}"')):
                out += [str(v) for v in row if v is not None]
    return "\n".join(out)


def test_publication_lands_in_a_schema_and_serves_the_same_counts(tiny_store, target,
                                                                   as_of) -> None:
    report = publish_poi(tiny_store, target, as_of, store="sqlite", quiet=True)
    current = target.current("poi")
    assert current.as_of == as_of and current.schema.startswith("pub_poi_")
    with target.engine.connect() as conn:
        counts = dict(conn.execute(text(
            f'SELECT "PRODUCT", count(*) FROM "{current.schema}".poi GROUP BY 1')).all())
        srid = conn.scalar(text(f'SELECT DISTINCT ST_SRID("SHAPE") FROM "{current.schema}".poi'))
        fragments = conn.scalar(text(f'SELECT count(*) FROM "{current.schema}".poi_fragment'))
    assert counts == {k: v for k, v in report.counts.items() if v}
    assert srid == 31370
    assert fragments == sum(report.counts.values())


def test_switch_changes_and_history_on_postgis(tiny_store, target, as_of) -> None:
    first = publish_poi(tiny_store, target, as_of - timedelta(days=1), store="s", quiet=True)
    again = publish_poi(tiny_store, target, as_of, store="s", quiet=True)
    assert target.current("poi").run_id == again.run_id
    with target.engine.connect() as conn:
        runs = conn.execute(text(f"SELECT run_id, previous_run FROM {META}.run "
                                 "ORDER BY as_of")).all()
        added = conn.scalar(text(f"SELECT count(*) FROM {META}.change WHERE run_id = :r AND "
                                 "change = 'added'"), {"r": first.run_id})
    assert runs == [(first.run_id, None), (again.run_id, first.run_id)]
    assert added == sum(first.counts.values())


def test_no_canary_in_the_postgis_publication(tiny_store, target, as_of) -> None:
    publish_poi(tiny_store, target, as_of, store="s", quiet=True)
    publish_policy(tiny_store, target, as_of, store="s", quiet=True)
    everything = all_text(target)
    assert len(everything) > 10_000
    assert [c for c in canary_values() if c in everything] == []


def test_stray_schema_of_a_killed_run_is_dropped(tiny_store, target, as_of) -> None:
    with target.engine.begin() as conn:
        conn.execute(text('CREATE SCHEMA "pub_poi_20990101t000000000000z"'))
    report = publish_poi(tiny_store, target, as_of, store="s", quiet=True)
    assert report.recovered == {"removed_schemas": 1}


def test_cli_publishes_into_postgis_and_refuses_a_second_run(tiny_store, target, as_of) -> None:
    url = target.engine.url.render_as_string(hide_password=False)
    cmd = [sys.executable, "-m", "publisher", "publish", "--store", str(tiny_store.url),
           "--target", url, "--as-of", as_of.isoformat(), "--quiet"]
    with target.lock():
        refused = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 6
    assert "another publish is running on this PostGIS target" in refused.stderr
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert target.current("poi").as_of == as_of


def test_publish_killed_at_random_moments_leaves_the_postgis_publication_whole(
        tiny_store, target, as_of) -> None:
    import random
    import time

    yesterday = as_of - timedelta(days=1)
    publish_poi(tiny_store, target, yesterday, store="s", quiet=True)
    url = target.engine.url.render_as_string(hide_password=False)
    cmd = [sys.executable, "-m", "publisher", "publish", "--store", str(tiny_store.url),
           "--target", url, "--as-of", as_of.isoformat(), "--quiet"]
    started = time.perf_counter()
    subprocess.run(cmd, check=True, timeout=120)
    full = time.perf_counter() - started
    with target.engine.begin() as conn:  # back to yesterday's publication being served
        conn.execute(text(f"UPDATE {META}.current SET as_of = :d"), {"d": yesterday})
    rng = random.Random(7)
    for _ in range(10):
        proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, full))
        proc.kill()
        proc.wait()
        current = target.current("poi")
        with target.engine.connect() as conn:
            meta = dict(conn.execute(text(
                f'SELECT key, value FROM "{current.schema}".publication_meta')).all())
            rows = conn.scalar(text(f'SELECT count(*) FROM "{current.schema}".poi'))
        assert rows == int(meta["features"]) > 0
        assert current.as_of in (yesterday, as_of)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with target.engine.connect() as conn:
        orphans = conn.execute(text(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pub\\_%' AND nspname NOT IN "
            f"(SELECT schema_name FROM {META}.run)")).all()
    assert orphans == []


def test_postgis_publications_get_download_files_and_change_sets(tiny_store, target, as_of,
                                                                  tmp_path, monkeypatch) -> None:
    import json

    from starlette.testclient import TestClient

    from publisher.serving.app import create_app

    files = tmp_path / "files"
    url = target.engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-m", "publisher", "publish", "--store", str(tiny_store.url),
         "--target", url, "--as-of", as_of.isoformat(), "--quiet"],
        capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((files / "downloads" / "latest" / "manifest.json").read_text())
    poi_all = next(f for f in manifest["files"] if f["name"] == f"vlok-poi-{as_of}.gpkg")
    with target.engine.connect() as conn:
        published = conn.scalar(text(
            f'SELECT count(*) FROM "{target.current("poi").schema}".poi'))
    assert poi_all["features"] == published
    assert list((files / ".mirror").glob("*.gpkg")) == []  # the mirror is dropped after use
    with TestClient(create_app(url)) as client:
        assert client.get("/downloads/manifest.json").json()["files"] == manifest["files"]
        runs = client.get(f"/api/v1/changes?since={as_of - timedelta(days=1)}").json()["runs"]
    assert runs and sum(len(c["added"]) for c in runs[-1]["changes"].values()) == published
