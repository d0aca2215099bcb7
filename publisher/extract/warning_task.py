"""The daily warning-procedure task, run on the store before every extraction."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from publisher.rules.warning import daily_task
from publisher.store.dossiers import open_warning_procedures, save_warning
from publisher.store.vocabulary import ProcedureKind


def run_warning_task(session: Session, today: date) -> dict[str, int]:
    """Run the task over every warning procedure; count conversions to OO and closures.

    Procedure rows that cannot be read are skipped and counted as ``bad_rows`` (the key is
    present only when there are some), so one bad row does not stop the daily job.
    """
    counts = {"converted_to_oo": 0, "closed": 0}
    bad: list[int] = []
    for wp in list(open_warning_procedures(session, bad)):
        try:
            after = daily_task(wp, today)
        except (TypeError, ValueError, AttributeError, OverflowError, AssertionError):
            bad.append(wp.id)  # e.g. no request date, or dates past year 9999
            continue
        if after != wp:
            save_warning(session, after)
            counts["converted_to_oo" if after.kind is ProcedureKind.OO else "closed"] += 1
    if bad:
        counts["bad_rows"] = len(bad)
    return counts
