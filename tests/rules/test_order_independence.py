"""Property: the flags are a function of the dated acts, never of the order they were recorded.

Hypothesis draws lawful histories (CAs drafted, signed, sent early or late, withdrawn; decisions
of every kind, annulled or not; removals; works; demolition; ODK rooms with and without the
transitional exemption; refusals; a municipal validity policy), records each one through the
operations in date order, through the operations in a random order, and as raw store rows (with
or without VLOK's own lapse rows), and checks on every date that matters that all three agree
with a plain day-by-day reading of DESIGN.md written here, apart from ``publisher/rules``.
"""

from __future__ import annotations

import os
import random
import tempfile
from datetime import date, timedelta

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from rule_acts import TODAY, Act, apply, in_date_order, record, reorder, write_raw
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from publisher.errors import RuleViolation
from publisher.extract.histories import read_histories, read_policies
from publisher.rules import has_valid_ca, is_on_inventory
from publisher.rules import operations as ops
from publisher.rules.dates import add_years
from publisher.rules.facts import ODK_IN_FORCE, inventory_periods
from publisher.store import models as m
from publisher.store.db import open_engine
from publisher.store.migrate import upgrade
from publisher.store.records import Policy, Unit
from publisher.store.vocabulary import (
    CertificateStatus,
    DecisionKind,
    LapseReason,
    RemovalReason,
    SigningFlow,
    UnitType,
)
from publisher.synthetic.smallest import one_unit

#: Examples per property in ``make test`` (each records one history four ways and checks
#: ~20–60 dates); ``VLOK_PROPERTY_EXAMPLES=20000`` for a long run.
EXAMPLES = int(os.environ.get("VLOK_PROPERTY_EXAMPLES", "300"))
FIRST, LAST = date(2015, 1, 1), TODAY
days = st.dates(FIRST, LAST)
offsets = st.integers(0, 400)


# --- lawful histories ---------------------------------------------------------------------------


@st.composite
def histories(draw: st.DrawFn) -> tuple[UnitType, list[Act], Policy | None]:
    """A unit type, its acts (lawful in date order), and maybe one validity policy."""
    unit_type = draw(st.sampled_from([UnitType.ZW, UnitType.KAMER, UnitType.KAMER]))
    acts: list[Act] = []
    for day in draw(st.lists(days, max_size=3, unique=True)):
        mode = draw(st.sampled_from(["sent", "sent_late", "draft", "draft_then_sent"]))
        if mode == "sent":
            acts.append(Act("ca", day))
        elif mode == "sent_late":
            acts.append(Act("ca", day, sent=min(day + timedelta(draw(offsets)), LAST)))
        else:
            status = draw(st.sampled_from(ops.UNSENT))
            acts.append(Act("draft", day, status=status))
            if mode == "draft_then_sent":
                acts.append(Act("send", min(day + timedelta(draw(offsets)), LAST), ref=day))
        if draw(st.integers(0, 5)) == 0:
            acts.append(Act("withdraw", min(day + timedelta(draw(offsets) * 3), LAST), ref=day))
    for day in draw(st.lists(days, max_size=3, unique=True)):
        acts.append(Act("decide", day, decision=draw(st.sampled_from(list(DecisionKind)))))
        if draw(st.integers(0, 3)) == 0:
            acts.append(Act("annul", min(day + timedelta(draw(offsets)), LAST), ref=day))
    if draw(st.integers(0, 4)) == 0:
        reason = draw(st.sampled_from([RemovalReason.OVERNAME_OUDE_GEGEVENS,
                                       RemovalReason.BESLUIT_OPGEHEVEN, RemovalReason.GESLOOPT]))
        acts.append(Act("remove", draw(days), reason=reason))
    for kind in ("works", "demolish", "refuse"):
        if draw(st.integers(0, 6)) == 0:
            acts.append(Act(kind, draw(days)))
    if unit_type.is_room and draw(st.booleans()):
        established = draw(st.dates(ODK_IN_FORCE, LAST))
        acts.append(Act("odk", established))
        if draw(st.booleans()):
            acts.append(Act("end_odk", min(established + timedelta(draw(offsets)), LAST)))
    policy = None
    if draw(st.booleans()):
        policy = Policy("44021", draw(days), draw(st.integers(1, 12)))
    return unit_type, lawful(unit_type, acts, [policy] if policy else []), policy


