"""A second concurrent publish is refused with a clear message, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

import pytest

from publisher.publication.directory import DirectoryTarget
from publisher.publication.lock import store_lock


def run_publish(store: str, target) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", "publish", "--store", store, "--target", str(target),
         "--as-of", "2026-11-23", "--quiet"], capture_output=True, text=True, timeout=120)


def test_second_run_on_a_sqlite_store_is_refused(tiny_store, tmp_path) -> None:
    with store_lock(tiny_store), DirectoryTarget(tmp_path / "pub").lock():
        result = run_publish(str(tiny_store.url), tmp_path / "pub")
    assert result.returncode == 6
    assert result.stderr.startswith("vlok-publisher: error: another publish is running")
    assert len(result.stderr.strip().splitlines()) == 1
    assert run_publish(str(tiny_store.url), tmp_path / "pub").returncode == 0  # lock released


def test_second_run_on_the_same_target_is_refused(tiny_store, tmp_path) -> None:
    from publisher.publication.lock import file_lock

    with file_lock(tmp_path / "pub" / ".publish.lock", "target"):
        result = run_publish(str(tiny_store.url), tmp_path / "pub")
    assert result.returncode == 6
    assert "another publish is running on target" in result.stderr


@pytest.mark.postgis
def test_second_run_on_a_postgresql_store_is_refused(postgis_engine, postgis_server_url,
                                                     tmp_path) -> None:
    with store_lock(postgis_engine):
        result = run_publish(postgis_server_url, tmp_path / "pub")
    assert result.returncode == 6
    assert "another publish is running on this PostgreSQL store" in result.stderr
