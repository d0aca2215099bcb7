"""Why a unit has (or lacks) its public flags on a date, in lines an operator can read out.

Built from the same derivation as the flags (``facts.certificate_spans`` and
``facts.inventory_periods``), so an explanation cannot disagree with the publication. It names
acts by kind and date only: no persons, no remarks, no reasons beyond VLOK's closed vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from publisher.rules.facts import (
    CaSpan,
    Period,
    certificate_spans,
    claim_is_open,
    inventory_periods,
)
from publisher.store.records import Claim, Policy, Unit


def explain_ca(unit: Unit, on: date, policies: Iterable[Policy] = ()) -> list[str]:
    """One line per CA: its date, when it became public, and how it ended (or ends)."""
    lines = [_ca_line(span, on) for span in certificate_spans(unit, policies)]
    lines += [f"CA refused {r.refusal_date}" for r in unit.refusals if r.refusal_date <= on]
    return lines or ["no CA recorded"]


def _ca_line(span: CaSpan, on: date) -> str:
    ca = span.certificate
    head = f"CA {ca.ca_date}"
    if span.public_from is None:
        return f"{head} not public: status {ca.status.value!r}"
    if span.public_from > ca.ca_date:
        head += f" (sent {span.public_from})"
    if on < span.public_from:
        return f"{head}: not public yet on {on}"
    end = span.end
    if on < end.day:
        return f"{head} valid on {on}, until {end.day} at the latest"
    verb = "expired" if end.reason == "validity ended" else "lapsed"
    return f"{head} {verb} {end.day}" + ("" if verb == "expired" else f": {end.reason}")


def explain_inventory(unit: Unit, on: date) -> list[str]:
    """One line per VIVOO period: its list, how it started, and how it ended."""
    lines = [_period_line(p, on) for p in inventory_periods(unit) if p.start <= on]
    return lines or ["never on VIVOO"]


def _period_line(p: Period, on: date) -> str:
    head = f"{p.inventory_list.value} from {p.start} ({p.origin})"
    if p.end is None or on < p.end.day:
        return f"{head}: on the list on {on}"
    return f"{head} until {p.end.day}: {p.end.reason}"


def explain_claims(claims: Iterable[Claim], on: date) -> list[str]:
    """One line per claim on the unit's building: filed, and repaired or still open."""
    lines = []
    for c in sorted(claims, key=lambda c: (c.filed_date, c.id)):
        if c.filed_date > on:
            continue
        state = "open" if claim_is_open(c, on) else f"repair confirmed {c.repair_confirmed_date}"
        lines.append(f"claim filed {c.filed_date}: {state}")
    return lines or ["no restoration claim on the building"]
