"""The rule matrix: dated scenarios from DESIGN.md and the seeds, on SQLite and on PostGIS.

Each scenario is a unit's history written once as dated acts, then recorded three ways: through
the operations in date order (as VLOK users would), through the operations in another order
(latest first, as far as references allow: a late import, a correction), and as raw store rows
(decisions without lapse rows or inventory lines, as an import would write them). Each recording
is stored, read back through the extraction's reader, and asked the public flags on the dates
that matter, most of them boundaries: the day before, the day of, the day after a change. All
three must give the expected flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from rule_acts import Act, in_date_order, record, reversed_order, write_raw
from sqlalchemy.orm import Session

from publisher.errors import RuleViolation
from publisher.extract.histories import read_histories, read_policies
from publisher.rules import has_valid_ca, is_on_inventory
from publisher.store.dossiers import load_policies, save_unit
from publisher.store.records import Unit
from publisher.store.vocabulary import (
    CertificateStatus,
    DecisionKind,
    RemovalReason,
    UnitType,
)
from publisher.synthetic.smallest import one_unit

D = date.fromisoformat
CA, NO_CA, VIVOO, OFF = True, False, True, False


# --- acts a scenario is written in --------------------------------------------------------------


def ca(day: str, sent: str | None = None) -> Act:
    """Issue a CA dated ``day`` (sent that day unless ``sent``), validity from the policy."""
    return Act("ca", D(day), sent=D(sent) if sent else None)


def draft(day: str, status: CertificateStatus = CertificateStatus.IN_OPMAAK) -> Act:
    return Act("draft", D(day), status=status)


def send(day: str, ca_day: str) -> Act:
    return Act("send", D(day), ref=D(ca_day))


def decide(day: str, kind: DecisionKind = DecisionKind.ONGESCHIKT) -> Act:
    return Act("decide", D(day), decision=kind)


def annul(day: str, decision_day: str) -> Act:
    return Act("annul", D(day), ref=D(decision_day))


def remove(day: str, reason: RemovalReason) -> Act:
    return Act("remove", D(day), reason=reason)


def odk(day: str) -> Act:
    return Act("odk", D(day))


def end_odk(day: str) -> Act:
    return Act("end_odk", D(day))


def withdraw(day: str, ca_day: str) -> Act:
    return Act("withdraw", D(day), ref=D(ca_day))


def works(day: str) -> Act:
    return Act("works", D(day))


def demolish(day: str) -> Act:
    return Act("demolish", D(day))


def refuse(day: str) -> Act:
    return Act("refuse", D(day))


@dataclass
class Scenario:
    """A named history and the flags (has CA, on VIVOO) expected on given dates."""

    name: str
    steps: list[Act]
    expect: dict[str, tuple[bool, bool]]
    unit_type: UnitType = UnitType.ZW
    policies: list[tuple[str, int | None]] = field(default_factory=list)
    #: Histories the operations refuse (an import can still hold them): raw rows only.
    raw_only: bool = False


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
    # --- drafting, signing and sending ---------------------------------------------------------
    S("drafted_ca_is_not_public", [draft("2024-02-01")], {"2024-06-01": (NO_CA, OFF)}),
    S("signed_ca_waiting_to_be_sent_is_not_public",
      [draft("2024-02-01", CertificateStatus.TE_VERSTUREN)], {"2024-06-01": (NO_CA, OFF)}),
    S("ca_public_from_the_day_it_is_sent", [draft("2024-02-01"), send("2024-02-20", "2024-02-01")],
      {"2024-02-01": (NO_CA, OFF), "2024-02-19": (NO_CA, OFF), "2024-02-20": (CA, OFF)}),
    S("ca_sent_late_still_expires_from_its_own_date", [ca("2016-03-01", sent="2016-04-01")],
      {"2016-03-31": (NO_CA, OFF), "2016-04-01": (CA, OFF), "2026-02-28": (CA, OFF),
       "2026-03-01": (NO_CA, OFF)}),
    S("ca_leaves_vivoo_on_the_day_it_is_sent",
      [decide("2020-01-01"), ca("2021-03-15", sent="2021-03-25")],
      {"2021-03-15": (NO_CA, VIVOO), "2021-03-24": (NO_CA, VIVOO), "2021-03-25": (CA, OFF)}),
    S("refusal_changes_no_flag", [ca("2019-01-01"), refuse("2022-01-01")],
      {"2022-01-01": (CA, OFF)}),
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
    S("decision_while_the_ca_is_being_signed_voids_it",
      [draft("2023-01-10"), decide("2023-01-15", DecisionKind.OVERBEWOOND),
       send("2023-01-20", "2023-01-10")],
      {"2023-01-20": (NO_CA, OFF), "2024-01-01": (NO_CA, OFF)}),
    S("decision_on_the_ca_date_prevails", [ca("2023-06-01"), decide("2023-06-01")],
      {"2023-05-31": (NO_CA, OFF), "2023-06-01": (NO_CA, VIVOO)}),
    S("ca_after_overcrowding_is_valid",
      [decide("2023-03-03", DecisionKind.OVERBEWOOND), ca("2023-09-01")],
      {"2023-09-01": (CA, OFF)}),
    S("decision_after_expiry_changes_nothing_for_ca", [ca("2010-01-01"), decide("2021-01-01")],
      {"2019-12-31": (CA, OFF), "2021-01-01": (NO_CA, VIVOO)}),
    S("second_decision_keeps_the_unit_on_vivoo",
      [decide("2020-01-01"), decide("2021-01-01", DecisionKind.ONBEWOONBAAR)],
      {"2021-06-01": (NO_CA, VIVOO)}),
    # --- VIVOO periods -------------------------------------------------------------------------
    S("ca_during_vivoo_removes_the_unit", [decide("2020-01-01"), ca("2021-03-15")],
      {"2021-03-14": (NO_CA, VIVOO), "2021-03-15": (CA, OFF)}),
    S("ca_removes_both_lists",
      [decide("2020-01-01"), decide("2020-02-01", DecisionKind.ONBEWOONBAAR_NGW),
       ca("2021-03-15")],
      {"2021-03-14": (NO_CA, VIVOO), "2021-03-15": (CA, OFF)}),
    S("demolished_unit_leaves_vivoo", [decide("2015-01-01"), demolish("2018-07-07")],
      {"2018-07-06": (NO_CA, VIVOO), "2018-07-07": (NO_CA, OFF)}),
    S("annulled_decision_ends_the_period",
      [decide("2020-02-02"), annul("2020-09-09", "2020-02-02")],
      {"2020-09-08": (NO_CA, VIVOO), "2020-09-09": (NO_CA, OFF)}),
    S("annulling_the_first_of_two_decisions_keeps_the_second",
      [decide("2020-02-02"), decide("2020-05-05", DecisionKind.ONBEWOONBAAR),
       annul("2020-09-09", "2020-02-02")],
      {"2020-09-09": (NO_CA, VIVOO), "2021-01-01": (NO_CA, VIVOO)}),
    S("annulling_both_decisions_ends_the_listing",
      [decide("2020-02-02"), decide("2020-05-05", DecisionKind.ONBEWOONBAAR),
       annul("2020-09-09", "2020-02-02"), annul("2020-10-10", "2020-05-05")],
      {"2020-10-09": (NO_CA, VIVOO), "2020-10-10": (NO_CA, OFF)}),
    S("annulment_does_not_revive_the_ca", [ca("2019-01-01"), decide("2020-02-02"),
                                           annul("2020-09-09", "2020-02-02")],
      {"2020-02-01": (CA, OFF), "2020-10-01": (NO_CA, OFF)}),
    S("migrated_entry_removed_with_overname_oude_gegevens",
      [decide("2008-12-18"), remove("2010-10-01", RemovalReason.OVERNAME_OUDE_GEGEVENS)],
      {"2009-01-01": (NO_CA, VIVOO), "2010-10-01": (NO_CA, OFF)}),
    S("removal_takes_the_unit_off_for_every_decision_before_it",
      [decide("2019-01-01"), decide("2019-06-01", DecisionKind.ONBEWOONBAAR),
       remove("2020-01-01", RemovalReason.BESLUIT_OPGEHEVEN)],
      {"2019-12-31": (NO_CA, VIVOO), "2020-01-01": (NO_CA, OFF)}),
    S("re_entry_after_removal_is_a_second_period",
      [decide("2008-12-18"), remove("2010-10-01", RemovalReason.OVERNAME_OUDE_GEGEVENS),
       decide("2014-11-20"), demolish("2016-04-11")],
      {"2012-01-01": (NO_CA, OFF), "2014-11-20": (NO_CA, VIVOO), "2016-04-11": (NO_CA, OFF)}),
    S("re_entry_after_a_ca", [decide("2013-10-04"), ca("2014-10-03"), decide("2019-05-05")],
      {"2014-10-03": (CA, OFF), "2019-05-04": (CA, OFF), "2019-05-05": (NO_CA, VIVOO)}),
    S("vivoo_entry_today_is_on_vivoo_today", [decide("2026-11-23")],
      {"2026-11-22": (NO_CA, OFF), "2026-11-23": (NO_CA, VIVOO)}),
    # --- other lapses --------------------------------------------------------------------------
    S("withdrawn_ca_gone_from_withdrawal", [ca("2020-01-01"), withdraw("2021-06-30", "2020-01-01")],
      {"2021-06-29": (CA, OFF), "2021-06-30": (NO_CA, OFF)}),
    S("major_works_lapse_the_ca", [ca("2020-01-01"), works("2022-02-02")],
      {"2022-02-01": (CA, OFF), "2022-02-02": (NO_CA, OFF)}),
    S("ca_after_major_works_is_valid", [ca("2020-01-01"), works("2022-02-02"), ca("2023-01-01")],
      {"2022-12-31": (NO_CA, OFF), "2023-01-01": (CA, OFF)}),
    S("demolition_lapses_the_ca", [ca("2020-01-01"), demolish("2022-02-02")],
      {"2022-02-01": (CA, OFF), "2022-02-02": (NO_CA, OFF)}),
    S("ca_lapsing_today_is_gone_today", [ca("2020-01-01"), decide("2026-11-23")],
      {"2026-11-22": (CA, OFF), "2026-11-23": (NO_CA, VIVOO)}),
    # --- unlicensed domicile rooms (ODK) ------------------------------------------------------
    S("odk_after_ca_lapses_it_on_establishment", [ca("2020-05-05"), odk("2022-03-01")],
      {"2022-02-28": (CA, OFF), "2022-03-01": (NO_CA, OFF)}, unit_type=KAMER),
    S("odk_during_signing_lapses_the_ca_on_establishment",
      [draft("2022-06-01"), odk("2022-06-05"), send("2022-06-10", "2022-06-01")],
      {"2022-06-01": (NO_CA, OFF), "2022-06-10": (NO_CA, OFF)}, unit_type=KAMER),
    S("odk_recorded_first_lapses_an_earlier_ca_recorded_later",
      [odk("2023-03-01"), ca("2023-01-02")],
      {"2023-01-02": (CA, OFF), "2023-02-28": (CA, OFF), "2023-03-01": (NO_CA, OFF)},
      unit_type=KAMER),
    S("seed_example_odk_during_signing_still_removes_from_vivoo",
      [decide("2022-01-05"), draft("2022-01-20"), odk("2022-01-21"),
       send("2022-01-22", "2022-01-20")],
      {"2022-01-20": (NO_CA, VIVOO), "2022-01-21": (NO_CA, VIVOO), "2022-01-22": (NO_CA, OFF)},
      unit_type=KAMER),
    S("room_on_vivoo_on_2021_12_31_is_exempt",
      [decide("2021-12-31"), ca("2022-03-01"), odk("2022-06-01")],
      {"2022-06-01": (CA, OFF), "2032-02-29": (CA, OFF)}, unit_type=KAMER),
    S("room_entering_vivoo_on_2022_01_01_is_not_exempt",
      [decide("2022-01-01"), ca("2022-03-01"), odk("2022-06-01")],
      {"2022-05-31": (CA, OFF), "2022-06-01": (NO_CA, OFF)}, unit_type=KAMER),
    S("exempt_room_can_still_get_a_ca",
      [decide("2020-06-01"), odk("2021-10-01"), ca("2022-02-01")],
      {"2022-02-01": (CA, OFF), "2022-01-31": (NO_CA, VIVOO)}, unit_type=KAMER),
    S("room_whose_pre_2022_period_a_ca_closed_stays_exempt",
      [decide("2019-03-01"), ca("2020-03-01"), odk("2022-06-01")],
      {"2022-06-01": (CA, OFF), "2030-02-28": (CA, OFF)}, unit_type=KAMER),
    S("room_whose_pre_2022_period_was_migrated_away_stays_exempt",
      [decide("2009-03-01"), remove("2011-01-01", RemovalReason.OVERNAME_OUDE_GEGEVENS),
       ca("2020-03-01"), odk("2022-06-01")],
      {"2022-06-01": (CA, OFF)}, unit_type=KAMER),
    S("room_whose_only_pre_2022_decision_was_annulled_is_not_exempt",
      [decide("2019-03-01"), annul("2019-09-01", "2019-03-01"), ca("2020-03-01"),
       odk("2022-06-01")],
      {"2022-05-31": (CA, OFF), "2022-06-01": (NO_CA, OFF)}, unit_type=KAMER),
    S("annulment_after_the_odk_does_not_take_the_exemption_back",
      [decide("2021-06-01"), ca("2021-10-01"), odk("2022-06-01"),
       annul("2022-09-01", "2021-06-01")],
      {"2022-06-01": (CA, OFF), "2022-10-01": (CA, OFF)}, unit_type=KAMER),
    S("ending_odk_does_not_revive_a_lapsed_ca",
      [ca("2020-05-05"), odk("2022-03-01"), end_odk("2022-09-01")],
      {"2022-10-01": (NO_CA, OFF)}, unit_type=KAMER),
    S("after_odk_ends_a_new_ca_is_possible",
      [ca("2020-05-05"), odk("2022-03-01"), end_odk("2022-09-01"), ca("2023-01-01")],
      {"2022-12-31": (NO_CA, OFF), "2023-01-01": (CA, OFF)}, unit_type=KAMER),
    S("odk_on_a_student_room_lapses_too", [ca("2021-10-01"), odk("2021-11-01")],
      {"2021-10-31": (CA, OFF), "2021-11-01": (NO_CA, OFF)}, unit_type=UnitType.STUDENTENKAMER),
    S("odk_room_gets_a_refusal_and_no_flag", [odk("2022-03-01"), refuse("2022-04-01")],
      {"2022-04-01": (NO_CA, OFF)}, unit_type=KAMER),
]

#: Rows an import can hold although an operation would refuse them; the law still decides.
RAW_ONLY = [
    S("ca_dated_after_the_odk_establishment_is_never_public",
      [odk("2023-03-01"), ca("2023-05-01")],
      {"2023-05-01": (NO_CA, OFF), "2024-01-01": (NO_CA, OFF)}, unit_type=KAMER, raw_only=True),
    S("ca_dated_during_the_odk_is_never_public_even_after_it_ends",
      [odk("2023-03-01"), ca("2023-05-01"), end_odk("2023-08-01")],
      {"2023-05-01": (NO_CA, OFF), "2023-09-01": (NO_CA, OFF)}, unit_type=KAMER, raw_only=True),
]

VIOLATIONS = [
    S("odk_room_cannot_get_a_ca", [odk("2022-03-01"), ca("2022-04-01")], {}, unit_type=KAMER),
    S("self_contained_dwelling_cannot_be_odk", [odk("2022-03-01")], {}),
    S("odk_before_the_rule_came_into_force", [odk("2021-09-19")], {}, unit_type=KAMER),
    S("odk_cannot_be_dated_in_the_future", [odk("2026-11-24")], {}, unit_type=KAMER),
    S("ca_cannot_be_sent_before_its_date", [draft("2024-02-01"), send("2024-01-31", "2024-02-01")],
      {}),
    S("removal_needs_the_unit_on_vivoo", [remove("2020-01-01", RemovalReason.GESLOOPT)], {}),
    S("ca_removal_goes_through_the_ca", [decide("2020-01-01"),
                                         remove("2020-02-01",
                                                RemovalReason.CONFORMITEITSATTEST)], {}),
    S("a_decision_is_annulled_once", [decide("2020-01-01"), annul("2020-02-01", "2020-01-01"),
                                      annul("2020-03-01", "2020-01-01")], {}),
]


# --- running a scenario against a store ---------------------------------------------------------


WAYS = ["ops_in_date_order", "ops_latest_first", "raw_rows"]


def store_scenario(store, scenario: Scenario, way: str) -> None:
    """Record ``scenario`` in ``store`` one of the three ways."""
    with Session(store) as session:
        unit = one_unit(session, scenario.unit_type,
                        tuple((D(day), years) for day, years in scenario.policies))
        policies = load_policies(session, "44021")
        if way == "raw_rows":
            write_raw(session.connection(), unit.id, scenario.steps, policies)
        else:
            order = in_date_order if way == "ops_in_date_order" else reversed_order
            save_unit(session, record(unit, order(scenario.steps), policies))
        session.commit()


def stored_flags(store, days: list[str]) -> dict[str, tuple[bool, bool]]:
    """The unit's flags on ``days``, read back the way the daily extraction reads them."""
    with store.connect() as conn:
        histories = list(read_histories(conn))
        policies = read_policies(conn).get("44021", [])
    if not histories:
        return dict.fromkeys(days, (NO_CA, OFF))
    (history,) = histories
    assert history.withheld == {} and history.dropped == []
    unit = history.unit
    return {day: (has_valid_ca(unit, D(day), policies), is_on_inventory(unit, D(day)))
            for day in days}


