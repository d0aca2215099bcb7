"""Restoration claims: on the register from filing until the day the repair is confirmed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from publisher.errors import RuleViolation
from publisher.rules import has_open_claim
from publisher.rules import operations as ops
from publisher.store import models as m
from publisher.store.dossiers import StoreIds, load_claims, save_claim

D = date.fromisoformat

CLAIM_SCENARIOS = [
    # (name, [(filed, confirmed or None)], {date: open?})
    ("claim_open_from_filing_day", [("2020-04-01", None)],
     {"2020-03-31": False, "2020-04-01": True, "2026-11-23": True}),
    ("repair_confirmed_today_closes_it_today", [("2020-04-01", "2026-11-23")],
     {"2026-11-22": True, "2026-11-23": False}),
    ("closed_claim_stays_closed", [("2015-01-01", "2016-01-01")],
     {"2015-12-31": True, "2016-01-01": False, "2024-01-01": False}),
    ("second_claim_after_repair_reopens_the_building",
     [("2015-01-01", "2016-01-01"), ("2019-09-09", None)],
     {"2017-01-01": False, "2019-09-09": True}),
    ("one_open_claim_of_two_is_enough", [("2015-01-01", None), ("2016-01-01", "2017-01-01")],
     {"2017-06-01": True}),
]


@pytest.mark.parametrize(("name", "claims", "expect"), CLAIM_SCENARIOS,
                         ids=[s[0] for s in CLAIM_SCENARIOS])
def test_claim_scenario(name, claims, expect, store) -> None:
    with Session(store) as session:
        session.add(m.Municipality(niscode="44021", name="Gent", province="Oost-Vlaanderen"))
        session.flush()
        session.add(m.Building(id=7, reference="PA18-000007", niscode="44021"))
        session.flush()
        ids = StoreIds(session)
        for filed, confirmed in claims:
            claim = ops.file_claim(7, D(filed), ids=ids)
            save_claim(session, claim)
            if confirmed:
                save_claim(session, ops.confirm_repair(claim, D(confirmed)))
        session.commit()
    with Session(store) as session:
        stored = load_claims(session, 7)
    assert {day: has_open_claim(stored, D(day)) for day in expect} == expect


def test_repair_cannot_precede_filing() -> None:
    claim = ops.file_claim(1, D("2020-01-01"), ids=ops.Sequence())
    with pytest.raises(RuleViolation, match="before filing"):
        ops.confirm_repair(claim, D("2019-12-31"))


def test_repair_confirmed_once() -> None:
    claim = ops.confirm_repair(ops.file_claim(1, D("2020-01-01"), ids=ops.Sequence()),
                               D("2021-01-01"))
    with pytest.raises(RuleViolation, match="already confirmed"):
        ops.confirm_repair(claim, D("2022-01-01"))
