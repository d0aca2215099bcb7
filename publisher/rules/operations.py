"""Operations that change a unit or building history, so the store holds only lawful histories.

Each takes the current record and returns the new one (records are immutable) or raises
:class:`~publisher.errors.RuleViolation` with a message for the user. Identifiers for new rows
come from an :class:`IdSource`, so the same code serves the store (next free id) and the
synthetic generator (plain counters).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import TypeVar

from publisher.errors import RuleViolation
from publisher.rules.facts import MAX_VALIDITY_YEARS, ca_expiry, certificate_is_valid
from publisher.store.records import Certificate, Claim, Decision, InventoryEntry, Unit
from publisher.store.vocabulary import (
    CertificateStatus,
    DecisionKind,
    InventoryList,
    Issuer,
    LapseReason,
    RemovalReason,
)

T = TypeVar("T", Certificate, Decision)

#: ``ids("certificate")`` → a new unique id for that table.
IdSource = Callable[[str], int]

#: The ODK rules are in force from this day (Vlaamse Codex Wonen art. 3.9, 6°).
ODK_IN_FORCE = date(2021, 9, 20)
#: Rooms on VIVOO with an entry date before this day keep their CAs (transitional rule).
ODK_TRANSITION_CUTOFF = date(2022, 1, 1)

LAPSE_BY_DECISION = {
    DecisionKind.ONGESCHIKT: LapseReason.ONGESCHIKT,
    DecisionKind.ONBEWOONBAAR: LapseReason.ONBEWOONBAAR,
    DecisionKind.OVERBEWOOND: LapseReason.OVERBEWOOND,
    DecisionKind.ONBEWOONBAAR_NGW: LapseReason.ONBEWOONBAAR_NGW,
}
LIST_BY_DECISION = {
    DecisionKind.ONGESCHIKT: InventoryList.VIVOO_OO,
    DecisionKind.ONBEWOONBAAR: InventoryList.VIVOO_OO,
    DecisionKind.ONBEWOONBAAR_NGW: InventoryList.VIVOO_NGW,
    # Overcrowding (overbewoning) leads to no inventory entry.
}


class Sequence:
    """In-memory id source: one counter per table, starting after ``start``."""

    def __init__(self, start: dict[str, int] | None = None) -> None:
        self._last = dict(start or {})

    def __call__(self, table: str) -> int:
        """Next id for ``table``."""
        self._last[table] = self._last.get(table, 0) + 1
        return self._last[table]


# --- ODK ----------------------------------------------------------------------------------------


def odk_exempt(unit: Unit) -> bool:
    """Transitional rule: a room on VIVOO with an entry date before 2022-01-01 keeps its CAs.

    We read "stond reeds op VIVOO met opnamedatum < 01/01/2022" as: the unit has an inventory
    period that started before that day, even if a CA has since removed it from the list (the
    usual way a room with a CA left VIVOO).
    """
    return any(entry.entry_date < ODK_TRANSITION_CUTOFF for entry in unit.entries)


def is_odk_on(unit: Unit, on: date) -> bool:
    """Whether ``unit`` is an established, not yet ended, unlicensed domicile room on ``on``."""
    return (
        unit.odk_established is not None
        and unit.odk_established <= on
        and (unit.odk_ended is None or on < unit.odk_ended)
    )


def odk_lapse_date(ca_date: date, established: date) -> date:
    """Lapse date of a CA by ODK: the CA date if established before it, else the establishment."""
    return max(ca_date, established)


def establish_odk(unit: Unit, established: date, *, today: date | None = None) -> Unit:
    """Establish a room as ODK; its current CAs lapse unless the transitional rule exempts it."""
    if not unit.unit_type.is_room:
        raise RuleViolation(f"{unit.reference}: only a room (NZW) can be an ODK, "
                            f"not a {unit.unit_type.value}")
    if established < ODK_IN_FORCE:
        raise RuleViolation(f"{unit.reference}: ODK establishment {established} is before the "
                            f"rule came into force on {ODK_IN_FORCE}")
    if today is not None and established > today:
        raise RuleViolation(f"{unit.reference}: ODK establishment date {established} is in "
                            "the future")
    if is_odk_on(unit, established) or (unit.odk_established and unit.odk_ended is None):
        raise RuleViolation(f"{unit.reference}: already established as ODK on "
                            f"{unit.odk_established}")
    unit = replace(unit, odk_established=established, odk_ended=None)
    if odk_exempt(unit):
        return unit
    certificates = tuple(
        _lapse(ca, odk_lapse_date(ca.ca_date, established), LapseReason.ONVERGUNDE_DOMICILIEKAMER)
        if _is_current(ca) and odk_lapse_date(ca.ca_date, established) < ca.expires_on else ca
        for ca in unit.certificates
    )
    return replace(unit, certificates=certificates)


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
    """Create a CA that is not sent yet (drafted or awaiting signature): not public, no effects."""
    if status is CertificateStatus.VERSTUURD:
        raise RuleViolation("a drafted CA cannot have status 'CA verstuurd'; use send_ca")
    if not 1 <= validity_years <= MAX_VALIDITY_YEARS:
        raise RuleViolation(f"CA validity {validity_years} years: must be 1 to "
                            f"{MAX_VALIDITY_YEARS}")
    if is_odk_on(unit, ca_date) and not odk_exempt(unit):
        raise RuleViolation(f"{unit.reference}: an unlicensed domicile room (ODK since "
                            f"{unit.odk_established}) can only get a refusal, not a CA")
    ca = Certificate(
        id=ids("certificate"), ca_date=ca_date, issuer=issuer, status=status,
        validity_years=validity_years, expires_on=ca_expiry(ca_date, validity_years),
        procedure_id=procedure_id,
    )
    return replace(unit, certificates=(*unit.certificates, ca))


def send_ca(unit: Unit, certificate_id: int, sent_date: date) -> Unit:
    """Send a drafted CA ("CA verstuurd"): it becomes public and takes the unit off VIVOO.

    The VIVOO periods open on the CA date end on that date with reason "Conformiteitsattest".
    If the room was established as ODK after the CA date (while the CA was being signed), the
    CA is sent already lapsed on the establishment date; VLOK still removes it from VIVOO.
    """
    ca = _find(unit.certificates, certificate_id, unit.reference, "CA")
    if ca.status is CertificateStatus.VERSTUURD:
        raise RuleViolation(f"{unit.reference}: CA {certificate_id} was already sent")
    if sent_date < ca.ca_date:
        raise RuleViolation(f"{unit.reference}: CA sent on {sent_date}, before its date "
                            f"{ca.ca_date}")
    later = [e for e in unit.entries if e.removal_date is None and e.entry_date > ca.ca_date]
    if later:
        raise RuleViolation(f"{unit.reference}: on VIVOO since {later[0].entry_date}, after the "
                            f"CA date {ca.ca_date}; a decision after the attest voids it")
    sent = replace(ca, status=CertificateStatus.VERSTUURD, sent_date=sent_date)
    if unit.odk_established and not odk_exempt(unit) and is_odk_on(unit, sent_date):
        sent = _lapse(sent, odk_lapse_date(ca.ca_date, unit.odk_established),
                      LapseReason.ONVERGUNDE_DOMICILIEKAMER)
    entries = tuple(
        replace(e, removal_date=ca.ca_date, removal_reason=RemovalReason.CONFORMITEITSATTEST)
        if e.removal_date is None else e
        for e in unit.entries
    )
    certificates = tuple(sent if c.id == certificate_id else c for c in unit.certificates)
    return replace(unit, certificates=certificates, entries=entries)


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


def withdraw_ca(unit: Unit, certificate_id: int, on: date) -> Unit:
    """Withdraw a CA (intrekking): it is gone from ``on``."""
    ca = _find(unit.certificates, certificate_id, unit.reference, "CA")
    if on < ca.ca_date:
        raise RuleViolation(f"{unit.reference}: withdrawal {on} before CA date {ca.ca_date}")
    return _replace_ca(unit, _lapse(ca, on, LapseReason.INGETROKKEN))


def major_works(unit: Unit, on: date) -> Unit:
    """Very large works (zeer ingrijpende werken) end every current CA on ``on``."""
    return _lapse_current(unit, on, LapseReason.ZEER_INGRIJPENDE_WERKEN)


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

    Every current CA lapses on the decision date. Unfit/uninhabitable puts the unit on VIVOO-OO,
    NGW uninhabitability on VIVOO-NGW, unless it is already on that list; overcrowding enters
    no list.
    """
    decision = Decision(id=ids("decision"), decision_date=decided, kind=kind, issuer=issuer,
                        procedure_id=procedure_id)
    unit = _lapse_current(unit, decided, LAPSE_BY_DECISION[kind])
    unit = replace(unit, decisions=(*unit.decisions, decision))
    target = LIST_BY_DECISION.get(kind)
    if target is None:
        return unit
    if any(e.inventory_list is target and e.removal_date is None for e in unit.entries):
        return unit
    entry = InventoryEntry(id=ids("inventory_entry"), inventory_list=target, entry_date=decided,
                           decision_id=decision.id)
    return replace(unit, entries=(*unit.entries, entry))


