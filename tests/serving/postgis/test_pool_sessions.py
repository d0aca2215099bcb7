"""Issue "Production on PostGIS": a worker keeps its connections, and leaves no session state.

A real uvicorn server over the session's PostGIS publication, its own pool (tagged with an
``application_name``). After a warm-up that opens every connection the pool may hold, 300
requests from 32 concurrent clients (OGC API items, WFS GetFeature, ``/health``, the lookup)
must open no PostgreSQL session: ``pg_stat_database.sessions`` (sessions established, PostgreSQL
14+) must not grow, and no backend of ours may have started meanwhile. The old pool (4 kept,
16 overflow connections closed on return) opened sessions all the time under such load.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import psycopg
import pytest
from stall_probes import probe_paths

from publisher.serving.app import create_app
from publisher.serving.ogcapi.provider import reader_for
from publisher.serving.publications import PgDatabase

pytestmark = pytest.mark.postgis

APP_NAME = "vlok_pool_sessions"
CLIENTS, REQUESTS = 32, 300


def libpq(url: str) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL as a libpq one."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class SessionCounter:
    """One connection of the test's own, opened before the count starts (so not counted)."""

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(libpq(url), autocommit=True)

    def established(self) -> int:
        """Sessions established on this database so far (``pg_stat_database.sessions``)."""
        self.conn.execute("SELECT pg_stat_clear_snapshot()")
        return int(self.conn.execute("SELECT sessions FROM pg_stat_database "
                                     "WHERE datname = current_database()").fetchone()[0])

    def now(self) -> datetime:
        return self.conn.execute("SELECT clock_timestamp()").fetchone()[0]

    def ours_started_since(self, since: datetime) -> int:
        """Backends of the server under test started after ``since`` (still open)."""
        return int(self.conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
            "AND backend_type = 'client backend' AND backend_start > %s",  # no parallel workers
            [APP_NAME, since]).fetchone()[0])

    def close(self) -> None:
        self.conn.close()


@pytest.fixture(scope="module")
def server(pg_url: str, serve_app) -> Iterator[tuple[str, str]]:
    """(base URL, publication source) of an app with its own pool (default settings)."""
    source = f"{pg_url}?application_name={APP_NAME}"
    with serve_app(create_app(source)) as base:
        yield base, source


@pytest.fixture()
def counter(pg_url: str) -> Iterator[SessionCounter]:
    counting = SessionCounter(pg_url)
    try:
        yield counting
    finally:
        counting.close()


def load(base: str, paths: list[str], requests: int) -> list[tuple[str, int]]:
    """``requests`` GETs cycling over ``paths`` from :data:`CLIENTS` concurrent clients."""
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    with httpx.Client(base_url=base, timeout=60, limits=limits) as client, \
            ThreadPoolExecutor(CLIENTS) as pool:
        def get(path: str) -> tuple[str, int]:
            return path, client.get(path).status_code
        return list(pool.map(get, [paths[i % len(paths)] for i in range(requests)]))


def test_steady_load_opens_no_new_sessions(server, counter):
    base, source = server
    database = reader_for(source).database
    with httpx.Client(base_url=base, timeout=60) as client:
        paths = [p for p in probe_paths(client) if p != "/metrics"]
        paths.append("/ogc/collections/poi/items?limit=100&f=json")
        limit = client.get("/health").json()["pool"]["size"]
        assert limit >= CLIENTS  # default: the worker's thread pool
        # Warm-up: every connection the pool may hold, opened at once and given back, then a
        # round of the request mix at full concurrency.
        held = [database.checkout() for _ in range(limit)]
        for handle in held:
            handle.close()
        warm = load(base, paths, 2 * CLIENTS)
        assert all(status == 200 for _, status in warm), warm
        warmed = client.get("/health").json()["pool"]

        time.sleep(1.5)  # backends report their statistics at most once a second
        before, since = counter.established(), counter.now()
        t0 = time.monotonic()
        answers = load(base, paths, REQUESTS)
        seconds = time.monotonic() - t0
        time.sleep(1.5)
        opened = counter.established() - before
        started = counter.ours_started_since(since)
        after = client.get("/health").json()["pool"]
    print(f"\n{REQUESTS} requests from {CLIENTS} clients in {seconds:.1f} s: "
          f"{opened} sessions established, {started} of ours started; pool {after}")
    assert [a for a in answers if a[1] != 200] == []
    assert opened == 0, f"{opened} PostgreSQL sessions opened by {REQUESTS} requests"
    assert started == 0
    # /health tells the truth: every connection kept, none opened by the load, none in use.
    assert warmed["open"] == after["open"] == limit, (warmed, after)
    assert after["opened"] == warmed["opened"], (warmed, after)
    assert after["checked_out"] == 0 and after["saturated"] is False, after


