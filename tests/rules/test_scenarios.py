"""The rule matrix: dated scenarios from DESIGN.md and the seeds, on SQLite and on PostGIS.

Each scenario builds a unit's history through the operations (as VLOK users would), stores it,
reads it back from the database and asks the public flags on the dates that matter, most of
them boundaries: the day before, the day of, and the day after a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy.orm import Session

from publisher.errors import RuleViolation
from publisher.rules import has_valid_ca, is_on_inventory, validity_years_for
from publisher.rules import operations as ops
from publisher.store import models as m
from publisher.store.dossiers import load_policies, load_unit, save_unit
from publisher.store.records import Policy, Unit
from publisher.store.vocabulary import (
    DecisionKind,
    Issuer,
    RemovalReason,
    SigningFlow,
    UnitType,
)

D = date.fromisoformat
Step = Callable[[Unit, ops.Sequence, list[Policy]], Unit]
CA, NO_CA, VIVOO, OFF = True, False, True, False


# --- steps a scenario is written in -------------------------------------------------------------


def ca(day: str, sent: str | None = None) -> Step:
    """Issue a CA dated ``day`` with the municipality's validity in force that day."""
    def step(u: Unit, ids: ops.Sequence, policies: list[Policy]) -> Unit:
        years = validity_years_for(policies, D(day))
        return ops.issue_ca(u, D(day), issuer=Issuer.BURGEMEESTER, validity_years=years,
                            ids=ids, sent_date=D(sent) if sent else None)
    return step


def draft(day: str) -> Step:
    return lambda u, ids, p: ops.draft_ca(u, D(day), issuer=Issuer.BURGEMEESTER,
                                          validity_years=validity_years_for(p, D(day)), ids=ids)


def send(day: str, nth: int = -1) -> Step:
    return lambda u, ids, p: ops.send_ca(u, u.certificates[nth].id, D(day))


def decide(day: str, kind: DecisionKind = DecisionKind.ONGESCHIKT) -> Step:
    return lambda u, ids, p: ops.take_decision(u, D(day), kind, issuer=Issuer.BURGEMEESTER,
                                               ids=ids)


def annul(day: str, nth: int = -1) -> Step:
    return lambda u, ids, p: ops.annul_decision(u, u.decisions[nth].id, D(day))


def remove(day: str, reason: RemovalReason) -> Step:
    return lambda u, ids, p: ops.remove_from_inventory(u, D(day), reason)


def odk(day: str) -> Step:
    return lambda u, ids, p: ops.establish_odk(u, D(day), today=D("2026-11-23"))


def end_odk(day: str) -> Step:
    return lambda u, ids, p: ops.end_odk(u, D(day))


def withdraw(day: str, nth: int = -1) -> Step:
    return lambda u, ids, p: ops.withdraw_ca(u, u.certificates[nth].id, D(day))


def works(day: str) -> Step:
    return lambda u, ids, p: ops.major_works(u, D(day))


def demolish(day: str) -> Step:
    return lambda u, ids, p: ops.demolish(u, D(day))


@dataclass
class Scenario:
    """A named history and the flags (has CA, on VIVOO) expected on given dates."""

    name: str
    steps: list[Step]
    expect: dict[str, tuple[bool, bool]]
    unit_type: UnitType = UnitType.ZW
    policies: list[tuple[str, int | None]] = field(default_factory=list)


