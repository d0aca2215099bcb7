"""Synthetic warning procedures, driven through the rule operations and the daily task."""

from __future__ import annotations

import random
from datetime import date, timedelta

from publisher.errors import RuleViolation
from publisher.rules import operations as ops
from publisher.rules import warning
from publisher.rules.dates import add_months
from publisher.store.records import WarningProcedure
from publisher.synthetic.histories import random_day

FIRST_REPORT = date(2021, 1, 1)  # the warning procedure exists since the 2021 optimisation decree


def simulate_warning(rng: random.Random, ids: ops.IdSource, building_id: int,
                     unit_ids: tuple[int, ...], until: date) -> WarningProcedure:
    """A warning procedure reported since 2021, with the daily task run up to yesterday."""
    report = random_day(rng, FIRST_REPORT, until)
    wp = WarningProcedure(id=ids("procedure"), building_id=building_id, unit_ids=unit_ids,
                          report_date=report)
    yesterday = until - timedelta(days=1)
    try:
        first = report + timedelta(days=rng.randint(1, 13))
        if rng.random() < 0.85 and first <= until:
            deadline = report + timedelta(days=rng.randint(30, 85))
            wp = warning.grant_repair_term(wp, min(deadline, add_months(report, 3)),
                                           first_investigation=first)
            reported = wp.repair_deadline - timedelta(days=rng.randint(-20, 25))
            if rng.random() < 0.7 and reported <= until:
                wp = warning.register_repair(wp, max(reported, first))
                recheck = reported + timedelta(days=rng.randint(3, 40))
                if wp.status.value == "Herstel gemeld" and rng.random() < 0.85 \
                        and recheck <= until:
                    wp = warning.register_recheck(wp, recheck, conform=rng.random() < 0.75)
    except RuleViolation:
        pass
    return warning.daily_task(wp, yesterday) if yesterday >= report else wp
