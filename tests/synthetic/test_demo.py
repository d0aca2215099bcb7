"""Synthetic Flanders: deterministic, inside Flanders, lawful, and seeded with canaries."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
import shapely
from sqlalchemy import Engine, func, select, text

from publisher.extract.histories import read_histories
from publisher.identifiers import is_capakey
from publisher.rules import has_valid_ca, is_on_inventory
from publisher.store import models as m
from publisher.store.db import open_engine
from publisher.synthetic import geography
from publisher.synthetic.generator import build_demo, parse_scale
from publisher.synthetic.people import CANARIES
from publisher.synthetic.planting import BAD_ROWS

UNTIL = date(2026, 11, 23)


def fingerprint(engine: Engine) -> str:
    """A digest of every row of every table, in primary-key order."""
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in m.Base.metadata.sorted_tables:
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Engine:
    engine = open_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'vlok.sqlite'}")
    build_demo(engine, units=parse_scale("small"), seed=7, until=UNTIL, quiet=True)
    return engine


def test_same_seed_gives_the_same_store(demo, tmp_path) -> None:
    again = open_engine(f"sqlite:///{tmp_path / 'again.sqlite'}")
    build_demo(again, units=parse_scale("small"), seed=7, until=UNTIL, quiet=True)
    assert fingerprint(again) == fingerprint(demo)


def test_another_seed_gives_another_store(tmp_path) -> None:
    a = open_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    b = open_engine(f"sqlite:///{tmp_path / 'b.sqlite'}")
    build_demo(a, units=300, seed=1, until=UNTIL, quiet=True)
    build_demo(b, units=300, seed=2, until=UNTIL, quiet=True)
    assert fingerprint(a) != fingerprint(b)


def test_every_municipality_after_the_2025_mergers_is_there(demo) -> None:
    with demo.connect() as conn:
        names = dict(conn.execute(select(m.Municipality.niscode, m.Municipality.name)).all())
    assert len(names) == 285
    assert names["44021"] == "Gent"
    assert names["46030"] == "Beveren-Kruibeke-Zwijndrecht"


def test_addresses_lie_inside_their_municipality(demo) -> None:
    boundaries = geography.municipality_boundaries()
    with demo.connect() as conn:
        rows = conn.execute(select(m.Address.niscode, m.Address.position)).all()
    positioned = [(n, p) for n, p in rows if p is not None]
    outside = [(n, p) for n, p in positioned if not boundaries[n].covers(p)]
    assert len(rows) - len(positioned) == BAD_ROWS["address without position"]
    assert len(outside) == BAD_ROWS["address outside Flanders"]
    assert not shapely.covers(geography.flanders_outline(), outside[0][1])


def test_capakeys_are_valid_but_for_the_planted_one(demo) -> None:
    with demo.connect() as conn:
        keys = conn.scalars(select(m.Parcel.capakey)).all()
    bad = [k for k in keys if not is_capakey(k)]
    assert len(bad) == BAD_ROWS["malformed capakey"]
    assert len(keys) > 1000


def test_volumes_look_like_the_register(demo) -> None:
    """At any scale, about 30% of units hold a valid CA and about 9% are on VIVOO."""
    with demo.connect() as conn:
        units = [h.unit for h in read_histories(conn)]  # the units with any history
        total = conn.scalar(select(func.count()).select_from(m.DwellingUnit))
        multi_period = conn.scalar(text(
            "SELECT count(*) FROM (SELECT unit_id FROM inventory_entry GROUP BY unit_id "
            "HAVING count(*) > 1) AS t"))
        roles = set(conn.scalars(select(m.Role.kind).distinct()))
    cas = sum(has_valid_ca(u, UNTIL) for u in units) / total
    vivoo = sum(is_on_inventory(u, UNTIL) for u in units) / total
    assert 0.24 < cas < 0.36
    assert 0.06 < vivoo < 0.12
    assert multi_period > 0
    assert len(roles) >= 5


def test_no_unit_has_a_valid_ca_while_on_vivoo(demo) -> None:
    """The operations keep the store lawful: a CA takes a unit off VIVOO, a decision voids it."""
    with demo.connect() as conn:
        both = [h.unit.reference for h in read_histories(conn)
                for day in (date(2012, 6, 1), date(2019, 1, 1), UNTIL)
                if has_valid_ca(h.unit, day) and is_on_inventory(h.unit, day)]
    assert both == []


def test_every_canary_is_planted_in_the_store(demo) -> None:
    with demo.connect() as conn:
        for canary in CANARIES:
            table = m.Base.metadata.tables[canary.table]
            found = conn.scalar(select(func.count()).select_from(table)
                                .where(table.c[canary.column] == canary.value))
            assert found, f"canary {canary.kind} missing from {canary.table}.{canary.column}"


def test_demo_runs_unchanged_on_postgis(postgis_engine, wipe_store) -> None:
    wipe = wipe_store
    wipe(postgis_engine)
    summary = build_demo(postgis_engine, units=300, seed=3, until=UNTIL, quiet=True)
    with postgis_engine.connect() as conn:
        inside = conn.scalar(text(
            "SELECT count(*) FROM address a JOIN municipality m ON a.niscode = m.niscode "
            "WHERE ST_Covers(m.boundary, a.position)"))
        srid = conn.scalar(text("SELECT DISTINCT ST_SRID(position) FROM address "
                                "WHERE position IS NOT NULL"))
        total = conn.scalar(text("SELECT count(*) FROM address"))
    assert srid == 31370
    assert inside == total - 3  # two without position, one outside Flanders
    assert 240 <= summary.units <= 360
    wipe(postgis_engine)