def lawful(unit_type: UnitType, acts: list[Act], policies: list[Policy]) -> list[Act]:
    """Keep the acts the operations accept in date order, and those that refer only to them."""
    unit, ids, kept = blank(unit_type), ops.Sequence(), []
    for act in in_date_order(acts):
        refers_to = ("decide",) if act.kind == "annul" else ("ca", "draft")
        if act.ref is not None and not any(k.day == act.ref and k.kind in refers_to
                                           for k in kept):
            continue
        if act.kind == "end_odk" and not any(k.kind == "odk" for k in kept):
            continue
        try:
            unit = apply(unit, act, ids, policies)
        except RuleViolation:
            continue
        kept.append(act)
    # A removal is lawful only if the unit is on VIVOO that day in the whole history (a
    # same-day demolition or CA recorded after it in date order would otherwise slip through).
    others = record(blank(unit_type), [a for a in kept if a.kind != "remove"], policies)
    return [a for a in kept if a.kind != "remove"
            or any(p.holds(a.day) for p in inventory_periods(others))]


def blank(unit_type: UnitType) -> Unit:
    return Unit(id=1, reference="EN18-000001", building_id=1, unit_type=unit_type)


# --- a plain reading of DESIGN.md, one day at a time --------------------------------------------


def oracle(acts: list[Act], policy: Policy | None, check: list[date]
           ) -> dict[date, tuple[bool, bool]]:
    """Walk the calendar: each day apply that day's acts, then read the two flags."""
    on: dict[date, list[Act]] = {}
    for a in acts:
        on.setdefault(a.day, []).append(a)
    sends = {a.ref: a.day for a in acts if a.kind == "send"}
    annulments = {a.ref: a.day for a in acts if a.kind == "annul"}
    cas = {}  # CA date → [sent day or None, lapse day or None, expiry]
    for a in acts:
        if a.kind in ("ca", "draft"):
            years = 10
            if policy and policy.valid_from <= a.day:
                years = min(policy.ca_validity_years, 10)
            sent = (a.sent or a.day) if a.kind == "ca" else sends.get(a.day)
            cas[a.day] = [sent, None, add_years(a.day, years)]
    odk = next((a.day for a in acts if a.kind == "odk"), None)
    odk_end = next((a.day for a in acts if a.kind == "end_odk"), None)
    listing = {a.day for a in acts if a.kind == "decide"
               and a.decision is not DecisionKind.OVERBEWOOND}

    def exempt(t: date) -> bool:  # "reeds op VIVOO met opnamedatum < 01/01/2022", not annulled
        return any(d < date(2022, 1, 1) and d <= t and annulments.get(d, date.max) > t
                   for d in listing)

    def lapse(ca_day: date, t: date) -> None:
        if cas[ca_day][1] is None:
            cas[ca_day][1] = t

    open_periods: set[date] = set()
    out, t = {}, FIRST - timedelta(days=1)
    while t <= max(check):
        today = on.get(t, [])
        for a in today:  # acts that lapse CAs dated up to today
            if a.kind in ("decide", "works", "demolish"):
                for ca_day in cas:
                    if ca_day <= t:
                        lapse(ca_day, t)
            elif a.kind == "withdraw":
                lapse(a.ref, t)
        if odk:  # a CA dated before the ODK ended lapses on the later of its date and the ODK
            for ca_day in cas:
                if (odk_end is None or ca_day < odk_end) and t == max(ca_day, odk) \
                        and not exempt(t):
                    lapse(ca_day, t)
        open_periods |= {a.day for a in today if a.day in listing and a.kind == "decide"}
        for ca_day, (sent, _, _) in cas.items():
            if sent == t:
                open_periods = {p for p in open_periods if p >= ca_day}
        for a in today:
            if a.kind == "annul":
                open_periods.discard(a.ref)
            elif a.kind in ("remove", "demolish"):
                open_periods = {p for p in open_periods if p > t}
        if t in check:
            has_ca = any(sent is not None and sent <= t and (lapsed is None or t < lapsed)
                         and t < expiry and ca_day <= t
                         for ca_day, (sent, lapsed, expiry) in cas.items())
            out[t] = (has_ca, bool(open_periods))
        t += timedelta(days=1)
    return out


def check_days(acts: list[Act]) -> list[date]:
    """Every act's day and the days around it, and the days around each possible expiry."""
    out = set()
    for a in acts:
        for d in (a.day, a.sent, add_years(a.day, 10) if a.kind in ("ca", "draft") else None):
            if d:
                out |= {d - timedelta(days=1), d, d + timedelta(days=1)}
    out |= {date(2021, 12, 31), date(2022, 1, 1), TODAY}
    return sorted(out)


