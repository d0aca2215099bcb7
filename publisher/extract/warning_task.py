"""The daily warning-procedure task, run on the store before every extraction."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from publisher.rules.warning import daily_task
from publisher.store.dossiers import open_warning_procedures, save_warning
from publisher.store.vocabulary import ProcedureKind


def run_warning_task(session: Session, today: date) -> dict[str, int]:
    """Run the task over every warning procedure; count conversions to OO and closures."""
    counts = {"converted_to_oo": 0, "closed": 0}
    for wp in list(open_warning_procedures(session)):
        after = daily_task(wp, today)
        if after != wp:
            save_warning(session, after)
            counts["converted_to_oo" if after.kind is ProcedureKind.OO else "closed"] += 1
    return counts
