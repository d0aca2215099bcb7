"""Moving histories between the database and the immutable records the rules work on.

``load_*`` read what a rule needs and nothing more (no persons, no remarks); ``save_*`` write
back what an operation returned. The extraction's bulk reader, which checks every value, is
``publisher.extract.histories``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from publisher.errors import NotFound
from publisher.store import models as m
from publisher.store.records import (
    Certificate,
    Claim,
    Decision,
    InventoryEntry,
    Policy,
    Refusal,
    Unit,
    UnitEvent,
    WarningProcedure,
)
from publisher.store.vocabulary import ProcedureKind

ID_TABLES = {
    "certificate": m.Certificate,
    "decision": m.Decision,
    "inventory_entry": m.InventoryEntry,
    "restoration_claim": m.RestorationClaim,
    "procedure": m.Procedure,
    "unit_event": m.UnitEvent,
    "certificate_refusal": m.CertificateRefusal,
}


class StoreIds:
    """Id source for operations on a live store: continues after the highest id in use."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._last: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        """Next free id for ``table``."""
        if table not in self._last:
            model = ID_TABLES[table]
            self._last[table] = self._session.scalar(select(func.max(model.id))) or 0
        self._last[table] += 1
        return self._last[table]


# --- units --------------------------------------------------------------------------------------


def _certificate(row: m.Certificate | Row) -> Certificate:
    return Certificate(
        id=row.id, ca_date=row.ca_date, issuer=row.issuer, status=row.status,
        validity_years=row.validity_years, expires_on=row.expires_on, sent_date=row.sent_date,
        lapse_date=row.lapse_date, lapse_reason=row.lapse_reason, procedure_id=row.procedure_id,
    )


def _decision(row: m.Decision | Row) -> Decision:
    return Decision(id=row.id, decision_date=row.decision_date, kind=row.kind, issuer=row.issuer,
                    annulled_date=row.annulled_date, procedure_id=row.procedure_id)


def _entry(row: m.InventoryEntry | Row) -> InventoryEntry:
    return InventoryEntry(id=row.id, inventory_list=row.inventory_list, entry_date=row.entry_date,
                          removal_date=row.removal_date, removal_reason=row.removal_reason,
                          decision_id=row.decision_id)


def _event(row: m.UnitEvent | Row) -> UnitEvent:
    return UnitEvent(id=row.id, kind=row.kind, event_date=row.event_date)


def _refusal(row: m.CertificateRefusal | Row) -> Refusal:
    return Refusal(id=row.id, refusal_date=row.refusal_date, issuer=row.issuer,
                   procedure_id=row.procedure_id)


def load_unit(session: Session, reference: str) -> Unit:
    """The unit with ``reference`` (e.g. ``EN18-016485``) and its CA/decision/VIVOO history."""
    row = session.scalar(select(m.DwellingUnit).where(m.DwellingUnit.reference == reference))
    if row is None:
        raise NotFound(f"no dwelling unit with reference {reference!r}")
    by_id = {"unit_id": row.id}
    return Unit(
        id=row.id, reference=row.reference, building_id=row.building_id,
        unit_type=row.unit_type, odk_established=row.odk_established, odk_ended=row.odk_ended,
        address_id=row.address_id,
        certificates=tuple(_certificate(r) for r in session.scalars(
            select(m.Certificate).filter_by(**by_id).order_by(m.Certificate.id))),
        decisions=tuple(_decision(r) for r in session.scalars(
            select(m.Decision).filter_by(**by_id).order_by(m.Decision.id))),
        entries=tuple(_entry(r) for r in session.scalars(
            select(m.InventoryEntry).filter_by(**by_id).order_by(m.InventoryEntry.id))),
        events=tuple(_event(r) for r in session.scalars(
            select(m.UnitEvent).filter_by(**by_id).order_by(m.UnitEvent.id))),
        refusals=tuple(_refusal(r) for r in session.execute(
            select(m.CertificateRefusal.id, m.CertificateRefusal.refusal_date,
                   m.CertificateRefusal.issuer, m.CertificateRefusal.procedure_id)
            .filter_by(**by_id).order_by(m.CertificateRefusal.id))),
        niscode=session.scalar(select(m.Building.niscode)
                               .where(m.Building.id == row.building_id)),
    )


def save_unit(session: Session, unit: Unit) -> None:
    """Write the unit's ODK status and every history row (insert or update by id)."""
    row = session.get(m.DwellingUnit, unit.id)
    if row is None:
        raise NotFound(f"no dwelling unit with id {unit.id}")
    row.odk_established, row.odk_ended = unit.odk_established, unit.odk_ended
    for ca in unit.certificates:
        session.merge(m.Certificate(
            id=ca.id, unit_id=unit.id, procedure_id=ca.procedure_id, ca_date=ca.ca_date,
            issuer=ca.issuer, status=ca.status, sent_date=ca.sent_date,
            validity_years=ca.validity_years, expires_on=ca.expires_on,
            lapse_date=ca.lapse_date, lapse_reason=ca.lapse_reason))
    for d in unit.decisions:
        session.merge(m.Decision(
            id=d.id, unit_id=unit.id, procedure_id=d.procedure_id, decision_date=d.decision_date,
            kind=d.kind, issuer=d.issuer, annulled_date=d.annulled_date))
    session.flush()
    for e in unit.entries:
        session.merge(m.InventoryEntry(
            id=e.id, unit_id=unit.id, decision_id=e.decision_id, inventory_list=e.inventory_list,
            entry_date=e.entry_date, removal_date=e.removal_date,
            removal_reason=e.removal_reason))
    for ev in unit.events:
        session.merge(m.UnitEvent(id=ev.id, unit_id=unit.id, kind=ev.kind,
                                  event_date=ev.event_date))
    for r in unit.refusals:
        if session.get(m.CertificateRefusal, r.id) is None:
            session.add(m.CertificateRefusal(id=r.id, unit_id=unit.id, procedure_id=r.procedure_id,
                                             refusal_date=r.refusal_date, issuer=r.issuer))
    session.flush()


