"""No canary personal value reaches any published table, column, file or report."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from publisher.publication.directory import DirectoryTarget
from publisher.publication.run import publish_poi, publish_policy
from publisher.synthetic.generator import build_demo
from publisher.synthetic.leaks import canaries_in_path
from publisher.synthetic.people import canary_values


def every_cell(path) -> list[str]:
    """Every text value of every table of a SQLite/GeoPackage file."""
    values = []
    with closing(sqlite3.connect(path)) as db:
        tables = [t for (t,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'rtree_%'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                values += [v for v in row if isinstance(v, str)]
    return values


def assert_no_canary(root) -> None:
    assert canaries_in_path(root) == []
    for gpkg in [*sorted(root.rglob("*.gpkg")), root / "history.sqlite"]:
        cells = "\n".join(every_cell(gpkg))
        assert [c for c in canary_values() if c in cells] == [], gpkg


def test_no_canary_in_sqlite_store_publication(tiny_store, tmp_path, as_of) -> None:
    tmp_path = tmp_path / "publication"  # the store itself lives in tmp_path
    target = DirectoryTarget(tmp_path)
    report = publish_poi(tiny_store, target, as_of, store="sqlite", quiet=True)
    publish_policy(tiny_store, target, as_of, store="sqlite", quiet=True)
    assert sum(report.counts.values()) > 100
    assert_no_canary(tmp_path)


@pytest.mark.postgis
def test_no_canary_in_postgis_store_publication(postgis_engine, wipe_store, tmp_path,
                                                as_of) -> None:
    wipe_store(postgis_engine)
    build_demo(postgis_engine, units=600, seed=5, until=as_of, quiet=True)
    target = DirectoryTarget(tmp_path)
    report = publish_poi(postgis_engine, target, as_of, store="postgis", quiet=True)
    publish_policy(postgis_engine, target, as_of, store="postgis", quiet=True)
    wipe_store(postgis_engine)
    assert sum(report.counts.values()) > 100
    assert_no_canary(tmp_path)


def test_the_canaries_sit_on_published_facts(tiny_store, tmp_path, as_of) -> None:
    """Guard against a test that cannot fail: the canary owner's buildings are published."""
    from sqlalchemy import select

    from publisher.store import models as m

    publish_poi(tiny_store, DirectoryTarget(tmp_path), as_of, store="sqlite", quiet=True)
    with tiny_store.connect() as conn:
        owned = conn.execute(
            select(m.Address.adres_id)
            .join(m.BuildingAddress, m.BuildingAddress.address_id == m.Address.id)
            .join(m.Role, m.Role.building_id == m.BuildingAddress.building_id)
            .join(m.Person, m.Person.id == m.Role.person_id)
            .where(m.Person.last_name == canary_values()[1])).scalars().all()
    published = set(every_cell(DirectoryTarget(tmp_path).current("poi").path))
    assert owned and set(owned) & published


def test_the_search_finds_a_planted_value(tmp_path) -> None:
    leak = tmp_path / "leak.txt"
    leak.write_text(f"x {canary_values()[3]} y", encoding="utf-8")
    assert canaries_in_path(tmp_path)
