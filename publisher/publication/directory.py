"""The embedded publication store: GeoPackage files in a directory, switched atomically.

Layout of the target directory::

    current.json            which file serves each dataset (replaced with one rename)
    publications/*.gpkg     dated publications, kept for ``retention_days``
    history.sqlite          every run and its change set (added/removed POIDs per product),
                            and whether its follow-up (downloads, report) is done
    reports/<run>.json      run reports
    .staging/               files being written; never read by anyone

A reader sees the old or the new publication, whole: the new file is complete and fsynced
before ``current.json`` is replaced by ``os.replace``, the only step that changes what serves.
A run killed at any moment leaves at worst a staging file or an unreferenced publication, which
the next run removes (:meth:`DirectoryTarget.recover`). A run killed after its switch is
recorded with ``follow_up = 'pending'`` and completed by the next run
(:meth:`DirectoryTarget.pending_follow_ups`).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from publisher.mapping import Mapping
from publisher.publication import gpkg
from publisher.publication.follow_up import DONE, PENDING, PendingFollowUp
from publisher.publication.gpkg import read_poids
from publisher.publication.lock import file_lock

HISTORY_SCHEMA = """
CREATE TABLE IF NOT EXISTS run (
  run_id TEXT PRIMARY KEY, dataset TEXT NOT NULL, as_of DATE NOT NULL, file TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('staged', 'published', 'abandoned')),
  started TEXT NOT NULL, finished TEXT, counts TEXT NOT NULL, previous_run TEXT);
CREATE TABLE IF NOT EXISTS change (
  run_id TEXT NOT NULL REFERENCES run(run_id), product TEXT NOT NULL, poid TEXT NOT NULL,
  change TEXT NOT NULL CHECK (change IN ('added', 'removed')),
  PRIMARY KEY (run_id, product, poid));
CREATE INDEX IF NOT EXISTS run_as_of ON run (dataset, status, as_of);
"""
#: Added after the first release; rows from before it had no follow-up to wait for.
FOLLOW_UP_COLUMN = "ALTER TABLE run ADD COLUMN follow_up TEXT NOT NULL DEFAULT 'done'"


@dataclass(frozen=True)
class Current:
    """What serves a dataset now."""

    dataset: str
    path: Path
    as_of: date
    run_id: str

    @property
    def location(self) -> Path:
        """Where the publication lives (a GeoPackage file)."""
        return self.path


def fsync_path(path: Path) -> None:
    """Flush a file's data, or a directory's renames, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old or the new content, never a mix."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_path(path.parent)


