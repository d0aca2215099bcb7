"""Operations that record acts in a unit or building history, refusing unlawful ones.

Each takes the current record and returns the new one (records are immutable) or raises
:class:`~publisher.errors.RuleViolation` with a message for the user. Identifiers for new rows
come from an :class:`IdSource`, so the same code serves the store (next free id) and the
synthetic generator (plain counters).

An operation records the act itself, with its date: a decision, an ODK establishment, works, a
demolition, a sending. It does not write the consequences the law attaches to it (a CA lapsing,
a unit leaving VIVOO): ``publisher.rules.facts`` derives those from the dates, so recording the
same acts in another order gives the same flags. Withdrawal and removals from VIVOO are acts of
their own and are recorded as such.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import TypeVar

from publisher.errors import RuleViolation
from publisher.rules.facts import (
    LIST_BY_DECISION,
    MAX_VALIDITY_YEARS,
    ODK_IN_FORCE,
    ca_expiry,
    inventory_periods,
    odk_exempt,
)
from publisher.store.records import (
    Certificate,
    Claim,
    Decision,
    InventoryEntry,
    Refusal,
    Unit,
    UnitEvent,
)
from publisher.store.vocabulary import (
    CertificateStatus,
    DecisionKind,
    Issuer,
    LapseReason,
    RemovalReason,
    UnitEventKind,
)

T = TypeVar("T", Certificate, Decision)

#: ``ids("certificate")`` → a new unique id for that table.
IdSource = Callable[[str], int]

#: Statuses of a CA that is made but not sent: not public, no effects.
UNSENT = (CertificateStatus.IN_OPMAAK, CertificateStatus.TER_ONDERTEKENING,
          CertificateStatus.TE_VERSTUREN)


class Sequence:
    """In-memory id source: one counter per table, starting after ``start``."""

    def __init__(self, start: dict[str, int] | None = None) -> None:
        self._last = dict(start or {})

    def __call__(self, table: str) -> int:
        """Next id for ``table``."""
        self._last[table] = self._last.get(table, 0) + 1
        return self._last[table]


# --- ODK ----------------------------------------------------------------------------------------


def is_odk_on(unit: Unit, on: date) -> bool:
    """Whether ``unit`` is an established, not yet ended, unlicensed domicile room on ``on``."""
    return (
        unit.odk_established is not None
        and unit.odk_established <= on
        and (unit.odk_ended is None or on < unit.odk_ended)
    )


def establish_odk(unit: Unit, established: date, *, today: date | None = None) -> Unit:
    """Establish a room as ODK on ``established``; the rules lapse its CAs from that day."""
    if not unit.unit_type.is_room:
        raise RuleViolation(f"{unit.reference}: only a room (NZW) can be an ODK, "
                            f"not a {unit.unit_type.value}")
    if established < ODK_IN_FORCE:
        raise RuleViolation(f"{unit.reference}: ODK establishment {established} is before the "
                            f"rule came into force on {ODK_IN_FORCE}")
    if today is not None and established > today:
        raise RuleViolation(f"{unit.reference}: ODK establishment date {established} is in "
                            "the future")
    if unit.odk_established is not None:
        raise RuleViolation(f"{unit.reference}: already established as ODK on "
                            f"{unit.odk_established}")
    return replace(unit, odk_established=established, odk_ended=None)


def end_odk(unit: Unit, ended: date, *, today: date | None = None) -> Unit:
    """End an ODK. A CA that lapsed because of it stays lapsed."""
    if unit.odk_established is None or unit.odk_ended is not None:
        raise RuleViolation(f"{unit.reference}: is not an ODK")
    if ended < unit.odk_established:
        raise RuleViolation(f"{unit.reference}: ODK end {ended} is before its establishment "
                            f"{unit.odk_established}")
    if today is not None and ended > today:
        raise RuleViolation(f"{unit.reference}: ODK end date {ended} is in the future")
    return replace(unit, odk_ended=ended)


# --- conformity certificates --------------------------------------------------------------------


def draft_ca(
    unit: Unit,
    ca_date: date,
    *,
    issuer: Issuer,
    validity_years: int,
    ids: IdSource,
    status: CertificateStatus = CertificateStatus.IN_OPMAAK,
    procedure_id: int | None = None,
) -> Unit:
    """Create a CA that is not sent yet (drafted, being signed, to be sent): not public."""
    if status not in UNSENT:
        raise RuleViolation(f"a drafted CA cannot have status {status.value!r}; use send_ca")
    if not 1 <= validity_years <= MAX_VALIDITY_YEARS:
        raise RuleViolation(f"CA validity {validity_years} years: must be 1 to "
                            f"{MAX_VALIDITY_YEARS}")
    if is_odk_on(unit, ca_date) and not odk_exempt(unit, ca_date):
        raise RuleViolation(f"{unit.reference}: an unlicensed domicile room (ODK since "
                            f"{unit.odk_established}) can only get a refusal, not a CA")
    ca = Certificate(
        id=ids("certificate"), ca_date=ca_date, issuer=issuer, status=status,
        validity_years=validity_years, expires_on=ca_expiry(ca_date, validity_years),
        procedure_id=procedure_id,
    )
    return replace(unit, certificates=(*unit.certificates, ca))


def sign_ca(unit: Unit, certificate_id: int) -> Unit:
    """The CA is signed and waits to be sent ("CA te versturen"): still not public."""
    ca = _find(unit.certificates, certificate_id, unit.reference, "CA")
    if ca.status not in UNSENT:
        raise RuleViolation(f"{unit.reference}: CA {certificate_id} was already sent")
    return _replace_ca(unit, replace(ca, status=CertificateStatus.TE_VERSTUREN))


def send_ca(unit: Unit, certificate_id: int, sent_date: date) -> Unit:
    """Send a CA ("CA verstuurd"): public from ``sent_date``, it ends earlier VIVOO periods.

    The rules derive both effects from the dates: the CA is public from the day it is sent, and
    the VIVOO periods that started before its date end that day.

    A CA that lapsed before it was sent (a decision or an ODK during signing) is still sent, as
    VLOK does, and still takes the unit off VIVOO (seed ``004``).
    """
    ca = _find(unit.certificates, certificate_id, unit.reference, "CA")
    if ca.status is CertificateStatus.VERSTUURD:
        raise RuleViolation(f"{unit.reference}: CA {certificate_id} was already sent")
    if sent_date < ca.ca_date:
        raise RuleViolation(f"{unit.reference}: CA sent on {sent_date}, before its date "
                            f"{ca.ca_date}")
    return _replace_ca(unit, replace(ca, status=CertificateStatus.VERSTUURD, sent_date=sent_date))


def issue_ca(
    unit: Unit,
    ca_date: date,
    *,
    issuer: Issuer,
    validity_years: int,
    ids: IdSource,
    sent_date: date | None = None,
    procedure_id: int | None = None,
) -> Unit:
    """Draft and send a CA in one step (the usual case); see :func:`send_ca` for effects."""
    drafted = draft_ca(unit, ca_date, issuer=issuer, validity_years=validity_years, ids=ids,
                       procedure_id=procedure_id)
    return send_ca(drafted, drafted.certificates[-1].id, sent_date or ca_date)


def refuse_ca(unit: Unit, refused: date, *, issuer: Issuer, ids: IdSource,
              procedure_id: int | None = None) -> Unit:
    """Refuse a CA (weigeringsbeslissing): recorded, never public, no effect on the flags."""
    refusal = Refusal(id=ids("certificate_refusal"), refusal_date=refused, issuer=issuer,
                      procedure_id=procedure_id)
    return replace(unit, refusals=(*unit.refusals, refusal))


def withdraw_ca(unit: Unit, certificate_id: int, on: date) -> Unit:
    """Withdraw a CA (intrekking): it is gone from ``on``. The withdrawal is its own act."""
    ca = _find(unit.certificates, certificate_id, unit.reference, "CA")
    if on < ca.ca_date:
        raise RuleViolation(f"{unit.reference}: withdrawal {on} before CA date {ca.ca_date}")
    if ca.lapse_date is not None and ca.lapse_date <= on:
        return unit
    return _replace_ca(unit, replace(ca, lapse_date=on, lapse_reason=LapseReason.INGETROKKEN))


def major_works(unit: Unit, on: date, *, ids: IdSource) -> Unit:
    """Very large works (zeer ingrijpende werken) on ``on``: every CA dated up to then lapses."""
    return _event(unit, UnitEventKind.ZEER_INGRIJPENDE_WERKEN, on, ids)


def demolish(unit: Unit, on: date, *, ids: IdSource) -> Unit:
    """A demolished unit leaves VIVOO ("Gesloopt") and keeps no CA, from ``on``."""
    if any(e.kind is UnitEventKind.GESLOOPT for e in unit.events):
        raise RuleViolation(f"{unit.reference}: already demolished")
    return _event(unit, UnitEventKind.GESLOOPT, on, ids)


def _event(unit: Unit, kind: UnitEventKind, on: date, ids: IdSource) -> Unit:
    event = UnitEvent(id=ids("unit_event"), kind=kind, event_date=on)
    return replace(unit, events=(*unit.events, event))


# --- decisions and the inventory ----------------------------------------------------------------


def take_decision(
    unit: Unit,
    decided: date,
    kind: DecisionKind,
    *,
    issuer: Issuer,
    ids: IdSource,
    procedure_id: int | None = None,
) -> Unit:
    """Declare a unit unfit, uninhabitable (also under NGW art. 135) or overcrowded.

    By law every CA dated up to the decision lapses that day; unfit/uninhabitable puts the unit
    on VIVOO-OO and NGW on VIVOO-NGW (overcrowding on no list). The rules derive all of that
    from the decision; the entry row written here is VIVOO's register line for the decision.
    """
    decision = Decision(id=ids("decision"), decision_date=decided, kind=kind, issuer=issuer,
                        procedure_id=procedure_id)
    unit = replace(unit, decisions=(*unit.decisions, decision))
    target = LIST_BY_DECISION.get(kind)
    if target is None:
        return unit
    entry = InventoryEntry(id=ids("inventory_entry"), inventory_list=target, entry_date=decided,
                           decision_id=decision.id)
    return replace(unit, entries=(*unit.entries, entry))


def annul_decision(unit: Unit, decision_id: int, on: date) -> Unit:
    """A decision annulled on appeal: its own inventory period ends with "Besluit vernietigd".

    Other decisions' periods go on; a CA that lapsed by the decision stays lapsed.
    """
    decision = _find(unit.decisions, decision_id, unit.reference, "decision")
    if on < decision.decision_date:
        raise RuleViolation(f"{unit.reference}: annulment {on} before decision "
                            f"{decision.decision_date}")
    if decision.annulled_date is not None:
        raise RuleViolation(f"{unit.reference}: decision {decision_id} was already annulled "
                            f"on {decision.annulled_date}")
    decisions = tuple(replace(d, annulled_date=on) if d.id == decision_id else d
                      for d in unit.decisions)
    entries = tuple(
        replace(e, removal_date=on, removal_reason=RemovalReason.BESLUIT_VERNIETIGD)
        if e.decision_id == decision_id and e.removal_date is None else e
        for e in unit.entries
    )
    return replace(unit, decisions=decisions, entries=entries)


def remove_from_inventory(unit: Unit, on: date, reason: RemovalReason, *,
                          ids: IdSource | None = None) -> Unit:
    """Take the unit off every VIVOO list it is on, on ``on`` (migration, lifted decision …).

    A CA is the usual way out but works by sending the CA; an annulment by annul_decision.
    """
    if reason in (RemovalReason.CONFORMITEITSATTEST, RemovalReason.BESLUIT_VERNIETIGD):
        how = "sending the CA (send_ca)" if reason is RemovalReason.CONFORMITEITSATTEST \
            else "annulling the decision (annul_decision)"
        raise RuleViolation(f"removal for {reason.value!r} happens by {how}")
    holding = [p for p in inventory_periods(unit) if p.holds(on)]
    if not holding:
        raise RuleViolation(f"{unit.reference}: not on VIVOO on {on}")
    entries = list(unit.entries)
    for listed in {p.inventory_list for p in holding}:
        open_rows = [i for i, e in enumerate(entries) if e.inventory_list is listed
                     and e.removal_date is None and e.entry_date <= on]
        for i in open_rows:
            entries[i] = replace(entries[i], removal_date=on, removal_reason=reason)
        if not open_rows:
            period = next(p for p in holding if p.inventory_list is listed)
            if ids is None:
                raise RuleViolation(f"{unit.reference}: no register line to remove on {on}")
            entries.append(InventoryEntry(
                id=ids("inventory_entry"), inventory_list=listed, entry_date=period.start,
                decision_id=period.decision_id, removal_date=on, removal_reason=reason))
    return replace(unit, entries=tuple(entries))


# --- restoration claims -------------------------------------------------------------------------


def file_claim(building_id: int, filed: date, *, ids: IdSource) -> Claim:
    """The housing inspectorate files a restoration claim on a building."""
    return Claim(id=ids("restoration_claim"), building_id=building_id, filed_date=filed)


def confirm_repair(claim: Claim, on: date) -> Claim:
    """The repair is confirmed: the claim leaves the register from ``on``."""
    if claim.repair_confirmed_date is not None:
        raise RuleViolation(f"claim {claim.id}: repair already confirmed on "
                            f"{claim.repair_confirmed_date}")
    if on < claim.filed_date:
        raise RuleViolation(f"claim {claim.id}: repair {on} before filing {claim.filed_date}")
    return replace(claim, repair_confirmed_date=on)


# --- helpers ------------------------------------------------------------------------------------


def _replace_ca(unit: Unit, ca: Certificate) -> Unit:
    return replace(unit, certificates=tuple(ca if c.id == ca.id else c
                                            for c in unit.certificates))


def _find(items: tuple[T, ...], item_id: int, reference: str, what: str) -> T:
    for item in items:
        if item.id == item_id:  # type: ignore[attr-defined]
            return item
    raise RuleViolation(f"{reference}: no {what} with id {item_id}")
