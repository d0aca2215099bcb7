"""A publish killed right after its switch loses no day: the next run completes its follow-up.

Real stores and real processes: ``vlok-publisher publish`` runs as a subprocess and is killed
(SIGKILL) or stopped (SIGTERM) at the moment its progress lines on stderr say the switch has
ended, i.e. while its download set, change files and report are being written. No test hook
is needed: the kill lands within milliseconds, the export takes far longer, and each test
asserts that the run was indeed left pending, so a kill that came too late fails loudly.

What a consumer relies on, checked for every day: the day's change file exists, names the run
it is relative to (``previous_run_id``) which is the previous day's run, and applying the
files in order to the first day's publication gives exactly the POIDs served now.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import text

from publisher.publication.directory import DirectoryTarget
from publisher.publication.gpkg import read_poids
from publisher.publication.postgis import META, PostGISTarget
from publisher.store.db import open_engine

KILLED_DAYS = 3
#: Days between consecutive runs: far enough apart in the tiny store that the killed runs
#: add and remove POIs, so a lost change file would show in the sums.
STEP = timedelta(days=15)
#: ... and a retention (setting ``retention_days``) that keeps every one of those days.
ENV = {**os.environ, "VLOK_RETENTION_DAYS": "120"}
SWITCHED = "publish: switch"


def publish_cmd(store: str, target: str, day: date) -> list[str]:
    # not --quiet: the JSON progress lines on stderr tell when the switch has ended
    return [sys.executable, "-m", "publisher", "publish", "--store", store, "--target", target,
            "--as-of", day.isoformat()]


def run_until_switched(cmd: list[str], sig: int, env: dict[str, str]
                       ) -> tuple[int, list[str]]:
    """Run ``cmd``; send ``sig`` as soon as its switch stage has ended. (exit code, stderr)."""
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env=env)
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:
        lines.append(line.rstrip("\n"))
        if '"stage.end"' in line and json.loads(line).get("stage") == SWITCHED:
            proc.send_signal(sig)
            break
    lines += proc.stderr.read().splitlines()
    return proc.wait(timeout=120), lines


def run_ok(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]


def read_change_file(files_root: Path, day: date) -> dict:
    """The POI change file served at ``/downloads/<day>/``."""
    path = files_root / "downloads" / day.isoformat() / f"vlok-poi-wijzigingen-{day}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def nonempty(poids: dict[str, set[str]]) -> dict[str, set[str]]:
    return {p: s for p, s in poids.items() if s}


def assert_days_chain(files_root: Path, days: list[date], first: dict[str, set[str]],
                      served: dict[str, set[str]], some_removed: bool = True) -> list[dict]:
    """Every day has its change file, each starts where the last ended and they add up."""
    missing = [d for d in days if not (files_root / "downloads" / d.isoformat() /
                                       f"vlok-poi-wijzigingen-{d}.json").is_file()]
    assert missing == []
    docs = [read_change_file(files_root, d) for d in days]
    assert docs[0]["previous_run_id"] is None
    for before, after in pairwise(docs):
        assert after["previous_run_id"] == before["run_id"]
        assert after["previous_as_of"] == before["as_of"]
    state = {p: set(s) for p, s in first.items()}
    for doc in docs[1:]:
        for product, change in doc["changes"].items():
            state.setdefault(product, set()).update(change["added"])
            state[product].difference_update(change["removed"])
    assert nonempty(state) == nonempty(served)
    if some_removed:  # the killed days really changed things, so a lost one would show
        assert sum(len(c["removed"]) for d in docs[1:-1] for c in d["changes"].values()) > 0
    return docs


@pytest.fixture
def days(as_of) -> list[date]:
    """The first day, KILLED_DAYS runs killed after their switch, and a normal last run."""
    return [as_of - STEP * (KILLED_DAYS + 1 - i) for i in range(KILLED_DAYS + 2)]


def test_killed_after_switch_on_consecutive_days_loses_no_day_gpkg(tiny_store, tmp_path,
                                                                    days) -> None:
    root, store, env = tmp_path / "pub", str(tiny_store.url), ENV
    run_ok(publish_cmd(store, str(root), days[0]), env)
    first = read_poids(DirectoryTarget(root).current("poi").path, "poi")
    for day in days[1:-1]:
        code, _ = run_until_switched(publish_cmd(store, str(root), day), signal.SIGKILL, env)
        assert code == -signal.SIGKILL
        target = DirectoryTarget(root)
        assert target.current("poi").as_of == day  # the switch happened ...
        pending = [p.current.as_of for p in target.pending_follow_ups()]
        assert pending == [day]  # ... the follow-up did not: the kill landed in the window
        assert not (root / "downloads" / day.isoformat()).exists()
    run_ok(publish_cmd(store, str(root), days[-1]), env)

    target = DirectoryTarget(root)
    assert target.pending_follow_ups() == []
    docs = assert_days_chain(root, days, first,
                             read_poids(target.current("poi").path, "poi"))
    reports = [json.loads((root / "reports" / f"{d['run_id']}.json").read_text())
               for d in docs]
    assert [r["status"] for r in reports] == ["published"] * len(days)
    assert [r["completed_by"] is not None for r in reports] == (
        [False] + [True] * KILLED_DAYS + [False])
    assert os.readlink(root / "downloads" / "latest").endswith(
        f"{days[-1]}-{docs[-1]['run_id']}")


@pytest.mark.postgis
def test_killed_after_switch_on_consecutive_days_loses_no_day_postgis(
        tiny_store, tmp_path, days, make_database) -> None:
    url, store = make_database(), str(tiny_store.url)
    files = tmp_path / "files"
    env = {**ENV, "VLOK_FILES_DIR": str(files)}
    run_ok(publish_cmd(store, url, days[0]), env)
    target = PostGISTarget(open_engine(url))
    try:
        first = target.identities("poi", target.current("poi").schema)
        for day in days[1:-1]:
            code, _ = run_until_switched(publish_cmd(store, url, day), signal.SIGKILL, env)
            assert code == -signal.SIGKILL
            assert target.current("poi").as_of == day
            assert [p.current.as_of for p in target.pending_follow_ups()] == [day]
        run_ok(publish_cmd(store, url, days[-1]), env)
        assert target.pending_follow_ups() == []
        docs = assert_days_chain(files, days, first,
                                 target.identities("poi", target.current("poi").schema))
        with target.engine.connect() as conn:
            reports = dict(conn.execute(text(
                f"SELECT run_id, report->>'status' FROM {META}.report")).all())
        assert [reports[d["run_id"]] for d in docs] == ["published"] * len(days)
        assert list((files / ".mirror").glob("*.gpkg")) == []  # every mirror consumed
    finally:
        target.engine.dispose()


@pytest.mark.parametrize("moment", ["before", "after"])
def test_sigterm_ends_with_one_line_and_143_and_the_next_run_completes(
        tiny_store, tmp_path, days, moment) -> None:
    root, store, env = tmp_path / "pub", str(tiny_store.url), ENV
    run_ok(publish_cmd(store, str(root), days[0]), env)
    cmd = publish_cmd(store, str(root), days[1])
    if moment == "after":
        code, lines = run_until_switched(cmd, signal.SIGTERM, env)
    else:  # while it extracts: nothing switched, nothing to complete
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                text=True, env=env)
        assert proc.stderr is not None
        lines = []
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            if '"stage.start"' in line and json.loads(line).get("stage") == "publish: extract":
                proc.send_signal(signal.SIGTERM)
                break
        lines += proc.stderr.read().splitlines()
        code = proc.wait(timeout=120)
    assert code == 143
    assert not any("Traceback" in line for line in lines)
    errors = [line for line in lines if line.startswith("vlok-publisher: error:")]
    assert errors == ["vlok-publisher: error: terminated (SIGTERM)"]
    assert lines[-1] == errors[0]
    target = DirectoryTarget(root)
    assert target.current("poi").as_of == (days[1] if moment == "after" else days[0])
    assert len(target.pending_follow_ups()) == (1 if moment == "after" else 0)

    run_ok(publish_cmd(store, str(root), days[2]), env)
    target = DirectoryTarget(root)
    assert target.pending_follow_ups() == []
    served = [days[0], days[1], days[2]] if moment == "after" else [days[0], days[2]]
    assert_days_chain(root, served, read_poids(_first_publication(root), "poi"),
                      read_poids(target.current("poi").path, "poi"), some_removed=False)
    assert list((root / ".staging").iterdir()) == []


def _first_publication(root: Path) -> Path:
    """The file of the oldest published run in the history."""
    with DirectoryTarget(root).history() as db:
        (file,) = db.execute("SELECT file FROM run WHERE status = 'published' "
                             "ORDER BY as_of, finished LIMIT 1").fetchone()
    return root / file