def test_settings_are_per_transaction_and_nothing_is_prepared(pg_url):
    """Timeouts and read-only end with the transaction: PgBouncer's transaction mode works."""
    database = PgDatabase(pg_url, pool_size=1, max_overflow=0, statement_timeout_ms=250,
                          idle_in_transaction_timeout_ms=4000)
    try:
        for _ in range(10):  # more than psycopg's default prepare_threshold (5)
            with database.connection() as conn:
                assert conn.execute("SHOW statement_timeout").fetchone()[0] == "250ms"
                assert conn.execute("SHOW transaction_read_only").fetchone()[0] == "on"
                assert conn.execute("SHOW idle_in_transaction_session_timeout"
                                    ).fetchone()[0] == "4s"
                conn.execute("SELECT count(*) FROM pg_class WHERE relpages > %s", [0])
        with database.connection() as conn:
            with pytest.raises(psycopg.errors.QueryCanceled):
                conn.execute("SELECT pg_sleep(2)")
        with database.connection(search_path="pg_catalog") as conn:
            assert conn.execute("SHOW search_path").fetchone()[0] == "pg_catalog, public"
        handle = database.checkout()
        try:
            conn = handle.conn
            conn.rollback()  # out of the checkout's transaction: the session's own values
            conn.autocommit = True
            assert conn.execute("SHOW statement_timeout").fetchone()[0] == "0"
            assert conn.execute("SHOW default_transaction_read_only").fetchone()[0] == "off"
            assert conn.execute("SHOW search_path").fetchone()[0] == '"$user", public'
            assert conn.execute("SELECT count(*) FROM pg_prepared_statements"
                                ).fetchone()[0] == 0
            conn.autocommit = False
        finally:
            handle.close()
        assert database.pool_status()["opened"] == 1
    finally:
        database.dispose()


def test_connections_the_server_closed_are_replaced(pg_url, counter):
    name = f"{APP_NAME}_dead"
    database = PgDatabase(f"{pg_url}?application_name={name}", pool_size=3, max_overflow=0)
    try:
        held = [database.checkout() for _ in range(3)]
        for handle in held:
            handle.close()
        killed = counter.conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s", [name]).fetchone()[0]
        assert killed == 3
        time.sleep(0.2)
        with database.connection() as conn:
            assert conn.execute("SELECT 1").fetchone()[0] == 1
        assert database.pool_status()["open"] == 1
    finally:
        database.dispose()


def test_idle_in_transaction_timeout_is_per_transaction_and_the_pool_recovers(pg_url):
    database = PgDatabase(pg_url, pool_size=2, max_overflow=0,
                          idle_in_transaction_timeout_ms=300)
    try:
        handle = database.checkout()
        time.sleep(0.8)  # a request that went quiet inside its transaction
        with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout):
            handle.conn.execute("SELECT 1")
        handle.close()  # discarded, not rolled back
        assert database.pool_status()["open"] == 0
        with database.connection() as conn:
            assert conn.execute("SELECT 1").fetchone()[0] == 1
        assert database.pool_status()["open"] == 1
    finally:
        database.dispose()
