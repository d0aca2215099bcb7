"""The daily and monthly publish jobs: lock, warning task, extract, write, switch, report.

A run either replaces the whole publication or leaves the previous one serving: everything is
written to a staging file first and only the final pointer switch changes what readers see.
The work after the switch (download set, change files, report) is durable state of the run
(see :mod:`publisher.publication.follow_up`): a run that dies after its switch is completed by
the next run, in its ``recover`` stage, before that run publishes anything.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from publisher.extract.poi import extract_poi
from publisher.extract.policy import extract_policy
from publisher.extract.warning_task import run_warning_task
from publisher.mapping import load_mapping
from publisher.progress import log_event, stage
from publisher.publication.follow_up import PendingFollowUp
from publisher.publication.lock import store_lock
from publisher.publication.register import publish_register

POI = "poi"
POLICY = "woningkwaliteitsbeleid"
#: Bump when the publication file layout changes (readers check it).
LAYOUT_VERSION = 1


@dataclass
class RunReport:
    """What a run did, for the terminal, the log and ``reports/<run_id>.json``."""

    run_id: str
    dataset: str
    as_of: str
    store: str
    target: str
    counts: dict[str, int] = field(default_factory=dict)
    changes: dict[str, dict[str, int]] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    quarantined_rows: list[dict[str, str]] = field(default_factory=list)
    warning_task: dict[str, int] = field(default_factory=dict)
    recovered: dict[str, int] = field(default_factory=dict)
    pruned_files: int = 0
    durations: dict[str, float] = field(default_factory=dict)
    publication: str = ""
    status: str = "running"
    follow_up_error: str | None = None
    #: The run (and its as-of date) this run's change set is relative to.
    previous_run: str | None = None
    previous_as_of: str | None = None
    #: Set when a later run completed this run's follow-up after it had died.
    completed_by: str | None = None

    def as_json(self) -> str:
        """The report as a JSON document."""
        return json.dumps(self.__dict__, indent=2, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RunReport:
        """A report saved by :meth:`as_json` (unknown keys of other versions are ignored)."""
        doc = json.loads(text)
        return cls(**{k: v for k, v in doc.items() if k in cls.__dataclass_fields__})

    def summary(self) -> str:
        """A few readable lines for a person at a terminal."""
        lines = [f"published {self.dataset} as of {self.as_of} (run {self.run_id})"]
        for product, n in self.counts.items():
            ch = self.changes.get(product, {})
            lines.append(f"  {product:<50} {n:>8}   +{ch.get('added', 0)} "
                         f"-{ch.get('removed', 0)}")
        if self.quarantined:
            lines.append("  quarantined: " + ", ".join(f"{k} {v}"
                                                       for k, v in self.quarantined.items()))
        lines.append("  stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.durations.items()))
        return "\n".join(lines)


def new_run_id() -> str:
    """Unique, sortable run identifier (UTC time to the microsecond)."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


@contextmanager
def _timed(report: RunReport, name: str, quiet: bool) -> Iterator[None]:
    """Time a stage for the report; a progress line on a terminal, a JSON log line otherwise."""
    started = time.perf_counter()
    with stage(f"publish: {name}", quiet=quiet):
        yield
    report.durations[name] = round(time.perf_counter() - started, 3)


def diff_poids(before: dict[str, set[str]], after: dict[str, set[str]]
               ) -> list[tuple[str, str, str]]:
    """(product, poid, 'added'|'removed') between two publications, sorted."""
    out = []
    for product in sorted(set(before) | set(after)):
        old, new = before.get(product, set()), after.get(product, set())
        out += [(product, p, "added") for p in sorted(new - old)]
        out += [(product, p, "removed") for p in sorted(old - new)]
    return out