S = Scenario
KAMER = UnitType.KAMER
SCENARIOS = [
    # --- validity ------------------------------------------------------------------------------
    S("ca_valid_from_its_own_date", [ca("2020-03-10")],
      {"2020-03-09": (NO_CA, OFF), "2020-03-10": (CA, OFF)}),
    S("ca_valid_on_the_last_day_of_ten_years", [ca("2016-11-22")],
      {"2026-11-21": (CA, OFF)}),
    S("ca_gone_on_the_tenth_anniversary", [ca("2016-11-22")],
      {"2026-11-22": (NO_CA, OFF), "2026-11-23": (NO_CA, OFF)}),
    S("ca_of_29_february_expires_on_28_february", [ca("2016-02-29")],
      {"2026-02-27": (CA, OFF), "2026-02-28": (NO_CA, OFF)}),
    S("ca_of_29_february_keeps_the_29th_when_the_expiry_year_has_one", [ca("2016-02-29")],
      {"2020-02-28": (CA, OFF), "2020-02-29": (NO_CA, OFF)}, policies=[("2015-01-01", 4)]),
    S("shorter_municipal_validity_applies", [ca("2018-05-01")],
      {"2023-04-30": (CA, OFF), "2023-05-01": (NO_CA, OFF)}, policies=[("2015-01-01", 5)]),
    S("later_policy_change_does_not_shorten_an_issued_ca", [ca("2016-06-01")],
      {"2026-05-31": (CA, OFF), "2026-06-01": (NO_CA, OFF)}, policies=[("2020-01-01", 5)]),
    S("policy_in_force_on_the_ca_date_decides", [ca("2020-01-01")],
      {"2024-12-31": (CA, OFF), "2025-01-01": (NO_CA, OFF)}, policies=[("2020-01-01", 5)]),
    S("policy_above_ten_years_is_capped", [ca("2014-04-01")],
      {"2024-03-31": (CA, OFF), "2024-04-01": (NO_CA, OFF)}, policies=[("2010-01-01", 15)]),
    S("newer_ca_extends_the_flag", [ca("2012-01-10"), ca("2021-06-01")],
      {"2022-01-10": (CA, OFF), "2031-05-31": (CA, OFF), "2031-06-01": (NO_CA, OFF)}),
    # --- drafting and sending ------------------------------------------------------------------
    S("drafted_ca_is_not_public", [draft("2024-02-01")], {"2024-06-01": (NO_CA, OFF)}),
    S("ca_public_once_sent_from_its_date", [draft("2024-02-01"), send("2024-02-20")],
      {"2024-02-01": (CA, OFF), "2024-02-20": (CA, OFF)}),
    # --- lapse by decisions --------------------------------------------------------------------
    S("unfit_decision_lapses_ca_on_its_day", [ca("2019-01-01"), decide("2022-05-05")],
      {"2022-05-04": (CA, OFF), "2022-05-05": (NO_CA, VIVOO)}),
    S("uninhabitable_decision_enters_vivoo",
      [decide("2022-05-05", DecisionKind.ONBEWOONBAAR)],
      {"2022-05-04": (NO_CA, OFF), "2022-05-05": (NO_CA, VIVOO)}),
    S("ngw_decision_lapses_ca_and_enters_vivoo_ngw",
      [ca("2019-01-01"), decide("2023-03-03", DecisionKind.ONBEWOONBAAR_NGW)],
      {"2023-03-02": (CA, OFF), "2023-03-03": (NO_CA, VIVOO)}),
    S("overcrowding_lapses_ca_without_vivoo",
      [ca("2019-01-01"), decide("2023-03-03", DecisionKind.OVERBEWOOND)],
      {"2023-03-02": (CA, OFF), "2023-03-03": (NO_CA, OFF)}),
    S("decision_after_expiry_changes_nothing_for_ca", [ca("2010-01-01"), decide("2021-01-01")],
      {"2019-12-31": (CA, OFF), "2021-01-01": (NO_CA, VIVOO)}),
    S("second_decision_does_not_open_a_second_period",
      [decide("2020-01-01"), decide("2021-01-01", DecisionKind.ONBEWOONBAAR)],
      {"2021-06-01": (NO_CA, VIVOO)}),
    # --- VIVOO periods -------------------------------------------------------------------------
    S("ca_during_vivoo_removes_the_unit", [decide("2020-01-01"), ca("2021-03-15")],
      {"2021-03-14": (NO_CA, VIVOO), "2021-03-15": (CA, OFF)}),
    S("demolished_unit_leaves_vivoo", [decide("2015-01-01"), demolish("2018-07-07")],
      {"2018-07-06": (NO_CA, VIVOO), "2018-07-07": (NO_CA, OFF)}),
    S("annulled_decision_ends_the_period", [decide("2020-02-02"), annul("2020-09-09")],
      {"2020-09-08": (NO_CA, VIVOO), "2020-09-09": (NO_CA, OFF)}),
    S("annulment_does_not_revive_the_ca", [ca("2019-01-01"), decide("2020-02-02"),
                                           annul("2020-09-09")],
      {"2020-02-01": (CA, OFF), "2020-10-01": (NO_CA, OFF)}),
    S("migrated_entry_removed_with_overname_oude_gegevens",
      [decide("2008-12-18"), remove("2010-10-01", RemovalReason.OVERNAME_OUDE_GEGEVENS)],
      {"2009-01-01": (NO_CA, VIVOO), "2010-10-01": (NO_CA, OFF)}),
    S("re_entry_after_removal_is_a_second_period",
      [decide("2008-12-18"), remove("2010-10-01", RemovalReason.OVERNAME_OUDE_GEGEVENS),
       decide("2014-11-20"), demolish("2016-04-11")],
      {"2012-01-01": (NO_CA, OFF), "2014-11-20": (NO_CA, VIVOO), "2016-04-11": (NO_CA, OFF)}),
    S("re_entry_after_a_ca", [decide("2013-10-04"), ca("2014-10-03"), decide("2019-05-05")],
      {"2014-10-03": (CA, OFF), "2019-05-04": (CA, OFF), "2019-05-05": (NO_CA, VIVOO)}),
    S("vivoo_entry_today_is_on_vivoo_today", [decide("2026-11-23")],
      {"2026-11-22": (NO_CA, OFF), "2026-11-23": (NO_CA, VIVOO)}),
    # --- other lapses --------------------------------------------------------------------------
    S("withdrawn_ca_gone_from_withdrawal", [ca("2020-01-01"), withdraw("2021-06-30")],
      {"2021-06-29": (CA, OFF), "2021-06-30": (NO_CA, OFF)}),
    S("major_works_lapse_the_ca", [ca("2020-01-01"), works("2022-02-02")],
      {"2022-02-01": (CA, OFF), "2022-02-02": (NO_CA, OFF)}),
    S("ca_lapsing_today_is_gone_today", [ca("2020-01-01"), decide("2026-11-23")],
      {"2026-11-22": (CA, OFF), "2026-11-23": (NO_CA, VIVOO)}),
    # --- unlicensed domicile rooms (ODK) ------------------------------------------------------
    S("odk_after_ca_lapses_it_on_establishment", [ca("2020-05-05"), odk("2022-03-01")],
      {"2022-02-28": (CA, OFF), "2022-03-01": (NO_CA, OFF)}, unit_type=KAMER),
    S("odk_during_signing_lapses_the_ca_on_establishment",
      [draft("2022-06-01"), odk("2022-06-05"), send("2022-06-10")],
      {"2022-06-01": (CA, OFF), "2022-06-05": (NO_CA, OFF)}, unit_type=KAMER),
    S("odk_recorded_late_with_earlier_date_voids_ca_from_its_date",
      [ca("2023-05-01"), odk("2023-03-01")],
      {"2023-05-01": (NO_CA, OFF), "2023-04-30": (NO_CA, OFF)}, unit_type=KAMER),
    S("seed_example_odk_during_signing_still_removes_from_vivoo",
      [decide("2022-01-05"), draft("2022-01-20"), odk("2022-01-21"), send("2022-01-22")],
      {"2022-01-20": (CA, OFF), "2022-01-21": (NO_CA, OFF)}, unit_type=KAMER),
    S("room_on_vivoo_on_2021_12_31_is_exempt",
      [decide("2021-12-31"), ca("2022-03-01"), odk("2022-06-01")],
      {"2022-06-01": (CA, OFF), "2032-02-29": (CA, OFF)}, unit_type=KAMER),
    S("room_entering_vivoo_on_2022_01_01_is_not_exempt",
      [decide("2022-01-01"), ca("2022-03-01"), odk("2022-06-01")],
      {"2022-05-31": (CA, OFF), "2022-06-01": (NO_CA, OFF)}, unit_type=KAMER),
    S("exempt_room_can_still_get_a_ca",
      [decide("2020-06-01"), odk("2021-10-01"), ca("2022-02-01")],
      {"2022-02-01": (CA, OFF), "2022-01-31": (NO_CA, VIVOO)}, unit_type=KAMER),
    S("ending_odk_does_not_revive_a_lapsed_ca",
      [ca("2020-05-05"), odk("2022-03-01"), end_odk("2022-09-01")],
      {"2022-10-01": (NO_CA, OFF)}, unit_type=KAMER),
    S("after_odk_ends_a_new_ca_is_possible",
      [ca("2020-05-05"), odk("2022-03-01"), end_odk("2022-09-01"), ca("2023-01-01")],
      {"2022-12-31": (NO_CA, OFF), "2023-01-01": (CA, OFF)}, unit_type=KAMER),
    S("odk_on_a_student_room_lapses_too", [ca("2021-10-01"), odk("2021-11-01")],
      {"2021-10-31": (CA, OFF), "2021-11-01": (NO_CA, OFF)}, unit_type=UnitType.STUDENTENKAMER),
]

