"""Fixtures for serving tests: a real publication and a real HTTP server on 127.0.0.1.

``publication_dir`` builds a small synthetic Flanders into SQLite and publishes it once per
test session (POI and the policy dataset). ``run_server(app)`` serves any ASGI app with uvicorn
in a background thread on a free loopback port and yields its base URL.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import uvicorn

from publisher.commands.publish import downloads_after_switch
from publisher.publication.directory import DirectoryTarget
from publisher.publication.run import publish_poi, publish_policy
from publisher.store.db import open_engine
from publisher.synthetic.generator import build_demo

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> str:
    """URL of a small synthetic Flanders (seed 11, histories until AS_OF)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'vlok.sqlite'}"
    build_demo(open_engine(url), units=3000, seed=11, until=AS_OF, quiet=True)
    return url


@pytest.fixture(scope="session")
def publication_dir(demo_store, tmp_path_factory) -> Path:
    """A publication directory with the POI and policy datasets published as of AS_OF."""
    root = tmp_path_factory.mktemp("publication")
    target = DirectoryTarget(root)
    engine = open_engine(demo_store)
    follow_up = downloads_after_switch(target, AS_OF, 30, True)  # as the CLI wires it
    publish_poi(engine, target, AS_OF, store=demo_store, quiet=True, after_switch=follow_up)
    publish_policy(engine, target, AS_OF, store=demo_store, quiet=True, after_switch=follow_up)
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def run_server(app) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a thread; yield ``http://127.0.0.1:<port>``."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="auto"))
    thread = threading.Thread(target=server.run, daemon=True)
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
