"""A published run whose follow-up work (download set, change files, report) is not done yet.

Why this is durable state: the switch makes a publication serve, but a user who mirrors the
data only sees a day through its change file. If the process dies between the switch and the
end of the follow-up, that day's change file and report would never exist and the next day's
change file, computed against the killed day's publication, would silently skip its changes.
So the switch records the run with ``follow_up = 'pending'`` (in ``history.sqlite`` /
``vlok_publication.run``) together with a first report, and only the completed follow-up sets
it to ``'done'``. Every publish completes the pending ones, oldest first, before its own run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: ``run.follow_up`` values: set to PENDING by the switch, DONE once files and report exist.
PENDING = "pending"
DONE = "done"


@dataclass(frozen=True)
class PendingFollowUp:
    """What a target knows of a published run whose follow-up has not completed.

    Attributes
    ----------
    current
        The run's publication as ``Target.current`` would return it (``Current`` or
        ``CurrentSchema``); it may no longer be the serving one.
    changes
        (product, identifier, 'added'|'removed') recorded at its switch.
    previous_run, previous_as_of
        The run and as-of date (ISO) its change set is relative to (None for the first one).
    report_json
        The report saved at the switch, None if there is none.
    """

    current: Any
    changes: list[tuple[str, str, str]]
    previous_run: str | None
    previous_as_of: str | None
    report_json: str | None
