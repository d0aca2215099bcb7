"""A stream of several publication days of a small demo store, changed between days.

The store changes as it does in production: time passes (certificates reach their tenth
anniversary and disappear) and the operations of ``vlok-publisher op`` add facts (a CA issued,
a unit declared unfit, which also ends its CA). Each day is published as the CLI wires it
(download files and the event stream in the follow-up), against a directory target.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from publisher.cli import main
from publisher.commands.publish import downloads_after_switch
from publisher.publication.directory import DirectoryTarget
from publisher.publication.run import RunReport, publish_poi
from publisher.store.db import open_engine
from publisher.synthetic.generator import build_demo

FIRST = date(2026, 11, 23)
#: Six publication days, a fortnight apart: enough time passes for CAs to lapse.
DAYS = [FIRST + timedelta(days=14 * i) for i in range(6)]


def copy_store(template: Path, into: Path) -> str:
    """A private copy of a template store; its URL."""
    with closing(sqlite3.connect(template)) as src, closing(sqlite3.connect(into)) as dst:
        src.backup(dst)
    return f"sqlite:///{into}"


def change_store(url: str, day: date, nth: int) -> int:
    """Operations on the store dated ``day``: CAs for units without one, one unfit decision.

    Returns how many operations the rules accepted (some candidates are refused, e.g. a room
    established as unlicensed domicile room cannot get a CA).
    """
    path = url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as db:
        without = [r for (r,) in db.execute(
            "SELECT reference FROM dwelling_unit WHERE id NOT IN (SELECT unit_id FROM "
            "certificate) ORDER BY reference LIMIT 12 OFFSET ?", (nth * 12,))]
        with_ca = [r for (r,) in db.execute(
            "SELECT u.reference FROM dwelling_unit u JOIN certificate c ON c.unit_id = u.id "
            "WHERE c.status = 'CA verstuurd' AND c.ca_date > ? ORDER BY u.reference "
            "LIMIT 3 OFFSET ?", ((day - timedelta(days=3000)).isoformat(), nth * 3))]
    accepted = 0
    for unit in without[:12]:
        if accepted >= 3:
            break
        accepted += main(["op", "issue-ca", "--unit", unit, "--date", day.isoformat(),
                          "--store", url]) == 0
    for unit in with_ca[:1]:
        accepted += main(["op", "decide", "--unit", unit, "--date", day.isoformat(),
                          "--kind", "ongeschikt", "--store", url]) == 0
    # A fact that holds on but is shown differently: the building of a unit with a CA now
    # also stands on a parcel with a lower capakey, the published CAPAKEY (the POID stays).
    with closing(sqlite3.connect(path)) as db:
        building = db.execute(
            "SELECT b.reference FROM building b JOIN dwelling_unit u ON u.building_id = b.id "
            "WHERE u.reference = ?", (with_ca[-1],)).fetchone()[0]
    accepted += main(["op", "link-parcel", "--building", building, "--capakey",
                      f"10000A{nth:04d}/00A000", "--store", url]) == 0
    return accepted


def publish_day(engine: Engine, target: DirectoryTarget | object, day: date, url: str,
                with_stream: bool = True) -> RunReport:
    """Publish ``day`` as the CLI does; ``with_stream=False`` as a release before the stream."""
    follow_up = downloads_after_switch(target, day, 400, True) if with_stream else None
    return publish_poi(engine, target, day, store=url, quiet=True, retention_days=400,
                       after_switch=follow_up)


@pytest.fixture(scope="session")
def ldes_template(tmp_path_factory) -> Path:
    """A 600-unit demo store with histories until the first day, built once."""
    path = tmp_path_factory.mktemp("ldes-template") / "vlok.sqlite"
    build_demo(open_engine(f"sqlite:///{path}"), units=600, seed=5, until=FIRST, quiet=True)
    return path


def wfs_features(base: str) -> dict[str, dict]:
    """Every POI feature the WFS serves (GeoJSON, CRS84), by POID."""
    r = httpx.get(f"{base}/wfs", params={
        "SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature", "TYPENAMES": "POI:POI",
        "OUTPUTFORMAT": "application/json",
        "COUNT": "100000"}, timeout=120)
    assert r.status_code == 200, r.text[:500]
    return {f["properties"]["POID"]: f for f in r.json()["features"]}


def replica_features(path: Path) -> dict[str, dict]:
    """Every feature of a replica GeoPackage, by POID, with its EPSG:31370 position."""
    from publisher.mapping import load_mapping
    from publisher.publication.gpkg import point_xy

    names = load_mapping("poi").names
    out = {}
    with closing(sqlite3.connect(path)) as db:
        cols = ", ".join(f'"{n}"' for n in names)
        for *values, blob in db.execute(f'SELECT {cols}, "SHAPE" FROM poi'):
            row = dict(zip(names, values, strict=True))
            out[row["POID"]] = {"properties": row, "xy": point_xy(blob)}
    return out


@dataclass
class Snapshot:
    """What the WFS served and what the day-by-day replica held after one day."""

    day: date
    report: RunReport
    wfs: dict[str, dict]
    replica: dict[str, dict]
    operations: int
    summary: dict = field(default_factory=dict)


@dataclass
class Stream:
    """The published days, the served app and the day-by-day snapshots."""

    root: Path
    base: str
    url: str
    snapshots: list[Snapshot]
    replica: Path


@pytest.fixture(scope="session")
def stream(ldes_template, tmp_path_factory, serve_app) -> Iterator[Stream]:
    """Publish the six days; after each, bring one replica up to date from the stream."""
    from publisher.commands.ldes_replicate import replicate
    from publisher.serving.app import create_app

    work = tmp_path_factory.mktemp("ldes")
    url = copy_store(ldes_template, work / "vlok.sqlite")
    engine = open_engine(url)
    root = work / "pub"
    target = DirectoryTarget(root)
    replica = work / "replica.gpkg"
    snapshots = []
    with serve_app(create_app(root)) as base:
        for i, day in enumerate(DAYS):
            ops = change_store(url, day, i) if i else 0
            report = publish_day(engine, target, day, url)
            summary = replicate(f"{base}/ldes/woningkwaliteit", replica)
            snapshots.append(Snapshot(day, report, wfs_features(base),
                                      replica_features(replica), ops, summary))
        yield Stream(root, base, url, snapshots, replica)
    engine.dispose()
