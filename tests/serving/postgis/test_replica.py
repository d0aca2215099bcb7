"""Serving from a real streaming replica: switch visible within the lag, 503 when behind.

A hot standby of the test server's cluster is made on this machine (Debian's
``pg_createcluster`` + ``pg_basebackup -R``), the app serves from it, the publish job writes to
the primary. Proves: a switch on the primary is served by the replica within the replication
lag (reported in ``/health``); with replay paused past ``serving_max_replica_lag_seconds``,
``/health`` and every surface answer 503 + Retry-After (never the old publication presented as
current, never a mix); resumed, it is healthy again and serves the newest run; with the replica
down, a libpq host list ``replica,primary`` fails over to the primary, a replica-only URL is 503.

Needs root (to create and drop a cluster) and ``pg_createcluster``; skipped otherwise. The
primary's ``pg_hba.conf`` gets a ``host replication`` trust line for 127.0.0.1 when it has none,
removed again in teardown.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from publisher.config import multi_host_url
from publisher.serving.app import create_app
from publisher.serving.publications import PostGISReader

from .conftest import publish_into

VERSION = "15"
PRIMARY = ("127.0.0.1", 5432)
PG_BIN = Path(f"/usr/lib/postgresql/{VERSION}/bin")
#: Replica lag tolerated in this test (seconds): small, so "behind" shows quickly.
MAX_LAG = 2.0
#: Settings a hot standby needs at least as high as its primary's.
COPIED = ("max_connections", "max_worker_processes", "max_wal_senders",
          "max_prepared_transactions", "max_locks_per_transaction")
HBA_LINE = "host replication all 127.0.0.1/32 trust  # vlok test_replica (removed after)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _conninfo(port: int, dbname: str = "postgres") -> str:
    return f"host=127.0.0.1 port={port} user=postgres dbname={dbname} connect_timeout=3"


def _sql(port: int, sql: str, dbname: str = "postgres") -> list[tuple]:
    with psycopg.connect(_conninfo(port, dbname), autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else []


def _run(*cmd: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{' '.join(cmd)}: {done.stdout}\n{done.stderr}"


def _wait(what: str, check: Callable[[], object], timeout: float) -> tuple[object, float]:
    """Poll ``check`` until it returns something truthy; return it and the seconds it took."""
    start = time.monotonic()
    while True:
        got = check()
        if got:
            return got, time.monotonic() - start
        assert time.monotonic() - start < timeout, f"{what}: not within {timeout} s"
        time.sleep(0.1)


def _skip_unless_possible() -> None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("making a replica cluster needs root (pg_createcluster, pg_hba.conf)")
    if shutil.which("pg_createcluster") is None or not (PG_BIN / "pg_basebackup").exists():
        pytest.skip("Debian's pg_createcluster / PostgreSQL 15 pg_basebackup not installed")
    try:
        settings = dict(_sql(PRIMARY[1], "SELECT name, setting FROM pg_settings WHERE name IN "
                                         "('wal_level', 'max_wal_senders', 'hba_file')"))
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {PRIMARY}: {exc}")
    if settings["wal_level"] not in ("replica", "logical") or int(settings["max_wal_senders"]) < 1:
        pytest.skip(f"primary cannot stream WAL: {settings}")



@dataclass
class Replica:
    """A running hot standby of the test server's cluster."""

    name: str
    port: int

    def stop(self) -> None:
        _run("pg_ctlcluster", VERSION, self.name, "stop", "-m", "fast")


def _allow_replication(hba: Path) -> str | None:
    """Add a trust ``host replication`` line for 127.0.0.1 unless one exists; the old text."""
    original = hba.read_text(encoding="utf-8")
    for line in original.splitlines():
        words = line.split("#", 1)[0].split()
        if (len(words) >= 5 and words[:2] == ["host", "replication"]
                and words[3] in ("127.0.0.1/32", "all", "0.0.0.0/0") and words[4] == "trust"):
            return None
    hba.write_text(original.rstrip("\n") + "\n" + HBA_LINE + "\n", encoding="utf-8")
    _sql(PRIMARY[1], "SELECT pg_reload_conf()")
    return original