# --- buildings, claims, policies ----------------------------------------------------------------


def building_id_for(session: Session, *, reference: str | None = None,
                    capakey: str | None = None) -> int:
    """Resolve a building by its reference or by a parcel it stands on (first by id)."""
    if reference is not None:
        found = session.scalar(select(m.Building.id).where(m.Building.reference == reference))
        what = f"reference {reference!r}"
    else:
        found = session.scalar(select(func.min(m.BuildingParcel.building_id))
                               .where(m.BuildingParcel.capakey == capakey))
        what = f"capakey {capakey!r}"
    if found is None:
        raise NotFound(f"no building with {what}")
    return found


def load_claims(session: Session, building_id: int) -> list[Claim]:
    """Every restoration claim ever filed on a building (existence and dates only)."""
    rows = session.execute(
        select(m.RestorationClaim.id, m.RestorationClaim.building_id,
               m.RestorationClaim.filed_date, m.RestorationClaim.repair_confirmed_date)
        .where(m.RestorationClaim.building_id == building_id).order_by(m.RestorationClaim.id))
    return [Claim(*row) for row in rows]


def save_claim(session: Session, claim: Claim) -> None:
    """Insert a new claim or record its repair confirmation; secret details stay untouched."""
    row = session.get(m.RestorationClaim, claim.id)
    if row is None:
        session.add(m.RestorationClaim(id=claim.id, building_id=claim.building_id,
                                       filed_date=claim.filed_date,
                                       repair_confirmed_date=claim.repair_confirmed_date))
    else:
        row.repair_confirmed_date = claim.repair_confirmed_date
    session.flush()


def load_policies(session: Session, niscode: str) -> list[Policy]:
    """All versions of a municipality's policy, oldest first."""
    rows = session.execute(
        select(m.PolicyParameter.niscode, m.PolicyParameter.valid_from,
               m.PolicyParameter.ca_validity_years)
        .where(m.PolicyParameter.niscode == niscode).order_by(m.PolicyParameter.valid_from))
    return [Policy(*row) for row in rows]


