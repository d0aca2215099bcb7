"""Issue 17 on PostGIS: abandoned downloads, a full pool and a frozen worker.

A real uvicorn server over the session's PostGIS publication with a deliberately small pool
(2 + 3 connections, 3 s pool timeout), so that a handful of stalled ``COUNT=10000`` downloads
would exhaust it if a stream held its connection while waiting on the client. Every server
session is tagged with an ``application_name``, so ``pg_stat_activity`` shows exactly ours.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text
from stall_probes import (
    DOWNLOAD,
    SEND_TIMEOUT,
    assert_nobody_starved,
    probe_paths,
    report,
    serve_small_buffers,
    stall,
    stalled_client,
)

from publisher.serving.app import create_app
from publisher.serving.ogcapi.provider import reader_for
from publisher.serving.publications import PgDatabase, PoolExhausted

pytestmark = pytest.mark.postgis

APP_NAME = "vlok_stall_test"
#: A pool the issue's 60 stalled and 25 abandoned downloads would exhaust many times over.
POOL = {"VLOK_SERVING_POOL_SIZE": "2", "VLOK_SERVING_POOL_OVERFLOW": "3",
        "VLOK_SERVING_POOL_TIMEOUT": "3"}


@pytest.fixture(scope="module")
def small_pool(pg_url: str, serve_app) -> Iterator[tuple[str, str]]:
    """(base URL, publication source) of an app whose pool holds 5 connections at most."""
    saved = {k: os.environ.get(k) for k in POOL}
    os.environ.update(POOL)
    source = f"{pg_url}?application_name={APP_NAME}"  # its own reader, so its own pool
    try:
        app = create_app(source)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    with serve_small_buffers(serve_app, app) as base:
        yield base, source


def sessions(pg_url: str) -> dict[str, int]:
    """Our server's sessions by state, as PostgreSQL sees them."""
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT coalesce(state, '?'), count(*) FROM pg_stat_activity "
                "WHERE application_name = :app GROUP BY 1"), {"app": APP_NAME}).all()
    finally:
        engine.dispose()
    return dict(rows)


def test_stalled_and_abandoned_downloads_starve_no_one(small_pool, pg_url, monkeypatch):
    monkeypatch.setenv("VLOK_SERVING_SEND_TIMEOUT_SECONDS", str(SEND_TIMEOUT))
    base, _ = small_pool
    before = sessions(pg_url)
    with httpx.Client(base_url=base, timeout=15) as client:
        outcome = stall(base, client, observe=lambda moment: sessions(pg_url))
    print(f"\nsessions before {before}\n" + report(outcome))
    assert_nobody_starved(outcome)
    for moment, seen in outcome.watch.items():
        assert seen.get("idle in transaction", 0) == 0, (moment, seen)


def test_a_full_pool_answers_503_with_retry_after_and_metrics_stay_fast(small_pool):
    base, source = small_pool
    database = reader_for(source).database
    with httpx.Client(base_url=base, timeout=15) as client:
        lookup = probe_paths(client)[-1]  # also loads the pointer
        held = []
        try:
            while True:  # every connection of the pool, taken by the test
                try:
                    held.append(database.checkout())
                except PoolExhausted:
                    break
            assert len(held) == 5
            t0 = time.monotonic()
            assert client.get("/metrics").status_code == 200
            assert time.monotonic() - t0 < 1.0
            health = client.get("/health")
            assert health.status_code == 200, health.text
            assert health.json()["pool"]["checked_out"] == 5
            assert health.json()["pool"]["saturated"] is True
            filtered = (f"{DOWNLOAD.replace('10000', '5')}"
                        "&CQL_FILTER=PRODUCT%3D%27conformiteitsattest%27")
            for path in (filtered, "/ogc/collections/poi/items?limit=5&f=json",
                         lookup):
                answer = client.get(path)
                assert answer.status_code == 503, (path, answer.status_code, answer.text)
                assert answer.headers.get("Retry-After"), path
        finally:
            for handle in held:
                handle.close()
        assert client.get(filtered).status_code == 200
        assert client.get("/health").json()["pool"]["saturated"] is False


def test_a_pool_timeout_is_publication_unavailable_not_an_attribute_error(pg_url):
    database = PgDatabase(pg_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    try:
        first = database.checkout()
        with pytest.raises(PoolExhausted):
            database.checkout()
        first.close()
        database.checkout().close()
    finally:
        database.dispose()


def test_streams_past_the_cap_get_503_at_once(pg_url, monkeypatch, serve_app):
    monkeypatch.setenv("VLOK_SERVING_MAX_STREAMS", "2")
    app = create_app(f"{pg_url}?application_name={APP_NAME}_cap")
    with serve_small_buffers(serve_app, app) as base, \
            httpx.Client(base_url=base, timeout=15) as client:
        stalled = [stalled_client(base) for _ in range(2)]
        try:
            time.sleep(0.5)
            t0 = time.monotonic()
            refused = client.get(DOWNLOAD)
            assert refused.status_code == 503 and time.monotonic() - t0 < 2.0
            assert refused.headers["Retry-After"]
            assert client.get("/ogc/collections/poi/items?limit=5&f=json").status_code == 200
        finally:
            for sock in stalled:
                sock.close()
        deadline = time.monotonic() + 10
        while client.get(DOWNLOAD.replace("10000", "5")).status_code != 200:
            assert time.monotonic() < deadline, "a slot was never given back"
            time.sleep(0.2)