class Target(Protocol):
    """What a publication store offers a run (``DirectoryTarget``, ``PostGISTarget``)."""

    def describe(self) -> str: ...  # noqa: D102
    def lock(self) -> AbstractContextManager[None]: ...  # noqa: D102
    def recover(self) -> dict[str, int]: ...  # noqa: D102
    def current(self, dataset: str) -> Any: ...  # noqa: D102
    def identities(self, dataset: str, location: Any) -> dict[str, set[str]]: ...  # noqa: D102
    def write_points(self, *args: Any) -> Any: ...  # noqa: D102
    def write_polygons(self, *args: Any) -> Any: ...  # noqa: D102
    def publish(self, *args: Any, **kwargs: Any) -> Any: ...  # noqa: D102
    def prune(self, retention_days: int, today: date) -> int: ...  # noqa: D102
    def save_report(self, run_id: str, report_json: str) -> None: ...  # noqa: D102
    def pending_follow_ups(self) -> list[PendingFollowUp]: ...  # noqa: D102
    def finish_follow_up(self, run_id: str, report_json: str,  # noqa: D102
                         done: bool) -> None: ...


#: Called inside the run's lock right after the switch, e.g. to write the download files:
#: ``after_switch(current, changes, report)``. Publication does not know its consumers.
AfterSwitch = Callable[[Any, list[tuple[str, str, str]], RunReport], None]


def _follow_up(after_switch: AfterSwitch | None, current: Any,
               changes: list[tuple[str, str, str]], report: RunReport, quiet: bool) -> bool:
    """Run the follow-up of a switched run; False (and the error in the report) if it failed.

    Only ``Exception`` is caught: an interrupt (SIGINT, SIGTERM) propagates and leaves the run
    pending, which the next run completes.
    """
    if after_switch is None:
        return True
    with _timed(report, "after_switch", quiet):
        try:
            after_switch(current, changes, report)
        except Exception as exc:  # the publication is live; report, don't undo
            report.status = "published; follow-up failed"
            report.follow_up_error = f"{type(exc).__name__}: {exc}"
            log_event("publish.follow_up_failed", run_id=report.run_id,
                      error=report.follow_up_error)
            return False
    return True


def _complete_pending(target: Target, after_switch: AfterSwitch | None, by_run: str,
                      quiet: bool) -> tuple[int, list[str]]:
    """Complete the follow-up of runs that died after their switch, oldest first.

    Returns
    -------
    tuple
        How many were completed, and one error text per run that failed again (it stays
        pending and is retried by the next run).
    """
    completed, errors = 0, []
    for pending in target.pending_follow_ups():
        cur = pending.current
        report = (RunReport.from_json(pending.report_json) if pending.report_json else
                  RunReport(run_id=cur.run_id, dataset=cur.dataset, as_of=cur.as_of.isoformat(),
                            store="", target=target.describe()))
        report.previous_run, report.previous_as_of = pending.previous_run, pending.previous_as_of
        report.publication = str(cur.location)
        report.status, report.follow_up_error, report.completed_by = "published", None, by_run
        ok = _follow_up(after_switch, cur, pending.changes, report, quiet)
        target.finish_follow_up(cur.run_id, report.as_json(), ok)
        if ok:
            completed += 1
            log_event("publish.follow_up_completed", run_id=cur.run_id, by=by_run,
                      as_of=report.as_of)
        else:
            errors.append(f"run {cur.run_id} (as of {report.as_of}): {report.follow_up_error}")
    return completed, errors