VIOLATIONS = [
    S("odk_room_cannot_get_a_ca", [odk("2022-03-01"), ca("2022-04-01")], {}, unit_type=KAMER),
    S("self_contained_dwelling_cannot_be_odk", [odk("2022-03-01")], {}),
    S("odk_before_the_rule_came_into_force", [odk("2021-09-19")], {}, unit_type=KAMER),
    S("odk_cannot_be_dated_in_the_future", [odk("2026-11-24")], {}, unit_type=KAMER),
    S("ca_cannot_be_sent_before_its_date", [draft("2024-02-01"), send("2024-01-31")], {}),
    S("removal_needs_an_entry", [remove("2020-01-01", RemovalReason.GESLOOPT)], {}),
    S("ca_removal_goes_through_the_ca", [decide("2020-01-01"),
                                         remove("2020-02-01",
                                                RemovalReason.CONFORMITEITSATTEST)], {}),
]


# --- running a scenario against a store ---------------------------------------------------------


def seed_unit(session: Session, unit_type: UnitType, policies: list[tuple[str, int | None]]
              ) -> Unit:
    """One municipality, address, building and unit: the smallest world a scenario needs."""
    session.add(m.Municipality(niscode="44021", name="Gent", province="Oost-Vlaanderen"))
    session.flush()
    session.add(m.Address(id=1, adres_id="200001", straatnaam="Kerkstraat", huisnummer="1",
                          postcode="9000", niscode="44021"))
    session.add(m.Building(id=1, reference="PA18-000001", niscode="44021"))
    session.flush()
    session.add(m.DwellingUnit(id=1, reference="EN18-000001", building_id=1, address_id=1,
                               unit_type=unit_type))
    for n, (valid_from, years) in enumerate(policies, 1):
        session.add(m.PolicyParameter(id=n, niscode="44021", valid_from=D(valid_from),
                                      ca_validity_years=years, signing_flow=SigningFlow.MANUEEL))
    session.flush()
    return Unit(id=1, reference="EN18-000001", building_id=1, unit_type=unit_type)


