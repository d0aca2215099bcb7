"""A publish killed with SIGKILL at random moments always leaves the previous one served."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import timedelta

from publisher.publication.directory import DirectoryTarget
from publisher.serving.publications import PublicationReader

TRIALS = 24


def publish_cmd(store: str, root, as_of) -> list[str]:
    return [sys.executable, "-m", "publisher", "publish", "--store", store, "--target",
            str(root), "--as-of", as_of.isoformat(), "--quiet"]


def assert_whole_publication_served(root, allowed_dates) -> None:
    pointer = json.loads((root / "current.json").read_text())
    path = root / pointer["poi"]["file"]
    assert path.is_file()
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        meta = {k: json.loads(v) for k, v in db.execute("SELECT * FROM publication_meta")}
        assert db.execute("SELECT count(*) FROM poi").fetchone()[0] == meta["features"]
        assert db.execute("SELECT count(*) FROM poi_fragment").fetchone()[0] == meta["features"]
    assert meta["as_of"] in allowed_dates
    served = PublicationReader(root).current("poi")
    assert served is not None and served.as_of.isoformat() == meta["as_of"]
    assert served.connect().execute("SELECT count(*) FROM poi").fetchone()[0] > 0


def test_publish_killed_at_random_moments_leaves_a_whole_publication(tiny_store, tmp_path,
                                                                     publish, as_of) -> None:
    root = tmp_path / "pub"
    yesterday = as_of - timedelta(days=1)
    publish(tiny_store, root, yesterday)
    store = str(tiny_store.url)
    started = time.perf_counter()
    subprocess.run(publish_cmd(store, tmp_path / "timing", as_of), check=True, timeout=120)
    full = time.perf_counter() - started
    rng = random.Random(20261123)
    outcomes = set()
    for _ in range(TRIALS):
        proc = subprocess.Popen(publish_cmd(store, root, as_of), stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, full))
        proc.kill()
        proc.wait()
        assert_whole_publication_served(root, {yesterday.isoformat(), as_of.isoformat()})
        outcomes.add(json.loads((root / "current.json").read_text())["poi"]["as_of"])
    # The next normal run recovers: no staging leftovers, history settled, today's served.
    subprocess.run(publish_cmd(store, root, as_of), check=True, timeout=120)
    assert_whole_publication_served(root, {as_of.isoformat()})
    assert list((root / ".staging").iterdir()) == []
    with DirectoryTarget(root).history() as db:
        assert db.execute("SELECT count(*) FROM run WHERE status = 'staged'").fetchone() == (0,)
    assert outcomes  # at least one kill was observed after a whole state
