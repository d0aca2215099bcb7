"""The synthetic address register: every address, VLOK's among them and not told apart."""

from __future__ import annotations

import statistics
from datetime import date

import numpy as np
import pytest
from sqlalchemy import Engine, text

from publisher.register import model
from publisher.store.db import open_engine
from publisher.synthetic import geography
from publisher.synthetic.generator import build_demo
from publisher.synthetic.register import localities, nearest

UNTIL = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Engine:
    engine = open_engine(f"sqlite:///{tmp_path_factory.mktemp('register') / 'vlok.sqlite'}")
    build_demo(engine, units=2000, seed=5, until=UNTIL, quiet=True)
    return engine


def _rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(text(sql)).all()


def test_every_vlok_address_is_in_the_register_as_it_is(demo):
    missing = _rows(demo, """
        SELECT a.adres_id FROM address a LEFT JOIN adresregister_adres r
          ON r.adresid = a.adres_id AND r.straatnaam = a.straatnaam
         AND r.huisnummer = a.huisnummer AND COALESCE(r.busnummer, '') = COALESCE(a.busnummer, '')
         AND r.postcode = a.postcode AND r.niscode = a.niscode
        WHERE r.adresid IS NULL AND a.position IS NOT NULL""")
    planted = 1  # the bad row "address outside Flanders" was moved after the register copy
    assert len(missing) <= planted


def test_the_register_is_far_larger_and_covers_every_municipality(demo):
    (register, vlok), = _rows(demo, "SELECT (SELECT COUNT(*) FROM adresregister_adres), "
                                    "(SELECT COUNT(*) FROM address)")
    assert register > 5 * vlok
    municipalities = {r[0] for r in _rows(demo, "SELECT DISTINCT niscode FROM "
                                                "adresregister_adres")}
    assert len(municipalities) == 285


def test_vlok_addresses_cannot_be_told_apart_by_their_ids(demo):
    ids = sorted(int(r[0]) for r in _rows(demo, "SELECT adresid FROM adresregister_adres"))
    rank = {v: i / len(ids) for i, v in enumerate(ids)}
    vlok = [rank[int(r[0])] for r in _rows(demo, "SELECT adres_id FROM address")
            if int(r[0]) in rank]
    assert 0.45 < statistics.mean(vlok) < 0.55


def test_postcodes_and_districts_follow_geography(demo):
    postcodes = {mu.niscode: set(mu.postcodes) for mu in geography.load_municipalities()}
    wrong = [r for r in _rows(demo, "SELECT DISTINCT niscode, postcode FROM "
                                    "adresregister_adres") if r[1] not in postcodes[r[0]]]
    assert wrong == []
    # each street takes the postcode and deelgemeente of its municipality's nearest locality
    by_nis = {mu.niscode: mu for mu in geography.load_municipalities()}
    streets = _rows(demo, "SELECT niscode, postcode, deelgemeente, (x1 + x2) / 2, (y1 + y2) / 2 "
                          "FROM adresregister_straat")
    for nis, postcode, district, x, y in streets:
        places = localities(by_nis[nis])
        best = places[int(nearest(places, np.array([[x, y]]))[0])]
        assert (postcode, district) == (best.postcode, best.name)


def test_the_register_has_a_version_and_street_lines(demo):
    with demo.connect() as conn:
        assert model.version(conn)
    (lines,), = _rows(demo, "SELECT COUNT(*) FROM adresregister_straat WHERE x1 IS NOT NULL")
    assert lines > 285