def build(scenario: Scenario, unit: Unit, policies: list[Policy]) -> Unit:
    ids = ops.Sequence()
    for step in scenario.steps:
        unit = step(unit, ids, policies)
    return unit


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_rule_scenario(scenario: Scenario, store) -> None:
    with Session(store) as session:
        unit = seed_unit(session, scenario.unit_type, scenario.policies)
        built = build(scenario, unit, load_policies(session, "44021"))
        save_unit(session, built)
        session.commit()
    with Session(store) as session:
        stored = load_unit(session, "EN18-000001")
    assert stored == built, "the store must give back exactly the history it was given"
    observed = {day: (has_valid_ca(stored, D(day)), is_on_inventory(stored, D(day)))
                for day in scenario.expect}
    assert observed == scenario.expect


@pytest.mark.parametrize("scenario", VIOLATIONS, ids=lambda s: s.name)
def test_operation_refuses_unlawful_history(scenario: Scenario) -> None:
    unit = Unit(id=1, reference="EN18-000001", building_id=1, unit_type=scenario.unit_type)
    with pytest.raises(RuleViolation) as info:
        build(scenario, unit, [])
    assert "EN18-000001" in str(info.value) or "CA" in str(info.value)


def test_matrix_has_at_least_forty_dated_scenarios() -> None:
    dated_checks = sum(len(s.expect) for s in SCENARIOS)
    assert len(SCENARIOS) + len(VIOLATIONS) >= 40
    assert dated_checks >= 70
