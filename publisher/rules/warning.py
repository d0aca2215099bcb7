"""The warning procedure (waarschuwingsprocedure) and its daily conversion task.

A municipality answers an informal complaint with a repair term of at most three months from
the report. VLOK's daily task (OpvolgingWaarschuwingsprocedure) turns it into a regular unfit/
uninhabitable procedure (OO) when terms are missed, after seven days of grace. It creates no
public flag itself, but it must run before the extraction so the store is current.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from publisher.errors import RuleViolation
from publisher.rules.dates import add_days, add_months
from publisher.store.records import WarningProcedure
from publisher.store.vocabulary import ProcedureKind, ProcedureStatus

#: Grace the daily task gives after a term expires before converting.
GRACE_DAYS = 7
#: Maximum repair term from the report, and the recheck term from the first investigation.
TERM_MONTHS = 3
#: Since 2022-04-08 the first investigation may be up to a month after the report (was 14 days).
FIRST_INVESTIGATION_RULE_CHANGE = date(2022, 4, 8)

NO_REPAIR = "Automatisch OO: geen (tijdig) herstel gemeld"
NO_RECHECK = "Automatisch OO: geen (tijdige) hercontrole"
NOT_CONFORM = "Automatisch OO: geen conforme hercontrole"
CLOSED_NO_TERM = "Automatisch afgesloten: geen hersteltermijn binnen de maand"


def first_investigation_deadline(report: date) -> date:
    """Last day for the first investigation: a month after the report (14 days before 8/4/2022)."""
    if report < FIRST_INVESTIGATION_RULE_CHANGE:
        return add_days(report, 14)
    return add_months(report, 1)


def grant_repair_term(
    wp: WarningProcedure,
    deadline: date,
    *,
    first_investigation: date,
    building_has_open_claim: bool = False,
) -> WarningProcedure:
    """Grant the repair term after a signed first investigation."""
    if wp.kind is not ProcedureKind.WS or wp.status not in (
        ProcedureStatus.GESTART, ProcedureStatus.HERSTELTERMIJN_TOEGEKEND
    ):
        raise RuleViolation(f"procedure {wp.id}: no repair term possible in status {wp.status}")
    if building_has_open_claim:
        raise RuleViolation(f"procedure {wp.id}: the building carries a restoration claim; "
                            "no repair term can be granted")
    if not wp.report_date <= first_investigation <= first_investigation_deadline(wp.report_date):
        raise RuleViolation(f"procedure {wp.id}: first investigation {first_investigation} not "
                            f"within the term after the report of {wp.report_date}")
    latest = add_months(wp.report_date, TERM_MONTHS)
    if not wp.report_date < deadline <= latest:
        raise RuleViolation(f"procedure {wp.id}: repair deadline {deadline} must fall after the "
                            f"report and at most three months after it ({latest})")
    return replace(wp, status=ProcedureStatus.HERSTELTERMIJN_TOEGEKEND, repair_deadline=deadline,
                   first_investigation_date=first_investigation)


def register_repair(wp: WarningProcedure, reported: date) -> WarningProcedure:
    """The holder reports the repair; in time it waits for the recheck, late it becomes OO."""
    if wp.repair_deadline is None or wp.repair_reported_date is not None:
        raise RuleViolation(f"procedure {wp.id}: no repair can be registered now")
    if reported > wp.repair_deadline:
        return _convert(wp, NO_REPAIR, add_days(wp.repair_deadline, 1))
    return replace(wp, status=ProcedureStatus.HERSTEL_GEMELD, repair_reported_date=reported)


def register_recheck(
    wp: WarningProcedure, rechecked: date, *, conform: bool, unit_is_odk: bool = False
) -> WarningProcedure:
    """Record the recheck; a conform one leads to a CA (or "Hersteld" for an ODK room)."""
    if wp.status is not ProcedureStatus.HERSTEL_GEMELD:
        raise RuleViolation(f"procedure {wp.id}: recheck needs a reported repair")
    wp = replace(wp, recheck_date=rechecked, recheck_conform=conform)
    if conform and wp.first_investigation_date and rechecked <= _recheck_deadline(wp):
        status = ProcedureStatus.HERSTELD if unit_is_odk else ProcedureStatus.CA_TE_MAKEN
        return replace(wp, status=status)
    return wp


def daily_task(wp: WarningProcedure, today: date) -> WarningProcedure:
    """One run of the daily task for one procedure: convert or close when terms were missed."""
    if wp.kind is not ProcedureKind.WS or wp.status in (
        ProcedureStatus.CA_TE_MAKEN, ProcedureStatus.HERSTELD, ProcedureStatus.AFGESLOTEN
    ):
        return wp
    if wp.repair_deadline is None:
        # Seed 003: "voor zover de procedure nog niet automatisch is afgesloten door VLOK een
        # maand na het verzoek". The close happens a month after the request, with no grace:
        # the seven days of grace are for entering a repair or a recheck, not for starting one.
        # The closing date is that day, whenever the task runs, so a late run changes nothing.
        closes = add_months(wp.report_date, 1)
        if today >= closes:
            return replace(wp, status=ProcedureStatus.AFGESLOTEN, info=CLOSED_NO_TERM,
                           closed_date=closes)
        return wp
    if wp.repair_reported_date is None:
        if today > add_days(wp.repair_deadline, GRACE_DAYS):
            return _convert(wp, NO_REPAIR, add_days(wp.repair_deadline, 1))
        return wp
    deadline = _recheck_deadline(wp)
    if wp.recheck_date is None or wp.recheck_date > deadline:
        if today > add_days(deadline, GRACE_DAYS):
            return _convert(wp, NO_RECHECK, deadline)
        return wp
    if wp.recheck_conform is False:
        return _convert(wp, NOT_CONFORM, deadline)
    return wp


def _recheck_deadline(wp: WarningProcedure) -> date:
    assert wp.first_investigation_date is not None
    return add_months(wp.first_investigation_date, TERM_MONTHS)


def _convert(wp: WarningProcedure, info: str, start: date) -> WarningProcedure:
    """Turn the warning procedure into a regular OO procedure, started on ``start``."""
    return replace(wp, kind=ProcedureKind.OO, status=ProcedureStatus.GESTART, info=info,
                   start_date=start)