# --- the properties -----------------------------------------------------------------------------


def flags(unit: Unit, policy: Policy | None, check: list[date]) -> dict[date, tuple[bool, bool]]:
    policies = [policy] if policy else []
    return {d: (has_valid_ca(unit, d, policies), is_on_inventory(unit, d)) for d in check}


_ENGINE: list[Engine] = []


def raw_store() -> Engine:
    """One migrated SQLite store for the whole property run, emptied per example."""
    if not _ENGINE:
        engine = open_engine(f"sqlite:///{tempfile.mkdtemp(prefix='vlok-prop-')}/vlok.sqlite")
        upgrade(engine)
        with Session(engine) as s:
            one_unit(s)
            s.commit()
        _ENGINE.append(engine)
    return _ENGINE[0]


def via_raw_rows(unit_type: UnitType, acts: list[Act], policy: Policy | None,
                 lapse_rows: dict[date, tuple[date, LapseReason]]) -> tuple[Unit, list]:
    """Write the acts as raw rows and read them back as the daily extraction does."""
    engine = raw_store()
    with engine.begin() as conn:
        for table in (m.Certificate, m.InventoryEntry, m.Decision, m.UnitEvent,
                      m.CertificateRefusal, m.PolicyParameter):
            conn.execute(table.__table__.delete())
        conn.execute(m.DwellingUnit.__table__.update().values(unit_type=unit_type))
        if policy:
            conn.execute(m.PolicyParameter.__table__.insert().values(
                id=1, niscode="44021", valid_from=policy.valid_from,
                ca_validity_years=policy.ca_validity_years, signing_flow=SigningFlow.MANUEEL))
        write_raw(conn, 1, acts, [policy] if policy else [], lapse_rows)
    with engine.connect() as conn:
        read = list(read_histories(conn))
        policies = read_policies(conn).get("44021", [])
    if not read:
        return blank(unit_type), policies
    assert read[0].withheld == {} and read[0].dropped == [], (read[0].withheld, read[0].dropped)
    return read[0].unit, policies


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(history=histories(), seed=st.integers(0, 2**32 - 1), vlok_lapse_rows=st.booleans())
def test_flags_follow_the_dates_not_the_order_of_recording(history, seed, vlok_lapse_rows
                                                           ) -> None:
    unit_type, acts, policy = history
    note(f"{unit_type.value}, {policy}, {[(a.kind, str(a.day), str(a.ref)) for a in acts]}")
    policies = [policy] if policy else []
    check = check_days(acts)
    expected = oracle(acts, policy, check)

    in_order = record(blank(unit_type), in_date_order(acts), policies)
    assert flags(in_order, policy, check) == expected, "operations in date order"

    shuffled = reorder(acts, random.Random(seed))
    assert flags(record(blank(unit_type), shuffled, policies), policy, check) == expected, \
        f"operations in the order {[(a.kind, str(a.day)) for a in shuffled]}"

    lapse_rows = {}
    if vlok_lapse_rows:  # what VLOK itself writes: the lapse the law gives, as a row
        from publisher.rules.facts import certificate_spans
        for span in certificate_spans(in_order, policies):
            if span.lapse and span.lapse.day < span.expires:
                lapse_rows[span.certificate.ca_date] = (span.lapse.day, LapseReason.ONGESCHIKT)
    raw, read_policies_ = via_raw_rows(unit_type, acts, policy, lapse_rows)
    assert {d: (has_valid_ca(raw, d, read_policies_), is_on_inventory(raw, d))
            for d in check} == expected, "raw rows"


def test_the_oracle_reads_the_seed_example_as_the_matrix_does() -> None:
    """Seed 004: VIVOO 5/1, CA dated 20/1, ODK 21/1, sent 22/1: never public, off VIVOO 22/1."""
    acts = [Act("decide", date(2022, 1, 5), decision=DecisionKind.ONGESCHIKT),
            Act("draft", date(2022, 1, 20), status=CertificateStatus.TE_VERSTUREN),
            Act("odk", date(2022, 1, 21)), Act("send", date(2022, 1, 22), ref=date(2022, 1, 20))]
    got = oracle(acts, None, [date(2022, 1, 21), date(2022, 1, 22)])
    assert got == {date(2022, 1, 21): (False, True), date(2022, 1, 22): (False, False)}
