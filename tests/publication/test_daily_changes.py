"""Dated behaviour of the daily publication: what appears, disappears and stays the same."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from publisher.extract.histories import read_histories
from publisher.extract.poi import poid
from publisher.publication.directory import DirectoryTarget
from publisher.rules import has_valid_ca
from publisher.rules import operations as ops
from publisher.store import models as m
from publisher.store.dossiers import StoreIds, load_unit, save_unit
from publisher.store.vocabulary import DecisionKind, Issuer


def published_poids(root) -> dict[str, set[str]]:
    target = DirectoryTarget(root)
    with sqlite3.connect(target.current("poi").path) as db:
        out: dict[str, set[str]] = {}
        for product, value in db.execute('SELECT "PRODUCT", "POID" FROM poi'):
            out.setdefault(product, set()).add(value)
    return out


def a_published_unit_with_a_ca(engine, as_of) -> str:
    with engine.connect() as conn:
        for unit in (h.unit for h in read_histories(conn)):
            if has_valid_ca(unit, as_of) and unit.id > 20:  # past the planted bad rows
                return unit.reference
    raise AssertionError("no unit with a CA")


def test_a_ca_lapsing_today_disappears_and_shows_as_removed(tiny_store, tmp_path, publish,
        as_of) -> None:
    publish(tiny_store, tmp_path, as_of - timedelta(days=1))
    reference = a_published_unit_with_a_ca(tiny_store, as_of)
    with Session(tiny_store) as session:
        unit = load_unit(session, reference)
        save_unit(session, ops.take_decision(unit, as_of, DecisionKind.OVERBEWOOND,
                                             issuer=Issuer.BURGEMEESTER, ids=StoreIds(session)))
        session.commit()
    report = publish(tiny_store, tmp_path, as_of)
    gone = poid("CA", reference)
    assert gone not in published_poids(tmp_path)["Conformiteitsattest"]
    changes = DirectoryTarget(tmp_path).changes_since(as_of - timedelta(days=1))
    assert changes[-1]["changes"]["Conformiteitsattest"]["removed"] == [gone]
    assert report.changes["Conformiteitsattest"] == {"added": 0, "removed": 1}


def test_a_ca_reaching_its_tenth_anniversary_leaves_that_day(tiny_store, tmp_path, publish,
        as_of) -> None:
    with tiny_store.connect() as conn:
        expiry, reference = conn.execute(
            select(m.Certificate.expires_on, m.DwellingUnit.reference)
            .join(m.DwellingUnit, m.DwellingUnit.id == m.Certificate.unit_id)
            .where(m.Certificate.expires_on > date(2024, 1, 1),
                   m.Certificate.expires_on <= as_of, m.Certificate.lapse_date.is_(None),
                   m.DwellingUnit.id > 20)
            .order_by(m.Certificate.expires_on.desc())).first()
    with Session(tiny_store) as session:
        unit = load_unit(session, reference)
    if has_valid_ca(unit, expiry):  # a renewal keeps the flag; pick the day-before check only
        return
    publish(tiny_store, tmp_path, expiry - timedelta(days=1))
    assert poid("CA", reference) in published_poids(tmp_path)["Conformiteitsattest"]
    publish(tiny_store, tmp_path, expiry)
    assert poid("CA", reference) not in published_poids(tmp_path).get("Conformiteitsattest", ())


def test_a_unit_entering_vivoo_today_appears_as_added(tiny_store, tmp_path, publish,
        as_of) -> None:
    publish(tiny_store, tmp_path, as_of - timedelta(days=1))
    with tiny_store.connect() as conn:
        reference = conn.scalar(select(m.DwellingUnit.reference).where(m.DwellingUnit.id == 30))
    with Session(tiny_store) as session:
        unit = load_unit(session, reference)
        save_unit(session, ops.take_decision(unit, as_of, DecisionKind.ONBEWOONBAAR,
                                             issuer=Issuer.BURGEMEESTER, ids=StoreIds(session)))
        session.commit()
    report = publish(tiny_store, tmp_path, as_of)
    added = poid("VIVOO", reference)
    assert added in published_poids(tmp_path)[
        "VlaamseInventarisOngeschikteOnbewoonbareWoningen"]
    changes = DirectoryTarget(tmp_path).changes_since(as_of - timedelta(days=1))[-1]["changes"]
    assert added in changes["VlaamseInventarisOngeschikteOnbewoonbareWoningen"]["added"]
    assert report.changes["VlaamseInventarisOngeschikteOnbewoonbareWoningen"]["added"] == 1


def test_rerunning_the_same_date_changes_nothing(tiny_store, tmp_path, publish,
        as_of) -> None:
    first = publish(tiny_store, tmp_path, as_of)
    before = published_poids(tmp_path)
    again = publish(tiny_store, tmp_path, as_of)
    assert published_poids(tmp_path) == before
    assert again.counts == first.counts
    assert all(c == {"added": 0, "removed": 0} for c in again.changes.values())


def test_same_store_and_date_give_a_byte_identical_publication(tiny_store, tmp_path, publish,
        as_of) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    publish(tiny_store, one, as_of)
    publish(tiny_store, two, as_of)
    a = DirectoryTarget(one).current("poi").path.read_bytes()
    b = DirectoryTarget(two).current("poi").path.read_bytes()
    assert a == b


def test_a_feature_keeps_its_poid_from_day_to_day(tiny_store, tmp_path, publish,
        as_of) -> None:
    publish(tiny_store, tmp_path, as_of - timedelta(days=1))
    yesterday = published_poids(tmp_path)
    publish(tiny_store, tmp_path, as_of)
    today = published_poids(tmp_path)
    for product in today:
        assert len(today[product] & yesterday[product]) >= 0.95 * len(today[product])