def annul_decision(unit: Unit, decision_id: int, on: date) -> Unit:
    """A decision annulled on appeal: its inventory period ends with "Besluit vernietigd"."""
    decision = _find(unit.decisions, decision_id, unit.reference, "decision")
    if on < decision.decision_date:
        raise RuleViolation(f"{unit.reference}: annulment {on} before decision "
                            f"{decision.decision_date}")
    decisions = tuple(replace(d, annulled_date=on) if d.id == decision_id else d
                      for d in unit.decisions)
    entries = tuple(
        replace(e, removal_date=on, removal_reason=RemovalReason.BESLUIT_VERNIETIGD)
        if e.decision_id == decision_id and e.removal_date is None else e
        for e in unit.entries
    )
    return replace(unit, decisions=decisions, entries=entries)


def remove_from_inventory(unit: Unit, on: date, reason: RemovalReason) -> Unit:
    """End every open VIVOO period on ``on`` (demolition, migration, lifted decision …).

    A CA is the usual way out but goes through :func:`send_ca`, which records the reason itself.
    """
    if reason is RemovalReason.CONFORMITEITSATTEST:
        raise RuleViolation("removal for a CA happens by sending the CA (send_ca)")
    open_entries = [e for e in unit.entries if e.removal_date is None]
    if not open_entries:
        raise RuleViolation(f"{unit.reference}: not on VIVOO")
    for entry in open_entries:
        if on < entry.entry_date:
            raise RuleViolation(f"{unit.reference}: removal {on} before entry {entry.entry_date}")
    entries = tuple(
        replace(e, removal_date=on, removal_reason=reason) if e.removal_date is None else e
        for e in unit.entries
    )
    return replace(unit, entries=entries)


