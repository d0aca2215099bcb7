"""A killed export never leaves a half-written set: readers see the previous one, whole."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from publisher.downloads import export_downloads, prune_downloads
from publisher.downloads.sets import downloads_root, file_digest, latest_dir, read_manifest
from publisher.publication.directory import DirectoryTarget

EXPORT = """
import sys
from pathlib import Path
from publisher.downloads import export_downloads
from publisher.publication.directory import DirectoryTarget
root = Path(sys.argv[1])
current = DirectoryTarget(root).current("poi")
print("ready", flush=True)
export_downloads(root, "poi", current.path, current.as_of, sys.argv[2], [])
print("done", flush=True)
"""


def assert_consistent(root: Path) -> dict:
    served = latest_dir(root)
    assert served is not None
    manifest = read_manifest(served)
    assert manifest["files"]
    on_disk = {p.name for p in served.iterdir()} - {"manifest.json"}
    assert on_disk == {e["name"] for e in manifest["files"]}
    for entry in manifest["files"]:
        assert file_digest(served / entry["name"]) == (entry["bytes"], entry["sha256"])
    return manifest


def test_export_killed_at_random_moments_leaves_the_previous_set_complete(
        exported, published, tmp_path):
    root = tmp_path / "pub"
    shutil.copytree(published, root, symlinks=True)
    before = assert_consistent(root)
    rng = random.Random(int(os.environ.get("KILL_SEED", time.time_ns() % 10_000)))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for attempt in range(4):
        proc = subprocess.Popen([sys.executable, "-c", EXPORT, str(root), f"killed{attempt}"],
                                stdout=subprocess.PIPE, env=env, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = assert_consistent(root)
        # either untouched, or (killed after the switch) the new set, whole
        assert after["set"] == before["set"] or after["datasets"]["poi"]["run_id"].startswith(
            "killed")
    # the next export cleans up after the killed ones and switches
    current = DirectoryTarget(root).current("poi")
    manifest = export_downloads(root, "poi", current.path, current.as_of, "complete", [])
    assert assert_consistent(root)["set"] == manifest["set"]
    assert not any((downloads_root(root) / ".staging").iterdir())
    # the policy files were carried over unchanged
    policy = {e["name"]: e["sha256"] for e in before["files"]
              if e["dataset"] == "woningkwaliteitsbeleid"}
    assert policy == {e["name"]: e["sha256"] for e in manifest["files"]
                      if e["dataset"] == "woningkwaliteitsbeleid"}


def test_prune_keeps_the_served_set_and_recent_days_only(exported, published, tmp_path):
    root = tmp_path / "pub"
    shutil.copytree(published, root, symlinks=True)
    downloads = downloads_root(root)
    served = latest_dir(root)
    old = downloads / "sets" / "2026-11-01-old"
    shutil.copytree(served, old)
    (downloads / "2026-11-01").symlink_to("sets/2026-11-01-old")
    orphan = downloads / "sets" / "2026-11-20-orphan"
    shutil.copytree(served, orphan)
    # the orphan and the POI-only set the same-day policy export superseded
    assert prune_downloads(root, keep_days=30, today=date(2026, 11, 23)) == 2
    assert old.exists() and not orphan.exists()
    assert {p.name for p in (downloads / "sets").iterdir()} == {served.name, old.name}
    assert prune_downloads(root, keep_days=7, today=date(2026, 11, 23)) == 1
    assert not old.exists() and not (downloads / "2026-11-01").is_symlink()
    assert latest_dir(root) == served
    assert_consistent(root)
    # the served set survives any retention
    prune_downloads(root, keep_days=0, today=date(2027, 1, 1))
    assert latest_dir(root) == served
