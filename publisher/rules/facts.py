"""The three public facts, decided for a date D exactly as DESIGN.md states them.

Interval convention everywhere: a fact that starts on day S and ends on day E holds on D when
``S <= D < E``. An end (lapse, removal, repair confirmation, expiry) takes effect on its own day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from publisher.rules.dates import add_years
from publisher.store.records import Certificate, Claim, InventoryEntry, Policy, Unit
from publisher.store.vocabulary import CertificateStatus

#: Legal maximum validity of a CA; a municipality may only shorten it.
MAX_VALIDITY_YEARS = 10


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


def certificate_is_valid(ca: Certificate, on: date) -> bool:
    """A sent CA, dated on or before ``on``, not lapsed or withdrawn, not past its validity."""
    return (
        ca.status is CertificateStatus.VERSTUURD
        and ca.ca_date <= on < ca.expires_on
        and (ca.lapse_date is None or on < ca.lapse_date)
    )


def active_certificate(unit: Unit, on: date) -> Certificate | None:
    """The newest CA of ``unit`` valid on ``on``, or None."""
    valid = [ca for ca in unit.certificates if certificate_is_valid(ca, on)]
    return max(valid, key=lambda ca: (ca.ca_date, ca.id)) if valid else None


def has_valid_ca(unit: Unit, on: date) -> bool:
    """Public flag ``Conformiteitsattest`` for a unit on date ``on``."""
    return active_certificate(unit, on) is not None


def entry_is_open(entry: InventoryEntry, on: date) -> bool:
    """An inventory period holds from its entry date until (not including) its removal date."""
    return entry.entry_date <= on and (entry.removal_date is None or on < entry.removal_date)


def is_on_inventory(unit: Unit, on: date) -> bool:
    """Public flag ``VlaamseInventarisOngeschikteOnbewoonbareWoningen`` (either VIVOO list)."""
    return any(entry_is_open(entry, on) for entry in unit.entries)


def claim_is_open(claim: Claim, on: date) -> bool:
    """A claim holds from filing until (not including) the day the repair is confirmed."""
    return claim.filed_date <= on and (
        claim.repair_confirmed_date is None or on < claim.repair_confirmed_date
    )


def has_open_claim(claims: Iterable[Claim], on: date) -> bool:
    """Public flag ``RegisterHerstelvorderingen`` for a building on ``on``."""
    return any(claim_is_open(claim, on) for claim in claims)
