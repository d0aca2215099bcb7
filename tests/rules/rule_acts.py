"""Dated acts, and three ways to record them: operations in date order, operations in another
order, and raw store rows as an import from the real VLOK would write them.

The rule tests describe a history once, as acts, and check that all three recordings give the
same flags on every date: the flags must follow the dates, never the order of recording nor
which rows an operation happened to write.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from publisher.rules import operations as ops
from publisher.rules.facts import LIST_BY_DECISION, ca_expiry, validity_years_for
from publisher.store import models as m
from publisher.store.records import Policy, Unit
from publisher.store.vocabulary import (
    CertificateStatus,
    DecisionKind,
    Issuer,
    LapseReason,
    RemovalReason,
    UnitEventKind,
)

TODAY = date(2026, 11, 23)
ISSUER = Issuer.BURGEMEESTER


@dataclass(frozen=True)
class Act:
    """One dated act. ``ref`` names the CA or decision an act refers to, by its date."""

    kind: str  # ca, draft, send, decide, annul, remove, odk, end_odk, withdraw, works, demolish
    day: date
    ref: date | None = None
    sent: date | None = None
    decision: DecisionKind | None = None
    reason: RemovalReason | None = None
    status: CertificateStatus | None = None


def depends_on(act: Act, other: Act) -> bool:
    """Whether ``act`` can only be recorded after ``other`` (it refers to it, or the op needs
    it to check lawfulness: a CA needs the decisions and annulments dated up to it, for the
    ODK exemption, and the end of an ODK dated up to it)."""
    if act.kind in ("send", "withdraw"):
        return other.kind in ("ca", "draft") and other.day == act.ref
    if act.kind == "annul":
        return other.kind == "decide" and other.day == act.ref
    if act.kind == "end_odk":
        return other.kind == "odk"
    if act.kind == "remove":
        return other.kind == "decide" and other.day <= act.day
    if act.kind in ("ca", "draft"):
        return other.kind in ("decide", "annul", "end_odk") and other.day <= act.day
    return False


def reorder(acts: list[Act], rng: random.Random) -> list[Act]:
    """A random order of ``acts`` that respects :func:`depends_on`."""
    left, out = list(acts), []
    while left:
        ready = [a for a in left if not any(depends_on(a, b) for b in left if b is not a)]
        pick = rng.choice(ready)
        out.append(pick)
        left.remove(pick)
    return out


def _first_ready(acts: list[Act]) -> list[Act]:
    left, out = list(acts), []
    while left:
        pick = next(a for a in left if not any(depends_on(a, b) for b in left if b is not a))
        out.append(pick)
        left.remove(pick)
    return out


def reversed_order(acts: list[Act]) -> list[Act]:
    """Latest act first, as far as dependencies allow (the matrix's "other order")."""
    return _first_ready(sorted(acts, key=lambda a: a.day, reverse=True))


def in_date_order(acts: list[Act]) -> list[Act]:
    """Acts as they happened; same-day acts in the order written, as dependencies allow."""
    return _first_ready(sorted(acts, key=lambda a: a.day))


# --- through the operations ---------------------------------------------------------------------


def record(unit: Unit, acts: list[Act], policies: list[Policy]) -> Unit:
    """Apply ``acts`` in the given order through the rule operations."""
    ids = ops.Sequence()
    for act in acts:
        unit = apply(unit, act, ids, policies)
    return unit


def _ca_id(unit: Unit, day: date | None) -> int:
    return next(c.id for c in unit.certificates if c.ca_date == day)


def apply(unit: Unit, act: Act, ids: ops.IdSource, policies: list[Policy]) -> Unit:
    """One act through its operation."""
    day = act.day
    match act.kind:
        case "ca":
            return ops.issue_ca(unit, day, issuer=ISSUER, ids=ids, sent_date=act.sent,
                                validity_years=validity_years_for(policies, day))
        case "draft":
            return ops.draft_ca(unit, day, issuer=ISSUER, ids=ids,
                                validity_years=validity_years_for(policies, day),
                                status=act.status or CertificateStatus.IN_OPMAAK)
        case "send":
            return ops.send_ca(unit, _ca_id(unit, act.ref), day)
        case "decide":
            return ops.take_decision(unit, day, act.decision or DecisionKind.ONGESCHIKT,
                                     issuer=ISSUER, ids=ids)
        case "annul":
            decision = next(d for d in unit.decisions if d.decision_date == act.ref)
            return ops.annul_decision(unit, decision.id, day)
        case "remove":
            return ops.remove_from_inventory(unit, day, act.reason, ids=ids)
        case "odk":
            return ops.establish_odk(unit, day, today=TODAY)
        case "end_odk":
            return ops.end_odk(unit, day, today=TODAY)
        case "withdraw":
            return ops.withdraw_ca(unit, _ca_id(unit, act.ref), day)
        case "works":
            return ops.major_works(unit, day, ids=ids)
        case "demolish":
            return ops.demolish(unit, day, ids=ids)
        case "refuse":
            return ops.refuse_ca(unit, day, issuer=ISSUER, ids=ids)
    raise ValueError(act.kind)


# --- as raw rows --------------------------------------------------------------------------------


def write_raw(conn: Connection, unit_id: int, acts: list[Act], policies: list[Policy],
              lapse_rows: dict[date, tuple[date, LapseReason]] | None = None) -> None:
    """Write the acts straight into the store tables, as an import would: decisions without
    inventory rows or lapse rows, a removal as one register line per list, and optionally
    VLOK's own lapse rows (``lapse_rows``: CA date → lapse day and reason)."""
    lapse_rows = dict(lapse_rows or {})
    sends = {a.ref: a.day for a in acts if a.kind == "send"}
    for a in acts:
        if a.kind == "withdraw":
            lapse_rows[a.ref] = min(lapse_rows.get(a.ref, (a.day, None)),
                                    (a.day, LapseReason.INGETROKKEN), key=lambda x: x[0])
    annulled = {a.ref: a.day for a in acts if a.kind == "annul"}
    ids = iter(range(1, 1000))
    decision_ids: dict[date, int] = {}
    unit_row: dict[str, date | None] = {"odk_established": None, "odk_ended": None}
    for a in in_date_order(acts):
        if a.kind in ("ca", "draft"):
            years = validity_years_for(policies, a.day)
            sent = a.sent or a.day if a.kind == "ca" else sends.get(a.day)
            status = CertificateStatus.VERSTUURD if sent else (
                a.status or CertificateStatus.IN_OPMAAK)
            lapse, why = lapse_rows.get(a.day, (None, None))
            conn.execute(m.Certificate.__table__.insert().values(
                id=next(ids), unit_id=unit_id, ca_date=a.day, issuer=ISSUER, status=status,
                sent_date=sent, validity_years=years, expires_on=ca_expiry(a.day, years),
                lapse_date=lapse, lapse_reason=why))
        elif a.kind == "decide":
            decision_ids[a.day] = next(ids)
            conn.execute(m.Decision.__table__.insert().values(
                id=decision_ids[a.day], unit_id=unit_id, decision_date=a.day,
                kind=a.decision or DecisionKind.ONGESCHIKT, issuer=ISSUER,
                annulled_date=annulled.get(a.day)))
        elif a.kind == "remove":
            lists: dict[object, date] = {}
            for d in acts:
                kind = d.decision or DecisionKind.ONGESCHIKT
                if d.kind == "decide" and d.day <= a.day and kind in LIST_BY_DECISION:
                    lists[LIST_BY_DECISION[kind]] = d.day
            for listed, start in lists.items():
                conn.execute(m.InventoryEntry.__table__.insert().values(
                    id=next(ids), unit_id=unit_id, decision_id=decision_ids[start],
                    inventory_list=listed, entry_date=start, removal_date=a.day,
                    removal_reason=a.reason))
        elif a.kind in ("works", "demolish"):
            kind = UnitEventKind.GESLOOPT if a.kind == "demolish" else \
                UnitEventKind.ZEER_INGRIJPENDE_WERKEN
            conn.execute(m.UnitEvent.__table__.insert().values(
                id=next(ids), unit_id=unit_id, kind=kind, event_date=a.day))
        elif a.kind == "odk":
            unit_row["odk_established"] = a.day
        elif a.kind == "end_odk":
            unit_row["odk_ended"] = a.day
        elif a.kind == "refuse":
            conn.execute(m.CertificateRefusal.__table__.insert().values(
                id=next(ids), unit_id=unit_id, refusal_date=a.day, issuer=ISSUER))
    conn.execute(m.DwellingUnit.__table__.update().where(m.DwellingUnit.id == unit_id)
                 .values(**unit_row))