@pytest.fixture(scope="module")
def replica() -> Iterator[Replica]:
    """A streaming replica of the test server on a free port, dropped at the end.

    Concurrent test sessions on this machine take turns (a lock file): each edits and restores
    the primary's ``pg_hba.conf``.
    """
    _skip_unless_possible()
    with open("/tmp/vlok-test-replica.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield from _replica()


def _replica() -> Iterator[Replica]:
    hba = Path(_sql(PRIMARY[1], "SHOW hba_file")[0][0])
    copied = dict(_sql(PRIMARY[1], "SELECT name, setting FROM pg_settings WHERE name = ANY("
                                   f"ARRAY{list(COPIED)!r})"))
    name, port = f"vlok_replica_{uuid.uuid4().hex[:8]}", _free_port()
    original_hba = _allow_replication(hba)
    try:
        options = [arg for key, value in copied.items() for arg in ("-o", f"{key}={value}")]
        _run("pg_createcluster", VERSION, name, "--port", str(port), *options,
             "-o", "hot_standby=on", "-o", "wal_retrieve_retry_interval=1s")
        config = Path(f"/etc/postgresql/{VERSION}/{name}")
        (config / "pg_hba.conf").write_text("local all all trust\n"
                                            "host all all 127.0.0.1/32 trust\n")
        data = Path(f"/var/lib/postgresql/{VERSION}/{name}")
        for entry in data.iterdir():  # the directory stays (owner postgres, mode 0700)
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        _run("runuser", "-u", "postgres", "--", str(PG_BIN / "pg_basebackup"), "-h", PRIMARY[0],
             "-p", str(PRIMARY[1]), "-U", "postgres", "-D", str(data), "-R", "-X", "stream",
             "--checkpoint=fast")
        _run("pg_ctlcluster", VERSION, name, "start")
        _wait("replica accepting connections", lambda: _try(lambda: _sql(
            port, "SELECT pg_is_in_recovery()")[0][0]), 30)
        yield Replica(name, port)
    finally:
        subprocess.run(["pg_dropcluster", "--stop", VERSION, name], capture_output=True,
                       timeout=120, check=False)
        if original_hba is not None:
            hba.write_text(original_hba, encoding="utf-8")
            _sql(PRIMARY[1], "SELECT pg_reload_conf()")


def _try(read: Callable[[], object]) -> object:
    try:
        return read()
    except psycopg.Error:
        return None


def _health(client: httpx.Client) -> tuple[int, dict]:
    try:
        response = client.get("/health")
    except httpx.HTTPError:
        return 0, {}
    return response.status_code, response.json()


def _primary_run(dbname: str) -> str:
    return _sql(PRIMARY[1], "SELECT run_id FROM vlok_publication.current "
                            "WHERE dataset = 'poi'", dbname)[0][0]


def test_replica_serves_within_lag_and_503s_when_behind(replica, make_database, demo_store,
                                                        serving_as_of, serve_app,
                                                        monkeypatch):
    timings: dict[str, float] = {}
    monkeypatch.setenv("VLOK_SERVING_MAX_REPLICA_LAG_SECONDS", str(MAX_LAG))
    primary_url = make_database()
    dbname = primary_url.rsplit("/", 1)[1]
    publish_into(primary_url, demo_store, serving_as_of)
    first = _primary_run(dbname)
    # The new database reaches the replica like any other write.
    _wait("database on the replica", lambda: _try(lambda: _sql(
        replica.port, "SELECT run_id FROM vlok_publication.current", dbname)), 30)
    replica_url = f"postgresql+psycopg://postgres@127.0.0.1:{replica.port}/{dbname}"
    failover_url = (f"postgresql+psycopg://postgres@127.0.0.1:{replica.port},"
                    f"127.0.0.1:{PRIMARY[1]}/{dbname}?connect_timeout=2")
    with serve_app(create_app(replica_url)) as base, \
            serve_app(create_app(failover_url)) as failover_base, \
            httpx.Client(base_url=base, timeout=30) as client, \
            httpx.Client(base_url=failover_base, timeout=30) as failover:
        status, health = _health(client)
        assert status == 200, health
        db = health["database"]
        assert db["role"] == "replica" and db["receiving"] is True, db
        assert db["server"] == f"127.0.0.1:{replica.port}" and db["behind"] is None, db
        assert health["datasets"]["poi"]["run_id"] == first
        assert _health(failover)[1]["database"]["role"] == "replica"  # first host first

        # 1. A publication switched on the primary is served by the replica within the lag.
        publish_into(primary_url, demo_store, serving_as_of)
        second = _primary_run(dbname)
        switched = time.monotonic()
        _, timings["switch_visible_s"] = _wait(
            "new run served by the replica",
            lambda: _health(client)[1].get("datasets", {}).get("poi", {}).get("run_id")
            == second, 15)
        status, health = _health(client)
        assert status == 200 and health["database"]["lag_seconds"] < MAX_LAG, health
        items = client.get("/ogc/collections/poi/items", params={"limit": "5"})
        assert items.status_code == 200 and len(items.json()["features"]) == 5
        matched = items.json()["numberMatched"]
        assert matched == health["datasets"]["poi"]["features"]

        # 2. Replay paused, the primary switches again: past the max lag, 503 everywhere.
        _sql(replica.port, "SELECT pg_wal_replay_pause()")
        publish_into(primary_url, demo_store, serving_as_of)
        third = _primary_run(dbname)
        paused = time.monotonic()
        (status, health), timings["behind_reported_s"] = _wait(
            "replica reported behind", lambda: (lambda h: h if h[0] == 503 else None)(
                _health(client)), MAX_LAG + 15)
        db = health["database"]
        assert health["status"] == "lagging" and db["role"] == "replica", health
        assert db["lag_seconds"] > MAX_LAG and db["replay_paused"] is True, db
        assert "replay lag" in db["behind"], db
        # What the replica holds is shown, and it is not presented as current: 503.
        assert health["datasets"]["poi"]["run_id"] == second != third
        for path, params in (("/ogc/collections/poi/items", {"limit": "5"}),
                             ("/wfs", {"SERVICE": "WFS", "VERSION": "2.0.0",
                                       "REQUEST": "GetFeature", "TYPENAMES": "POI:POI",
                                       "COUNT": "5"}),
                             ("/api/v1/kaart", {})):
            refused = client.get(path, params=params)
            assert refused.status_code == 503, (path, refused.status_code, refused.text[:300])
            assert int(refused.headers["Retry-After"]) > 0, path
        assert client.get("/health").headers["Retry-After"]

        # 3. Replay resumed: healthy again, serving the newest run.
        _sql(replica.port, "SELECT pg_wal_replay_resume()")
        _, timings["recovered_s"] = _wait(
            "replica healthy again", lambda: (lambda h: h[0] == 200 and h[1]["datasets"][
                "poi"]["run_id"] == third)(_health(client)), 15)
        items = client.get("/ogc/collections/poi/items", params={"limit": "5"})
        assert items.status_code == 200 and items.json()["numberMatched"] == matched

        # 4. Replica down: a replica-only URL is 503; the host list fails over to the primary.
        replica.stop()
        _, timings["down_reported_s"] = _wait(
            "replica down reported", lambda: _health(client)[0] == 503, 15)
        status, health = _health(client)
        assert health["status"] == "unavailable" and health["database"]["reachable"] is False
        assert client.get("/ogc/collections/poi/items",
                          params={"limit": "5"}).status_code == 503
        (status, health), timings["failover_s"] = _wait(
            "failover to the primary", lambda: (lambda h: h if h[0] == 200 and h[1][
                "database"]["role"] == "primary" else None)(_health(failover)), 15)
        assert health["database"]["server"] == f"127.0.0.1:{PRIMARY[1]}", health
        assert health["datasets"]["poi"]["run_id"] == third
        items = failover.get("/ogc/collections/poi/items", params={"limit": "5"})
        assert items.status_code == 200 and items.json()["numberMatched"] == matched
    timings["paused_for_s"] = time.monotonic() - paused
    timings["since_first_switch_s"] = time.monotonic() - switched
    print("replica timings:", {k: round(v, 2) for k, v in timings.items()})


def test_multi_host_url_is_rewritten_for_sqlalchemy():
    url = "postgresql+psycopg://u:p@h1:5433,h2:5432/pub?connect_timeout=2"
    assert multi_host_url(url) == ("postgresql+psycopg://u:p@/pub?host=h1:5433&host=h2:5432"
                                   "&connect_timeout=2")
    single = "postgresql+psycopg://u@h1:5433/pub"
    assert multi_host_url(single) == single
    query = "postgresql+psycopg://u@/pub?host=h1:5433&host=h2"
    assert multi_host_url(query) == query


class _Reader(PostGISReader):
    """Only the replication-state logic, no database."""

    def __init__(self, max_lag: float) -> None:  # no pool
        self.max_replica_lag = max_lag
        self._behind_since = self._deaf_since = None


def test_idle_primary_is_not_lag_and_a_lost_receiver_is():
    reader = _Reader(2.0)
    # Primary idle for an hour, then one write being replayed: not an hour behind.
    state = reader._replication_state((True, "127.0.0.1", 5433, True, 3600.0, True,
                                       "not paused"))
    assert state["role"] == "replica" and state["lag_seconds"] < 1 and state["behind"] is None
    # Everything received is replayed: no lag whatever the last commit's age.
    state = reader._replication_state((True, "127.0.0.1", 5433, False, 3600.0, True,
                                       "not paused"))
    assert state["lag_seconds"] == 0 and state["behind"] is None
    # No WAL receiver: tolerated up to the max lag, then behind.
    assert reader._replication_state((True, None, None, False, 5.0, False,
                                      "not paused"))["behind"] is None
    reader._deaf_since -= 3  # type: ignore[operator]
    state = reader._replication_state((True, None, None, False, 5.0, False, "not paused"))
    assert state["receiving"] is False and "no WAL received" in state["behind"]
    assert reader._replication_state((False, "127.0.0.1", 5432, False, None, False,
                                      None)) == {"role": "primary", "server": "127.0.0.1:5432",
                                                 "reachable": True, "behind": None}
