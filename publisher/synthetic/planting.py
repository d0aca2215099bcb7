"""What the demo plants on purpose: canary personal values and a few broken rows.

Canaries sit on units and buildings that are published (a valid CA, VIVOO, an open claim), so
a leaking join would carry them out; the bad rows are what a migrated register contains and
the extraction must quarantine. Both are documented in ``docs/canaries.md``.
"""

from __future__ import annotations

from datetime import date, timedelta

from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from publisher.rules.operations import IdSource
from publisher.store import models as m
from publisher.store.vocabulary import InvestigationResult, RoleKind
from publisher.synthetic import people
from publisher.synthetic.bulk import BulkWriter
from publisher.synthetic.histories import START

#: Rows planted on purpose so the extraction's quarantine can be tested and counted.
BAD_ROWS = {
    "address without position": 2,
    "address outside Flanders": 1,
    "malformed capakey": 1,
    "certificate expiring before its date": 1,
}


def plant_canaries(out: BulkWriter, ids: IdSource, targets: dict[str, int], until: date) -> None:
    """Canary person owns the published buildings; secrets sit on published facts."""
    out.flush()
    c = {(canary.table, canary.column): canary.value for canary in people.CANARIES}
    pid = ids("person")
    out.add(m.Person, id=pid, **{col: c["person", col] for col in (
        "first_name", "last_name", "national_number", "email", "phone", "home_address")})
    buildings = {targets.get(k) for k in
                 ("ca_building", "vivoo_building", "claim_building")} - {None}
    for bid in sorted(buildings):
        out.add(m.Role, id=ids("role"), person_id=pid,
                kind=RoleKind.HOUDER_ZAKELIJK_RECHT, building_id=bid, since=START)
        out.add(m.Remark, id=ids("remark"), building_id=bid, author_id=pid,
                written_on=until, text=c["remark", "text"])
    if "ca_unit" in targets:
        out.add(m.Investigation, id=ids("investigation"),
                building_id=targets["ca_building"],
                unit_id=targets["ca_unit"], investigation_date=START,
                result=InvestigationResult.CONFORM, defect_points=0, signed=True,
                inspector_id=pid, details=c["investigation", "details"])
    out.flush()
    conn = out.conn
    if "vivoo_unit" in targets:
        conn.execute(m.Decision.__table__.update()
                     .where(m.Decision.unit_id == targets["vivoo_unit"])
                     .values(motivation=c["decision", "motivation"]))
    if "claim" in targets:
        conn.execute(m.RestorationClaim.__table__.update()
                     .where(m.RestorationClaim.id == targets["claim"])
                     .values(pv_number=c["restoration_claim", "pv_number"],
                             court=c["restoration_claim", "court"],
                             details=c["restoration_claim", "details"]))
    conn.execute(m.DwellingUnit.__table__.update()
                 .where(m.DwellingUnit.odk_established.is_not(None))
                 .values(odk_end_reason=c["dwelling_unit", "odk_end_reason"]))


def plant_bad_rows(conn: Connection, until: date) -> None:
    """A few deliberately broken rows, as real migrated data has, for the quarantine."""
    published = sorted(_published_addresses(conn, until))
    if len(published) < 4:
        return
    no_pos, outside, bad_parcel = published[:2], published[2], published[3]
    conn.execute(m.Address.__table__.update().where(m.Address.id.in_(no_pos))
                 .values(position=None))
    conn.execute(m.Address.__table__.update().where(m.Address.id == outside)
                 .values(position=Point(155000.0, 120000.0)))  # Namur province
    bid = conn.scalar(select(m.DwellingUnit.building_id)
                      .where(m.DwellingUnit.address_id == bad_parcel))
    conn.execute(m.Parcel.__table__.insert().values(capakey="11004A479/0N000", niscode=None))
    conn.execute(m.BuildingParcel.__table__.insert().values(building_id=bid,
                                                            capakey="11004A479/0N000"))
    ca_id = conn.scalar(select(func.max(m.Certificate.id)))
    if ca_id:
        ca_date = conn.scalar(select(m.Certificate.ca_date).where(m.Certificate.id == ca_id))
        conn.execute(m.Certificate.__table__.update().where(m.Certificate.id == ca_id)
                     .values(expires_on=ca_date - timedelta(days=1)))

def _published_addresses(conn: Connection, until: date) -> list[int]:
    """Addresses of the first few units with a valid CA (bad rows must matter)."""
    rows = conn.execute(
        select(m.DwellingUnit.address_id).join(
            m.Certificate, m.Certificate.unit_id == m.DwellingUnit.id)
        .where(m.Certificate.expires_on > until, m.Certificate.lapse_date.is_(None))
        .order_by(m.DwellingUnit.id).limit(40)).scalars().all()
    seen: list[int] = []
    for a in rows:
        if a not in seen:
            seen.append(a)
    return seen[:4]