def _publish(engine: Engine, target: Target, dataset: str, as_of: date, store: str,
             quiet: bool, retention_days: int,
             build: Callable[[RunReport, str], tuple[Any, dict[str, int]]],
             after_switch: AfterSwitch | None = None) -> RunReport:
    run_id = new_run_id()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    report = RunReport(run_id=run_id, dataset=dataset, as_of=as_of.isoformat(), store=store,
                       target=target.describe())
    with store_lock(engine), target.lock():
        with _timed(report, "recover", quiet):
            report.recovered = target.recover()
            completed, recover_errors = _complete_pending(target, after_switch, run_id, quiet)
            if completed or recover_errors:  # only when there was something to complete
                report.recovered["follow_ups_completed"] = completed
                report.recovered["follow_ups_failed"] = len(recover_errors)
        staged, report.counts = build(report, run_id)
        with _timed(report, "changes", quiet):
            previous = target.current(dataset)
            if previous is not None:
                report.previous_run = previous.run_id
                report.previous_as_of = previous.as_of.isoformat()
            changes = diff_poids(
                target.identities(dataset, previous.location if previous else None),
                target.identities(dataset, staged))
            for product in report.counts:
                report.changes[product] = {
                    "added": sum(1 for p, _, c in changes if p == product and c == "added"),
                    "removed": sum(1 for p, _, c in changes if p == product and c == "removed")}
        with _timed(report, "switch", quiet):
            # The switch also records the run as pending its follow-up, with this report.
            report.status = "published; follow-up pending"
            current = target.publish(dataset, staged, as_of, run_id, started, report.counts,
                                     changes, datetime.now(UTC).isoformat(timespec="seconds"),
                                     report_json=report.as_json())
        report.publication = str(current.location)
        report.pruned_files = target.prune(retention_days, as_of)
        report.status = "published"
        ok = _follow_up(after_switch, current, changes, report, quiet)
        if recover_errors:
            report.follow_up_error = "; ".join(
                ([report.follow_up_error] if report.follow_up_error else [])
                + [f"completing {e}" for e in recover_errors])
        target.finish_follow_up(run_id, report.as_json(), ok)
    if not quiet:
        log_event("publish.done", run_id=run_id, dataset=dataset, as_of=report.as_of,
                  counts=report.counts, quarantined=report.quarantined)
    return report


def publish_poi(engine: Engine, target: Target, as_of: date, *, store: str,
                retention_days: int = 30, quiet: bool = False,
                after_switch: AfterSwitch | None = None) -> RunReport:
    """The daily job: warning task, then the three POI products as of ``as_of``."""
    mapping = load_mapping("poi")

    def build(report: RunReport, run_id: str) -> tuple[Any, dict[str, int]]:
        with _timed(report, "warning_task", quiet), Session(engine) as session:
            report.warning_task = run_warning_task(session, as_of)
            session.commit()
        with _timed(report, "extract", quiet), engine.connect() as conn:
            extraction = extract_poi(conn, as_of, mapping)
        for q in extraction.quarantined:
            reason = q.reason.split(" (")[0]
            report.quarantined[reason] = report.quarantined.get(reason, 0) + 1
            report.quarantined_rows.append(q.__dict__)
        # the public address register's search index, named in the publication's metadata
        with _timed(report, "address_register", quiet):
            register = publish_register(engine, target, quiet)
        with _timed(report, "write", quiet):
            staged = target.write_points(
                POI, run_id, mapping, extraction.features, extraction.xy, extraction.parcels,
                {"dataset": POI, "as_of": as_of, "counts": extraction.counts(),
                 "mapping": mapping.digest, "layout": LAYOUT_VERSION,
                 **({"adresregister": register} if register else {})})
        return staged, extraction.counts()

    return _publish(engine, target, POI, as_of, store, quiet, retention_days, build,
                    after_switch)


def publish_policy(engine: Engine, target: Target, as_of: date, *, store: str,
                   retention_days: int = 400, quiet: bool = False,
                   after_switch: AfterSwitch | None = None) -> RunReport:
    """The monthly job: every municipality with the policy in force on ``as_of``."""
    mapping = load_mapping(POLICY)

    def build(report: RunReport, run_id: str) -> tuple[Any, dict[str, int]]:
        with _timed(report, "extract", quiet), engine.connect() as conn:
            extraction = extract_policy(conn, as_of, mapping)
        with _timed(report, "write", quiet):
            staged = target.write_polygons(
                POLICY, run_id, mapping, extraction.features, extraction.wkbs,
                extraction.bounds,
                {"dataset": POLICY, "as_of": as_of, "counts": extraction.counts(),
                 "mapping": mapping.digest, "layout": LAYOUT_VERSION})
        return staged, extraction.counts()

    return _publish(engine, target, POLICY, as_of, store, quiet, retention_days, build,
                    after_switch)
