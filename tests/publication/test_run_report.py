"""The run report: counts, change sizes, quarantined rows by reason, stage durations."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from publisher.mapping import load_mapping
from publisher.publication.directory import DirectoryTarget
from publisher.synthetic.planting import BAD_ROWS


def test_bad_rows_are_quarantined_counted_and_the_run_goes_on(tiny_store, tmp_path, publish,
        as_of) -> None:
    report = publish(tiny_store, tmp_path)
    assert report.status == "published"
    assert report.quarantined == {
        "address without position": BAD_ROWS["address without position"],
        "address outside Flanders": BAD_ROWS["address outside Flanders"],
        "malformed capakey": BAD_ROWS["malformed capakey"],
        "impossible dates": BAD_ROWS["certificate expiring before its date"],
    }
    assert all(row["reason"] and row["subject"] for row in report.quarantined_rows)
    saved = json.loads((tmp_path / "reports" / f"{report.run_id}.json").read_text())
    assert saved["quarantined"] == report.quarantined
    assert set(saved["durations"]) >= {"warning_task", "extract", "write", "changes", "switch"}
    assert sum(saved["counts"].values()) > 0


def test_published_columns_are_exactly_the_mapping(tiny_store, tmp_path, publish,
        as_of) -> None:
    publish(tiny_store, tmp_path)
    path = DirectoryTarget(tmp_path).current("poi").path
    with sqlite3.connect(path) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(poi)")]
    assert columns == ["fid", "SHAPE", *load_mapping("poi").names]


def test_cli_prints_a_summary_and_writes_the_report(tiny_store, tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "publisher", "publish", "--store", str(tiny_store.url),
         "--target", str(tmp_path), "--as-of", "2026-11-23"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "published poi as of 2026-11-23" in result.stderr
    assert "quarantined:" in result.stderr
    assert DirectoryTarget(tmp_path).current("poi") is not None


def test_policy_dataset_has_every_municipality(tiny_store, tmp_path, as_of) -> None:
    from publisher.publication.run import publish_policy
    report = publish_policy(tiny_store, DirectoryTarget(tmp_path), as_of, store="x", quiet=True)
    assert report.counts == {"Woningkwaliteitsbeleid": 285}
    path = DirectoryTarget(tmp_path).current("woningkwaliteitsbeleid").path
    with sqlite3.connect(path) as db:
        validity = {r[0] for r in db.execute(
            'SELECT "CA_GELDIGHEID_JAREN" FROM woningkwaliteitsbeleid')}
    assert validity <= set(range(1, 11)) | {None}
    assert 10 in validity