CASES = [(s, way) for s in SCENARIOS for way in WAYS] + [(s, "raw_rows") for s in RAW_ONLY]


@pytest.mark.parametrize(("scenario", "way"), CASES, ids=lambda v: getattr(v, "name", v))
def test_rule_scenario(scenario: Scenario, way: str, store) -> None:
    store_scenario(store, scenario, way)
    assert stored_flags(store, list(scenario.expect)) == scenario.expect


@pytest.mark.parametrize("scenario", VIOLATIONS, ids=lambda s: s.name)
def test_operation_refuses_unlawful_history(scenario: Scenario) -> None:
    unit = Unit(id=1, reference="EN18-000001", building_id=1, unit_type=scenario.unit_type)
    with pytest.raises(RuleViolation) as info:
        record(unit, scenario.steps, [])
    assert "EN18-000001" in str(info.value) or "CA" in str(info.value)


def test_the_store_gives_back_exactly_the_history_it_was_given(sqlite_engine) -> None:
    scenario = next(s for s in SCENARIOS if s.name == "seed_example_odk_during_signing_still"
                    "_removes_from_vivoo")
    from publisher.store.dossiers import load_unit

    with Session(sqlite_engine) as session:
        unit = one_unit(session, scenario.unit_type)
        built = record(unit, scenario.steps, [])
        save_unit(session, built)
        session.commit()
    with Session(sqlite_engine) as session:
        assert load_unit(session, "EN18-000001") == built


def test_matrix_covers_every_rule_at_its_boundaries() -> None:
    dated_checks = sum(len(s.expect) for s in SCENARIOS + RAW_ONLY)
    kinds = {act.kind for s in SCENARIOS for act in s.steps}
    assert kinds == {"ca", "draft", "send", "decide", "annul", "remove", "odk", "end_odk",
                     "withdraw", "works", "demolish", "refuse"}
    assert len(SCENARIOS) >= 55
    assert dated_checks >= 100