class DirectoryTarget:
    """Publications, pointer, history and reports under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.publications = root / "publications"
        self.staging = root / ".staging"
        self.reports = root / "reports"
        self.pointer = root / "current.json"
        for d in (self.publications, self.staging, self.reports):
            d.mkdir(parents=True, exist_ok=True)
        with self.history() as db:
            db.executescript(HISTORY_SCHEMA)
            if "follow_up" not in {r[1] for r in db.execute("PRAGMA table_info(run)")}:
                db.execute(FOLLOW_UP_COLUMN)

    def describe(self) -> str:
        """The target as a person reads it."""
        return str(self.root)

    def lock(self) -> AbstractContextManager[None]:
        """Exclusive lock on the directory for the duration of a run."""
        return file_lock(self.root / ".publish.lock", f"target {self.root}")

    # -- reading ---------------------------------------------------------------------------

    def identities(self, dataset: str, location: Path | None) -> dict[str, set[str]]:
        """Ids per product in a publication file (what the change set compares)."""
        return read_poids(location, dataset) if location else {}

    def pointers(self) -> dict[str, dict[str, str]]:
        """The parsed ``current.json`` (empty before the first publication)."""
        try:
            return json.loads(self.pointer.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def current(self, dataset: str) -> Current | None:
        """The publication serving ``dataset``, or None."""
        entry = self.pointers().get(dataset)
        if not entry:
            return None
        return Current(dataset, self.root / entry["file"], date.fromisoformat(entry["as_of"]),
                       entry["run_id"])

    @contextmanager
    def history(self) -> Iterator[sqlite3.Connection]:
        """A connection to the run history; one transaction per ``with``."""
        with closing(sqlite3.connect(self.root / "history.sqlite", timeout=30)) as db, db:
            yield db

    def changes_since(self, since: date, dataset: str = "poi") -> list[dict[str, Any]]:
        """Published runs with an as-of date after ``since``, each with its change set."""
        with self.history() as db:
            runs = db.execute(
                "SELECT run_id, as_of, counts, previous_run FROM run WHERE dataset = ? AND "
                "status = 'published' AND as_of > ? ORDER BY as_of, finished",
                (dataset, since.isoformat())).fetchall()
            out = []
            for run_id, as_of, counts, previous in runs:
                changes: dict[str, dict[str, list[str]]] = {}
                for product, poid, change in db.execute(
                        "SELECT product, poid, change FROM change WHERE run_id = ? "
                        "ORDER BY product, change, poid", (run_id,)):
                    changes.setdefault(product, {"added": [], "removed": []})[change].append(poid)
                out.append({"run_id": run_id, "as_of": as_of, "previous_run": previous,
                            "counts": json.loads(counts), "changes": changes})
        return out

    # -- writing ---------------------------------------------------------------------------

    def staging_path(self, dataset: str, run_id: str) -> Path:
        """Where a run writes its file before it is complete."""
        return self.staging / f"{dataset}-{run_id}.gpkg"

    def write_points(self, dataset: str, run_id: str, mapping: Mapping,
                     features: list[dict[str, Any]], xy: np.ndarray,
                     parcels: list[tuple[str, str]], meta: dict[str, Any]) -> Path:
        """Write a point publication to a staging file; returns it (not yet serving)."""
        staged = self.staging_path(dataset, run_id)
        gpkg.write_points(staged, mapping, date.fromisoformat(str(meta["as_of"])), features,
                          xy, parcels, meta)
        return staged

    def write_polygons(self, dataset: str, run_id: str, mapping: Mapping,
                       features: list[dict[str, Any]], wkbs: list[bytes],
                       bounds: list[tuple[float, float, float, float]],
                       meta: dict[str, Any]) -> Path:
        """Write a polygon publication to a staging file."""
        staged = self.staging_path(dataset, run_id)
        gpkg.write_polygons(staged, mapping, date.fromisoformat(str(meta["as_of"])), features,
                            wkbs, bounds, meta)
        return staged

    def save_report(self, run_id: str, report_json: str) -> None:
        """Keep the run report under ``reports/``."""
        write_atomic(self.reports / f"{run_id}.json", report_json.encode())

    def _load_report(self, run_id: str) -> str | None:
        try:
            return (self.reports / f"{run_id}.json").read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def pending_follow_ups(self) -> list[PendingFollowUp]:
        """Published runs whose downloads or report were not completed, oldest first.

        Call after :meth:`recover`, which settles the runs killed during their switch.
        """
        with self.history() as db:
            rows = db.execute(
                "SELECT r.run_id, r.dataset, r.as_of, r.file, r.previous_run, p.as_of "
                "FROM run r LEFT JOIN run p ON p.run_id = r.previous_run "
                "WHERE r.status = 'published' AND r.follow_up = ? "
                "ORDER BY r.as_of, r.finished, r.run_id", (PENDING,)).fetchall()
            out = []
            for run_id, dataset, as_of, file, previous, previous_as_of in rows:
                changes = [(p, i, c) for p, i, c in db.execute(
                    "SELECT product, poid, change FROM change WHERE run_id = ? "
                    "ORDER BY product, change, poid", (run_id,))]
                out.append(PendingFollowUp(
                    Current(dataset, self.root / file, date.fromisoformat(as_of), run_id),
                    changes, previous, previous_as_of, self._load_report(run_id)))
        return out

    def finish_follow_up(self, run_id: str, report_json: str, done: bool) -> None:
        """Save the final report; mark the follow-up done unless it failed (then retried)."""
        self.save_report(run_id, report_json)
        if done:
            with self.history() as db:
                db.execute("UPDATE run SET follow_up = ? WHERE run_id = ?", (DONE, run_id))

    def publish(self, dataset: str, staged: Path, as_of: date, run_id: str, started: str,
                counts: dict[str, int], changes: list[tuple[str, str, str]],
                finished: str, report_json: str | None = None) -> Current:
        """Move a complete file into place and switch the pointer to it (the atomic step).

        The run is recorded, with its change set, pending follow-up and ``report_json``
        (if given), before the pointer moves: whatever serves has its history and a report.
        """
        final = self.publications / f"{dataset}-{as_of.isoformat()}-{run_id}.gpkg"
        fsync_path(staged)
        os.replace(staged, final)
        fsync_path(self.publications)
        previous = self.current(dataset)
        with self.history() as db:
            db.execute("INSERT INTO run (run_id, dataset, as_of, file, status, started, "
                       "finished, counts, previous_run, follow_up) "
                       "VALUES (?, ?, ?, ?, 'staged', ?, NULL, ?, ?, ?)",
                       (run_id, dataset, as_of.isoformat(), str(final.relative_to(self.root)),
                        started, json.dumps(counts), previous.run_id if previous else None,
                        PENDING))
            db.executemany("INSERT INTO change VALUES (?, ?, ?, ?)",
                           [(run_id, p, poid, c) for p, poid, c in changes])
        if report_json is not None:
            self.save_report(run_id, report_json)
        pointers = self.pointers()
        pointers[dataset] = {"file": str(final.relative_to(self.root)),
                             "as_of": as_of.isoformat(), "run_id": run_id}
        write_atomic(self.pointer, json.dumps(pointers, indent=2, sort_keys=True).encode())
        with self.history() as db:
            db.execute("UPDATE run SET status = 'published', finished = ? WHERE run_id = ?",
                       (finished, run_id))
        return Current(dataset, final, as_of, run_id)

    def recover(self) -> dict[str, int]:
        """Clean up after a killed run: settle staged history rows, drop stray files."""
        served = {entry["run_id"] for entry in self.pointers().values()}
        with self.history() as db:
            staged = [r for (r,) in db.execute("SELECT run_id FROM run WHERE status='staged'")]
            for run_id in staged:
                db.execute("UPDATE run SET status = ? WHERE run_id = ?",
                           ("published" if run_id in served else "abandoned", run_id))
                if run_id not in served:
                    self._mark_report_abandoned(run_id)
            keep = {f for (f,) in db.execute(
                "SELECT file FROM run WHERE status = 'published'")}
        removed = 0
        for stray in self.staging.glob("*"):
            stray.unlink(missing_ok=True)
            removed += 1
        referenced = {self.root / f for f in keep} | {
            self.root / e["file"] for e in self.pointers().values()}
        for path in self.publications.glob("*.gpkg"):
            if path not in referenced:
                path.unlink(missing_ok=True)
                removed += 1
        return {"settled_runs": len(staged), "removed_files": removed}

    def _mark_report_abandoned(self, run_id: str) -> None:
        """A run killed during its switch saved a report that must not claim it published."""
        text = self._load_report(run_id)
        if text is not None:
            doc = json.loads(text)
            doc["status"] = "abandoned: killed before its switch"
            self.save_report(run_id, json.dumps(doc, indent=2, ensure_ascii=False,
                                                sort_keys=True))

    def prune(self, retention_days: int, today: date) -> int:
        """Delete publication files older than the retention (never the serving ones).

        A run still pending its follow-up keeps its file: the next run exports from it.
        """
        served = {self.root / e["file"] for e in self.pointers().values()}
        cutoff = today - timedelta(days=retention_days)
        removed = 0
        with self.history() as db:
            for file, as_of in db.execute("SELECT file, as_of FROM run WHERE status = "
                                          "'published' AND follow_up = ?", (DONE,)).fetchall():
                path = self.root / file
                if date.fromisoformat(as_of) < cutoff and path not in served and path.exists():
                    path.unlink()
                    removed += 1
        return removed