def niscode_of_unit(session: Session, unit: Unit) -> str:
    """The municipality a unit's building lies in (decides CA validity)."""
    return session.scalar(select(m.Building.niscode).where(m.Building.id == unit.building_id))


# --- warning procedures -------------------------------------------------------------------------

_WP_FIELDS = ("kind", "status", "request_date", "start_date", "closed_date", "info",
              "first_investigation_date", "repair_deadline", "repair_reported_date",
              "recheck_date", "recheck_conform")


def _warning(row: m.Procedure, unit_ids: tuple[int, ...]) -> WarningProcedure:
    return WarningProcedure(
        id=row.id, building_id=row.building_id, unit_ids=unit_ids, report_date=row.request_date,
        kind=row.kind, status=row.status, first_investigation_date=row.first_investigation_date,
        repair_deadline=row.repair_deadline, repair_reported_date=row.repair_reported_date,
        recheck_date=row.recheck_date, recheck_conform=row.recheck_conform,
        start_date=row.start_date, info=row.info, closed_date=row.closed_date)


def open_warning_procedures(session: Session, bad: list[int] | None = None
                            ) -> Iterator[WarningProcedure]:
    """Warning procedures the daily task still has to look at.

    A procedure row whose values cannot be read (an unparseable date, an unknown status) is
    skipped and its id appended to ``bad``: one bad row must not stop the daily job.
    """
    ids = list(session.scalars(select(m.Procedure.id).where(
        type_coerce(m.Procedure.kind, String) == ProcedureKind.WS.value)
        .order_by(m.Procedure.id)))
    units: dict[int, list[int]] = defaultdict(list)
    for chunk in range(0, len(ids), 5000):
        for pid, uid in session.execute(
            select(m.SubProcedure.procedure_id, m.SubProcedure.unit_id)
            .where(m.SubProcedure.procedure_id.in_(ids[chunk:chunk + 5000]))
        ):
            units[pid].append(uid)
    for chunk in range(0, len(ids), 5000):
        part = ids[chunk:chunk + 5000]
        try:
            rows = session.scalars(select(m.Procedure).where(m.Procedure.id.in_(part))
                                   .order_by(m.Procedure.id)).all()
        except (ValueError, LookupError, TypeError):
            session.rollback()
            rows = []
            for pid in part:  # find the bad ones, keep the rest
                try:
                    rows.append(session.scalars(select(m.Procedure)
                                                .where(m.Procedure.id == pid)).one())
                except (ValueError, LookupError, TypeError):
                    session.rollback()
                    if bad is not None:
                        bad.append(pid)
        for row in rows:
            yield _warning(row, tuple(units[row.id]))


def save_warning(session: Session, wp: WarningProcedure) -> None:
    """Write a warning procedure's state and its sub-procedures' status."""
    row = session.get(m.Procedure, wp.id)
    if row is None:
        row = m.Procedure(id=wp.id, building_id=wp.building_id)
        session.add(row)
    values = {
        "kind": wp.kind, "status": wp.status, "request_date": wp.report_date,
        "start_date": wp.start_date, "closed_date": wp.closed_date, "info": wp.info,
        "first_investigation_date": wp.first_investigation_date,
        "repair_deadline": wp.repair_deadline, "repair_reported_date": wp.repair_reported_date,
        "recheck_date": wp.recheck_date, "recheck_conform": wp.recheck_conform,
    }
    for name in _WP_FIELDS:
        setattr(row, name, values[name])
    session.flush()
    existing = {s.unit_id: s for s in session.scalars(
        select(m.SubProcedure).where(m.SubProcedure.procedure_id == wp.id))}
    for uid in wp.unit_ids:
        if uid in existing:
            existing[uid].status = wp.status
        else:
            session.add(m.SubProcedure(procedure_id=wp.id, unit_id=uid, status=wp.status))
    session.flush()
