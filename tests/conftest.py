"""Shared fixtures: real stores on SQLite files and on the PostgreSQL/PostGIS server.

PostGIS tests use a throw-away database per test session on 127.0.0.1:5432 (override with
``VLOK_TEST_PG``, a server URL without database). They fail, not skip, when the server is
missing: CI installs PostGIS and must prove both backends.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
import uvicorn
from sqlalchemy import Engine, create_engine, text

from publisher.serving import protocol
from publisher.store.db import open_engine
from publisher.store.migrate import upgrade

PG_SERVER = os.environ.get("VLOK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


@pytest.fixture(scope="session")
def make_database() -> Iterator[Callable[[], str]]:
    """Factory of fresh databases on the PostGIS server, all dropped at the end."""
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make() -> str:
        name = f"vlok_test_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return f"{PG_SERVER}/{name}"

    yield make
    with admin.connect() as conn:
        for name in made:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
            ), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgis_server_url(make_database) -> str:
    """URL of a fresh database on the PostGIS server for the store tests."""
    return make_database()


@pytest.fixture(scope="session")
def postgis_engine(postgis_server_url: str) -> Iterator[Engine]:
    """A migrated PostGIS store shared by the session; tests clean their own rows."""
    engine = open_engine(postgis_server_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    """A migrated SQLite store in a fresh file."""
    engine = open_engine(f"sqlite:///{tmp_path / 'vlok.sqlite'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def wipe(engine: Engine) -> None:
    """Empty every store table (children first) so a shared PostGIS store starts clean."""
    from publisher.store.models import Base

    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def wipe_store():
    """The ``wipe`` function, for tests that share the PostGIS store."""
    return wipe


@pytest.fixture(params=["sqlite", "postgis"])
def store(request) -> Iterator[Engine]:
    """Each test using it runs once on SQLite and once on PostGIS."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_engine")
    else:
        engine = request.getfixturevalue("postgis_engine")
        wipe(engine)
        yield engine
        wipe(engine)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _run_server(app, sock: socket.socket | None = None) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 in a thread, as a worker does; yield its URL.

    ``sock``: an already bound listening socket to serve on (e.g. with small buffers).
    """
    port = sock.getsockname()[1] if sock is not None else free_port()
    # The HTTP edge of ``vlok-publisher serve``: our protocol (JSON 400, send timeout) and loop.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="auto", http=protocol.PROTOCOL,
                                           loop=protocol.LOOP))
    thread = threading.Thread(target=server.run, daemon=True,
                              kwargs={"sockets": [sock]} if sock is not None else {})
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve_app() -> Callable[..., AbstractContextManager[str]]:
    """``with serve_app(asgi_app) as base_url:`` a real HTTP server on 127.0.0.1."""
    return _run_server


#: Debian's Chromium, driven by Playwright's Python package (never ``playwright install``).
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def playwright() -> Iterator[object]:
    """One Playwright per test process, for every browser test.

    Playwright's sync API runs its own event loop: a second ``sync_playwright()`` while one is
    alive in the process fails ("Sync API inside the asyncio loop"), so each area launches
    its Chromium from this one. The viewer's vendored files (and axe-core) are built first.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    from publisher.serving.viewer import build

    if not build.is_built() or not build.AXE.is_file():
        build.build()
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(autouse=True, scope="module")
def _close_publication_pools() -> Iterator[None]:
    """After each module, close the PostGIS pools its apps kept (they reopen on demand).

    Serving pools keep every connection they open; over a whole suite, with both xdist
    workers' modules, those idle sessions filled PostgreSQL's 100 ``max_connections`` while
    a load test's server needed its own.
    """
    yield
    from publisher.serving.ogcapi.provider import close_readers

    close_readers()
