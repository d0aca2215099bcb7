"""The warning procedure and its daily conversion into a regular OO procedure (seed 003)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from publisher.errors import RuleViolation
from publisher.extract.warning_task import run_warning_task
from publisher.rules import warning
from publisher.store import models as m
from publisher.store.dossiers import open_warning_procedures, save_warning
from publisher.store.records import WarningProcedure
from publisher.store.vocabulary import ProcedureKind, ProcedureStatus
from publisher.synthetic.smallest import one_unit

D = date.fromisoformat


def started(report: str = "2024-03-01") -> WarningProcedure:
    return WarningProcedure(id=1, building_id=1, unit_ids=(1,), report_date=D(report))


def granted(deadline: str = "2024-05-15") -> WarningProcedure:
    return warning.grant_repair_term(started(), D(deadline), first_investigation=D("2024-03-10"))


def test_repair_term_at_most_three_months_from_the_report() -> None:
    assert granted("2024-06-01").repair_deadline == D("2024-06-01")
    with pytest.raises(RuleViolation, match="three months"):
        granted("2024-06-02")


def test_no_repair_term_when_the_building_carries_a_claim() -> None:
    with pytest.raises(RuleViolation, match="restoration claim"):
        warning.grant_repair_term(started(), D("2024-05-01"),
                                  first_investigation=D("2024-03-10"),
                                  building_has_open_claim=True)


def test_first_investigation_term_was_14_days_before_8_april_2022() -> None:
    with pytest.raises(RuleViolation, match="first investigation"):
        warning.grant_repair_term(started("2022-03-01"), D("2022-05-01"),
                                  first_investigation=D("2022-03-16"))
    ok = warning.grant_repair_term(started("2022-04-08"), D("2022-06-01"),
                                   first_investigation=D("2022-05-08"))
    assert ok.status is ProcedureStatus.HERSTELTERMIJN_TOEGEKEND


def test_missed_repair_converts_after_seven_days_grace() -> None:
    wp = granted("2024-05-15")
    assert warning.daily_task(wp, D("2024-05-22")) == wp  # deadline + 7: still grace
    converted = warning.daily_task(wp, D("2024-05-23"))
    assert converted.kind is ProcedureKind.OO
    assert converted.status is ProcedureStatus.GESTART
    assert converted.info == warning.NO_REPAIR
    assert converted.start_date == D("2024-05-16")  # repair deadline + 1 day


def test_late_repair_report_converts_at_once() -> None:
    converted = warning.register_repair(granted("2024-05-15"), D("2024-05-16"))
    assert (converted.kind, converted.start_date) == (ProcedureKind.OO, D("2024-05-16"))


def test_missing_recheck_converts_three_months_after_first_investigation() -> None:
    wp = warning.register_repair(granted(), D("2024-05-01"))
    assert warning.daily_task(wp, D("2024-06-17")) == wp
    converted = warning.daily_task(wp, D("2024-06-18"))
    assert (converted.info, converted.start_date) == (warning.NO_RECHECK, D("2024-06-10"))


def test_non_conform_recheck_converts() -> None:
    wp = warning.register_recheck(warning.register_repair(granted(), D("2024-05-01")),
                                  D("2024-05-20"), conform=False)
    converted = warning.daily_task(wp, D("2024-05-21"))
    assert (converted.info, converted.start_date) == (warning.NOT_CONFORM, D("2024-06-10"))


def test_conform_recheck_leads_to_a_ca_or_hersteld_for_an_odk() -> None:
    wp = warning.register_repair(granted(), D("2024-05-01"))
    assert warning.register_recheck(wp, D("2024-05-20"), conform=True).status \
        is ProcedureStatus.CA_TE_MAKEN
    assert warning.register_recheck(wp, D("2024-05-20"), conform=True, unit_is_odk=True).status \
        is ProcedureStatus.HERSTELD
    assert warning.daily_task(warning.register_recheck(wp, D("2024-05-20"), conform=True),
                              D("2025-01-01")).kind is ProcedureKind.WS


def test_no_term_within_a_month_closes_the_procedure_a_month_after_the_request() -> None:
    """Seed 003: "… voor zover de procedure nog niet automatisch is afgesloten door VLOK een
    maand na het verzoek." A month after the request, not a month and seven days."""
    assert warning.daily_task(started("2024-03-01"), D("2024-03-31")).status \
        is ProcedureStatus.GESTART
    closed = warning.daily_task(started("2024-03-01"), D("2024-04-01"))
    assert closed.status is ProcedureStatus.AFGESLOTEN
    assert closed.closed_date == D("2024-04-01")
    assert closed.info == warning.CLOSED_NO_TERM


def test_a_late_task_run_closes_on_the_same_date() -> None:
    late = warning.daily_task(started("2024-03-01"), D("2024-06-30"))
    assert late.closed_date == D("2024-04-01")


def test_month_after_31_january_is_the_end_of_february() -> None:
    assert warning.daily_task(started("2024-01-31"), D("2024-02-28")).status \
        is ProcedureStatus.GESTART
    assert warning.daily_task(started("2024-01-31"), D("2024-02-29")).closed_date \
        == D("2024-02-29")


def test_daily_task_on_the_store_converts_and_is_idempotent(store) -> None:
    with Session(store) as session:
        one_unit(session)
        save_warning(session, granted("2024-05-15"))
        session.commit()
    with Session(store) as session:
        assert run_warning_task(session, D("2024-05-22")) == {"converted_to_oo": 0, "closed": 0}
        assert run_warning_task(session, D("2024-05-23")) == {"converted_to_oo": 1, "closed": 0}
        session.commit()
    with Session(store) as session:
        assert run_warning_task(session, D("2024-05-24")) == {"converted_to_oo": 0, "closed": 0}
        row = session.get(m.Procedure, 1)
        assert (row.kind, row.info) == (ProcedureKind.OO, warning.NO_REPAIR)
        assert {s.status for s in session.query(m.SubProcedure)} == {ProcedureStatus.GESTART}
        assert list(open_warning_procedures(session)) == []
