"""A sale ends the old owner's role; the restoration claim stays on the building (seed 000)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date

from sqlalchemy import select, update

from publisher.extract.poi import poid
from publisher.publication.directory import DirectoryTarget
from publisher.store import models as m
from publisher.store.vocabulary import RoleKind

SALE = date(2026, 6, 1)


def test_a_sale_keeps_the_claim_on_the_building(tiny_store, tmp_path, publish, as_of) -> None:
    with tiny_store.begin() as conn:
        building, reference = conn.execute(
            select(m.Building.id, m.Building.reference)
            .join(m.RestorationClaim, m.RestorationClaim.building_id == m.Building.id)
            .where(m.RestorationClaim.repair_confirmed_date.is_(None),
                   m.RestorationClaim.filed_date < SALE)
            .order_by(m.Building.id).limit(1)).one()
        owners = conn.execute(select(m.Role.id).where(
            m.Role.building_id == building, m.Role.kind == RoleKind.HOUDER_ZAKELIJK_RECHT,
            m.Role.until.is_(None))).scalars().all()
        assert owners, "the synthetic building has a current owner"
        conn.execute(update(m.Role).where(m.Role.id.in_(owners)).values(until=SALE))
        buyer = conn.scalar(select(m.Person.id).order_by(m.Person.id.desc()).limit(1))
        conn.execute(m.Role.__table__.insert().values(
            id=10**7, person_id=buyer, kind=RoleKind.HOUDER_ZAKELIJK_RECHT,
            building_id=building, since=SALE))
    publish(tiny_store, tmp_path, as_of)
    with closing(sqlite3.connect(DirectoryTarget(tmp_path).current("poi").path)) as db:
        published = {r[0] for r in db.execute("SELECT POID FROM poi WHERE PRODUCT = "
                                              "'RegisterHerstelvorderingen'")}
    assert poid("HV", reference) in published
