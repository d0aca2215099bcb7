"""A paged harvest reads one publication end to end, across a switch and across serve nodes.

Two ``vlok-publisher serve`` processes (two nodes) over one publication directory, and two
over one PostGIS publication database (the production path). A client
pages by ``next`` links: page one from node A, then the daily publish switches, then node B
answers the next page. The ``next`` link names the publication of page one, so page two is
read from it, not from the new one; a harvest started after the switch reads the new one;
once the old publication is pruned its links answer 410 (start again), never a mixed answer.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import psycopg
import pytest

from publisher.publication.directory import DirectoryTarget
from publisher.publication.postgis import PostGISTarget
from publisher.publication.run import publish_poi
from publisher.store.db import open_engine
from publisher.synthetic.generator import build_demo

DAY_1, DAY_2 = date(2026, 11, 23), date(2026, 11, 24)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
PAGE = 40


class Site:
    """A store and one publication target (directory or PostGIS), with day 1 published."""

    def __init__(self, root: Path, kind: str, make_database) -> None:
        self.store = f"sqlite:///{root / 'vlok.sqlite'}"
        build_demo(open_engine(self.store), units=600, seed=7, until=DAY_1, quiet=True)
        self.kind = kind
        self.directory = root / "publication"
        self.url = make_database() if kind == "postgis" else None
        self.publish(DAY_1)

    @property
    def source(self) -> str:
        """What ``serve --publication`` is given."""
        return self.url or str(self.directory)

    def target(self):
        return (PostGISTarget(open_engine(self.url)) if self.url
                else DirectoryTarget(self.directory))

    def publish(self, day: date) -> None:
        target = self.target()
        publish_poi(open_engine(self.store), target, day, store=self.store, quiet=True)
        if self.url:
            target.engine.dispose()

    def current_run(self) -> str:
        if self.url:
            with psycopg.connect(libpq(self.url)) as conn:
                return conn.execute("SELECT run_id FROM vlok_publication.current "
                                    "WHERE dataset = 'poi'").fetchone()[0]
        return json.loads((self.directory / "current.json").read_text())["poi"]["run_id"]

    def poids_of(self, run_id: str) -> list[str]:
        """Every POID of one publication, in publication (fid) order."""
        if self.url:
            with psycopg.connect(libpq(self.url)) as conn:
                return [r[0] for r in conn.execute(
                    f'SELECT "POID" FROM "pub_poi_{run_id.lower()}".poi ORDER BY fid')]
        (path,) = (self.directory / "publications").glob(f"poi-*-{run_id}.gpkg")
        with sqlite3.connect(path) as db:
            return [r[0] for r in db.execute('SELECT "POID" FROM poi ORDER BY fid')]

    def prune(self, run_id: str) -> None:
        """What the retention does to an old publication."""
        if self.url:
            with psycopg.connect(libpq(self.url), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "pub_poi_{run_id.lower()}" CASCADE')
            return
        (old,) = (self.directory / "publications").glob(f"poi-*-{run_id}.gpkg")
        old.unlink()


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="module", params=["directory", "postgis"])
def site(request, tmp_path_factory, make_database) -> Site:
    return Site(tmp_path_factory.mktemp("harvest"), request.param, make_database)


@pytest.fixture(scope="module")
def nodes(site):
    """Two serve processes on the same publication: the two nodes behind a load balancer."""
    exe = Path(sys.executable).with_name("vlok-publisher")
    procs, bases = [], []
    for _ in range(2):
        port = free_port()
        procs.append(subprocess.Popen(
            [str(exe), "serve", "--publication", site.source, "--port", str(port),
             "--workers", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "VLOK_INDEX_DIR": str(site.directory.parent / f"idx{port}")},
            start_new_session=True))
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 90
    for base in bases:
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.3)
    yield bases
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=30)


def wfs_page(url: str, **params: str) -> tuple[list[str], str | None]:
    r = httpx.get(url, params=params or None, timeout=60)
    assert r.status_code == 200, r.text[:300]
    doc = r.json()
    nxt = next((link["href"] for link in doc.get("links", []) if link["rel"] == "next"), None)
    return [f["properties"]["POID"] for f in doc["features"]], nxt


def ogc_page(url: str, **params: str) -> tuple[list[str], str | None]:
    r = httpx.get(url, params=params or None, timeout=60)
    assert r.status_code == 200, r.text[:300]
    doc = r.json()
    nxt = next((link["href"] for link in doc["links"] if link["rel"] == "next"), None)
    return [f["id"] for f in doc["features"]], nxt


def on_node(link: str, base: str) -> str:
    """The same link sent to another node (the load balancer's choice)."""
    return base + link[link.index("/", len("http://")):]


def test_a_harvest_reads_one_publication_across_a_switch_and_two_nodes(site, nodes):
    node_a, node_b = nodes
    day_1 = site.current_run()
    wfs_first, wfs_next = wfs_page(
        f"{node_a}/wfs", SERVICE="WFS", VERSION="2.0.0", REQUEST="GetFeature",
        TYPENAMES="POI:POI", COUNT=str(PAGE), OUTPUTFORMAT="application/json")
    ogc_first, ogc_next = ogc_page(f"{node_a}/ogc/collections/poi/items", limit=str(PAGE))
    assert wfs_next and ogc_next and f"PUBLICATION={day_1}" in wfs_next
    assert f"publication={day_1}" in ogc_next

    site.publish(DAY_2)
    day_2 = site.current_run()
    assert day_2 != day_1
    time.sleep(1.5)  # past the PostGIS reader's pointer TTL (1 s): both nodes see day 2

    expected = site.poids_of(day_1)[:2 * PAGE]
    wfs_second, _ = wfs_page(on_node(wfs_next, node_b))
    assert wfs_first + wfs_second == expected
    ogc_second, _ = ogc_page(on_node(ogc_next, node_b))
    assert ogc_first + ogc_second == expected

    # A harvest started after the switch reads the new publication, on either node.
    fresh, fresh_next = ogc_page(f"{node_b}/ogc/collections/poi/items", limit=str(PAGE))
    assert fresh == site.poids_of(day_2)[:PAGE]
    assert f"publication={day_2}" in (fresh_next or "")

    # Day 1 pruned: its links say so (410), never an answer from day 2.
    site.prune(day_1)
    for link in (on_node(wfs_next, node_a), on_node(ogc_next, node_a)):
        r = httpx.get(link, timeout=60)
        assert r.status_code == 410, r.text[:300]
        assert day_1 in r.text and "again" in r.text


def test_a_publication_parameter_that_is_not_a_run_id_is_a_410_naming_it(nodes):
    r = httpx.get(f"{nodes[0]}/ogc/collections/poi/items",
                  params={"publication": "../../etc/passwd"}, timeout=30)
    assert r.status_code == 410 and "etc/passwd" in r.json()["description"]