def demolish(unit: Unit, on: date) -> Unit:
    """A demolished unit leaves VIVOO ("Gesloopt") and keeps no CA."""
    unit = _lapse_current(unit, on, LapseReason.GESLOOPT)
    if any(e.removal_date is None for e in unit.entries):
        unit = remove_from_inventory(unit, on, RemovalReason.GESLOOPT)
    return unit


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


def _is_current(ca: Certificate) -> bool:
    """Sent and not lapsed: the CAs a lapse can still act on ("actuele CA's")."""
    return ca.status is CertificateStatus.VERSTUURD and ca.lapse_date is None


def _lapse(ca: Certificate, on: date, reason: LapseReason) -> Certificate:
    if ca.lapse_date is not None and ca.lapse_date <= on:
        return ca
    return replace(ca, lapse_date=on, lapse_reason=reason)


def _lapse_current(unit: Unit, on: date, reason: LapseReason) -> Unit:
    """Lapse every CA that is valid on ``on`` (an expired or later one is left alone)."""
    certificates = tuple(
        _lapse(ca, on, reason) if _is_current(ca) and certificate_is_valid(ca, on) else ca
        for ca in unit.certificates
    )
    return replace(unit, certificates=certificates)


def _replace_ca(unit: Unit, ca: Certificate) -> Unit:
    return replace(unit, certificates=tuple(ca if c.id == ca.id else c
                                            for c in unit.certificates))


def _find(items: tuple[T, ...], item_id: int, reference: str, what: str) -> T:
    for item in items:
        if item.id == item_id:  # type: ignore[attr-defined]
            return item
    raise RuleViolation(f"{reference}: no {what} with id {item_id}")
