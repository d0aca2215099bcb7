"""The three public facts as of a date D, derived from the dated history alone.

The law makes a CA lapse *by law* on the day of a decision, an ODK establishment, very large
works or demolition, and a CA takes a unit off VIVOO on the day it is sent. VLOK also writes
lapse and removal rows when its users act, but those rows are one more dated fact here, never
the only place a lapse or a removal can come from: the flags below are computed from every dated
act, so they do not depend on the order in which the acts were recorded, nor on which rows an
operation happened to write, nor on when the daily job ran.

Interval convention everywhere: a fact that starts on day S and ends on day E holds on D when
``S <= D < E``. An end (lapse, removal, repair confirmation, expiry) takes effect on its own day.

Same-day acts: a decision, works or demolition dated the same day as a CA prevail over it (the
CA lapses that day, and a CA does not end a VIVOO period that started the same day). A CA is
issued after a conform investigation and a decision after a non-conform one, so a same-day pair
is a recording anomaly; we resolve it towards the tenant's protection, and say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from publisher.rules.dates import add_years
from publisher.store.records import Certificate, Claim, Policy, Unit
from publisher.store.vocabulary import (
    CertificateStatus,
    DecisionKind,
    InventoryList,
    RemovalReason,
    UnitEventKind,
)

#: Legal maximum validity of a CA; a municipality may only shorten it.
MAX_VALIDITY_YEARS = 10
#: The ODK rules are in force from this day (Vlaamse Codex Wonen art. 3.9, 6°).
ODK_IN_FORCE = date(2021, 9, 20)
#: Rooms on VIVOO with an entry date before this day keep their CAs (transitional rule).
ODK_TRANSITION_CUTOFF = date(2022, 1, 1)

#: Which VIVOO list a decision enters; overcrowding (overbewoning) enters none.
LIST_BY_DECISION = {
    DecisionKind.ONGESCHIKT: InventoryList.VIVOO_OO,
    DecisionKind.ONBEWOONBAAR: InventoryList.VIVOO_OO,
    DecisionKind.ONBEWOONBAAR_NGW: InventoryList.VIVOO_NGW,
}
ODK_REASON = "onvergunde domiciliekamer"


@dataclass(frozen=True)
class End:
    """The day a fact stops holding, and why (plain words for the ``flags`` explanation)."""

    day: date
    reason: str


@dataclass(frozen=True)
class CaSpan:
    """When one CA is public: from ``public_from`` until its expiry or lapse, whichever first."""

    certificate: Certificate
    public_from: date | None  # None: never sent, never public
    expires: date
    lapse: End | None

    @property
    def end(self) -> End:
        """First day the CA is gone."""
        expiry = End(self.expires, "validity ended")
        return self.lapse if self.lapse and self.lapse.day < self.expires else expiry

    def holds(self, on: date) -> bool:
        """Whether this CA is the public fact ``Conformiteitsattest`` on ``on``."""
        return self.public_from is not None and self.public_from <= on < self.end.day


@dataclass(frozen=True)
class Period:
    """One period on a VIVOO list, opened by a decision or by a recorded entry."""

    inventory_list: InventoryList
    start: date
    origin: str
    decision_id: int | None
    annulled_on: date | None  # the decision behind it was annulled on appeal that day
    end: End | None

    def holds(self, on: date) -> bool:
        """Whether the unit is on this list through this period on ``on``."""
        return self.start <= on and (self.end is None or on < self.end.day)


# --- validity -----------------------------------------------------------------------------------


def validity_years_for(policies: Iterable[Policy], ca_date: date) -> int:
    """Validity of a CA dated ``ca_date``: the municipality's setting in force that day, else 10.

    A later policy change does not shorten CAs already issued, hence "in force on the CA date".
    Values above the legal maximum are capped; a municipality cannot lengthen validity.
    """
    in_force = [p for p in policies if p.valid_from <= ca_date]
    if not in_force:
        return MAX_VALIDITY_YEARS
    current = max(in_force, key=lambda p: p.valid_from)
    if current.ca_validity_years is None or current.ca_validity_years <= 0:
        return MAX_VALIDITY_YEARS
    return min(current.ca_validity_years, MAX_VALIDITY_YEARS)


def ca_expiry(ca_date: date, validity_years: int) -> date:
    """First day a CA is no longer valid: ``ca_date + N years`` (29 Feb → 28 Feb)."""
    return add_years(ca_date, min(validity_years, MAX_VALIDITY_YEARS))


def public_from(ca: Certificate) -> date | None:
    """A CA is public from the day it is sent (never before its date), only once sent."""
    if ca.status is not CertificateStatus.VERSTUURD:
        return None
    return max(ca.ca_date, ca.sent_date) if ca.sent_date else ca.ca_date


# --- VIVOO periods ------------------------------------------------------------------------------


def inventory_periods(unit: Unit) -> list[Period]:
    """Every VIVOO period of ``unit`` with the end the law and the recorded facts give it.

    A period opens on each unfit/uninhabitable decision (VIVOO-OO) or NGW decision (VIVOO-NGW),
    and on each recorded entry not tied to such a decision (migrated data). It ends on the first
    of: the annulment of its own decision (only that decision's period), a recorded removal of
    its own entry, a recorded removal of the unit from that list on or after its start, the day a
    CA dated after its start is sent, or demolition.
    """
    if not unit.decisions and not unit.entries:
        return []
    listing = {d.id: d for d in unit.decisions if d.kind in LIST_BY_DECISION}
    opened: list[tuple[InventoryList, date, str, int | None, list[End], date | None]] = []
    for d in listing.values():
        own = [End(e.removal_date, _removal_words(e.removal_reason))
               for e in unit.entries if e.decision_id == d.id and e.removal_date]
        annulled = min([day for day in [d.annulled_date] if day] + [
            e.removal_date for e in unit.entries if e.decision_id == d.id and e.removal_date
            and e.removal_reason is RemovalReason.BESLUIT_VERNIETIGD], default=None)
        if d.annulled_date:
            own.append(End(d.annulled_date, "decision annulled"))
        opened.append((LIST_BY_DECISION[d.kind], d.decision_date,
                       f"decision {d.kind.value} {d.decision_date}", d.id, own, annulled))
    for e in unit.entries:
        if e.decision_id in listing:
            continue
        own = [End(e.removal_date, _removal_words(e.removal_reason))] if e.removal_date else []
        annulled = e.removal_date if e.removal_reason is RemovalReason.BESLUIT_VERNIETIGD \
            else None
        opened.append((e.inventory_list, e.entry_date, f"entry {e.entry_date}", None, own,
                       annulled))
    list_removals = [(e.inventory_list, End(e.removal_date, _removal_words(e.removal_reason)))
                     for e in unit.entries
                     if e.removal_date and e.removal_reason is not RemovalReason.BESLUIT_VERNIETIGD]
    sent = [(ca.ca_date, day) for ca in unit.certificates if (day := public_from(ca))]
    demolished = [ev.event_date for ev in unit.events if ev.kind is UnitEventKind.GESLOOPT]
    periods = []
    for listed, start, origin, decision_id, own, annulled in opened:
        ends = [end for end in own if end.day >= start]
        ends += [end for lst, end in list_removals if lst is listed and end.day >= start]
        ends += [End(day, f"CA {ca_date} sent") for ca_date, day in sent if ca_date > start]
        ends += [End(day, "demolished") for day in demolished if day >= start]
        periods.append(Period(listed, start, origin, decision_id, annulled,
                              min(ends, key=lambda end: end.day) if ends else None))
    return sorted(periods, key=lambda p: (p.start, p.inventory_list.value))


def _removal_words(reason: RemovalReason | None) -> str:
    return f"removed ({reason.value})" if reason else "removed"


# --- CA lapse -----------------------------------------------------------------------------------


def odk_exempt(unit: Unit, lapse_day: date, periods: list[Period] | None = None) -> bool:
    """Transitional rule of seed ``004``: a room "reeds op VIVOO met opnamedatum < 01/01/2022".

    Our reading: the room had a VIVOO period that started before 2022-01-01, on or before the day
    the ODK would lapse the CA ("reeds": already), and the decision behind it had not been
    annulled by that day (an annulled decision never lawfully put the room on VIVOO; an
    annulment dated later does not reach back). The period need not be open any more: the
    rule exists so that these rooms can still leave VIVOO through a CA, and VIVOO's own example
    shows the CA closing the period; a CA that did so must not then lapse for the very reason the
    rule protects it from. A room whose only pre-2022 period was annulled is not exempt.
    """
    periods = inventory_periods(unit) if periods is None else periods
    return any(p.start < ODK_TRANSITION_CUTOFF and p.start <= lapse_day
               and (p.annulled_on is None or p.annulled_on > lapse_day) for p in periods)


def ca_lapse(unit: Unit, ca: Certificate, periods: list[Period] | None = None) -> End | None:
    """The first day ``ca`` lapses by law or by a recorded lapse, or None.

    - a recorded lapse or withdrawal (VLOK's own row): on its day;
    - a decision (unfit, uninhabitable, overcrowded, NGW) dated on or after the CA date, even if
      annulled later (an annulment does not revive a CA): on the decision day;
    - very large works or demolition on or after the CA date: on that day;
    - an ODK established before the ODK ended or the CA is dated after its end: on the CA date
      if the establishment precedes it, else on the establishment date, unless the transitional
      rule exempts the room (see :func:`odk_exempt`).
    """
    ends = []
    if ca.lapse_date:
        reason = ca.lapse_reason.value if ca.lapse_reason else "lapse recorded"
        ends.append(End(ca.lapse_date, reason))
    ends += [End(d.decision_date, f"decision {d.kind.value}")
             for d in unit.decisions if d.decision_date >= ca.ca_date]
    ends += [End(ev.event_date, ev.kind.value)
             for ev in unit.events if ev.event_date >= ca.ca_date]
    established = unit.odk_established
    if established and (unit.odk_ended is None or ca.ca_date < unit.odk_ended):
        day = max(ca.ca_date, established)
        if not odk_exempt(unit, day, periods):
            ends.append(End(day, ODK_REASON))
    return min(ends, key=lambda end: end.day) if ends else None


def certificate_spans(unit: Unit, policies: Iterable[Policy] = ()) -> list[CaSpan]:
    """Every CA of ``unit`` with when it is public and why it ends."""
    policies = tuple(policies)
    periods = inventory_periods(unit) if unit.odk_established else []
    spans = []
    for ca in unit.certificates:
        expires = min(ca.expires_on, ca_expiry(ca.ca_date, validity_years_for(policies,
                                                                              ca.ca_date)))
        spans.append(CaSpan(ca, public_from(ca), expires, ca_lapse(unit, ca, periods)))
    return spans


# --- the three flags ----------------------------------------------------------------------------


def active_certificate(unit: Unit, on: date, policies: Iterable[Policy] = ()
                       ) -> Certificate | None:
    """The newest CA of ``unit`` public on ``on``, or None."""
    valid = [s.certificate for s in certificate_spans(unit, policies) if s.holds(on)]
    return max(valid, key=lambda ca: (ca.ca_date, ca.id)) if valid else None


def has_valid_ca(unit: Unit, on: date, policies: Iterable[Policy] = ()) -> bool:
    """Public flag ``Conformiteitsattest`` for a unit on date ``on``.

    ``policies`` are the versions of the municipality's policy (validity in force on the CA
    date); without them the legal maximum of 10 years applies.
    """
    return any(span.holds(on) for span in certificate_spans(unit, policies))


def is_on_inventory(unit: Unit, on: date) -> bool:
    """Public flag ``VlaamseInventarisOngeschikteOnbewoonbareWoningen`` (either VIVOO list)."""
    return any(period.holds(on) for period in inventory_periods(unit))


def claim_is_open(claim: Claim, on: date) -> bool:
    """A claim holds from filing until (not including) the day the repair is confirmed."""
    return claim.filed_date <= on and (
        claim.repair_confirmed_date is None or on < claim.repair_confirmed_date
    )


def has_open_claim(claims: Iterable[Claim], on: date) -> bool:
    """Public flag ``RegisterHerstelvorderingen`` for a building on ``on``."""
    return any(claim_is_open(claim, on) for claim in claims)
