"""A publish killed right after its switch still gets its day in the stream (next run).

As in ``tests/publication/test_follow_up_durability.py``: ``vlok-publisher publish`` runs as a
subprocess and is killed (SIGKILL) the moment its progress lines say the switch has ended,
before its follow-up (the stream's pages, the download files) is written.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from publisher.publication.directory import DirectoryTarget
from publisher.publication.ldes import page_store

from .conftest import DAYS, copy_store

ENV = {**os.environ, "VLOK_RETENTION_DAYS": "120"}


def publish(store: str, target: str, day, kill: bool = False) -> int:
    """Run ``vlok-publisher publish``; with ``kill``, SIGKILL it as soon as it has switched."""
    cmd = [sys.executable, "-m", "publisher", "publish", "--store", store, "--target", target,
           "--as-of", day.isoformat()]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env=ENV)
    assert proc.stderr is not None
    for line in proc.stderr:
        if kill and '"stage.end"' in line and json.loads(line).get("stage") == "publish: switch":
            proc.send_signal(signal.SIGKILL)
            break
    proc.stderr.read()
    return proc.wait(timeout=300)


def test_a_day_killed_after_its_switch_reaches_the_stream_with_the_next_run(
        ldes_template, tmp_path) -> None:
    store = copy_store(ldes_template, tmp_path / "vlok.sqlite")
    root = tmp_path / "pub"
    assert publish(store, str(root), DAYS[0]) == 0
    assert publish(store, str(root), DAYS[1], kill=True) == -signal.SIGKILL
    target = DirectoryTarget(root)
    assert [d for d, _ in page_store(target).days()] == [DAYS[0].isoformat()]  # not yet
    assert publish(store, str(root), DAYS[2]) == 0
    assert [d for d, _ in page_store(target).days()] == [d.isoformat() for d in DAYS[:3]]
    assert len(page_store(target).done_runs()) == 3
