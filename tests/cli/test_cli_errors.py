"""Bad input to the CLI: one clear line on stderr, a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run_cli(*args: str, store: str | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "publisher", *args]
    if store:
        cmd += ["--store", store]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("vlok-publisher: error:")
    for needle in needles:
        assert needle in lines[0]


def test_unknown_scale(tmp_path) -> None:
    result = run_cli("demo", "--scale", "huge", store=f"sqlite:///{tmp_path}/x.sqlite")
    assert_one_line_error(result, "'huge'", "flanders")
    assert result.returncode == 2


def test_unreachable_postgresql_url() -> None:
    result = run_cli("demo", "--scale", "tiny",
                     store="postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    assert_one_line_error(result, "cannot open store", "127.0.0.1:1")
    assert result.returncode == 3


def test_unsupported_url_scheme() -> None:
    result = run_cli("flags", store="mysql://root@127.0.0.1/test")
    assert_one_line_error(result, "unsupported store URL")


def test_invalid_capakey_in_an_operation(tmp_path) -> None:
    result = run_cli("op", "file-claim", "--capakey", "11004A479/0N000", "--date", "2026-01-01",
                     store=f"sqlite:///{tmp_path}/x.sqlite")
    assert_one_line_error(result, "'11004A479/0N000'", "e.g. 11004A0479/00N000")


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday"])
def test_invalid_date(bad, tmp_path) -> None:
    result = run_cli("flags", "--as-of", bad, store=f"sqlite:///{tmp_path}/x.sqlite")
    assert_one_line_error(result, repr(bad), "YYYY-MM-DD")


def test_unknown_unit_reference(tmp_path) -> None:
    store = f"sqlite:///{tmp_path}/x.sqlite"
    assert run_cli("demo", "--scale", "tiny", "--until", "2026-11-23", store=store).returncode == 0
    result = run_cli("op", "decide", "--unit", "EN99-999999", "--date", "2026-01-01",
                     "--kind", "ongeschikt", store=store)
    assert_one_line_error(result, "EN99-999999")


def test_unlawful_operation_is_refused_with_the_reason(tmp_path) -> None:
    store = f"sqlite:///{tmp_path}/x.sqlite"
    assert run_cli("demo", "--scale", "tiny", "--until", "2026-11-23", store=store).returncode == 0
    result = run_cli("op", "odk", "--unit", "EN18-000001", "--date", "2020-01-01", store=store)
    assert_one_line_error(result, "EN18-000001")
    assert result.returncode == 4


def test_operations_change_the_flags_through_the_cli(tmp_path) -> None:
    store = f"sqlite:///{tmp_path}/x.sqlite"
    assert run_cli("demo", "--scale", "tiny", "--until", "2026-11-23", store=store).returncode == 0
    decided = run_cli("op", "decide", "--unit", "EN18-000002", "--date", "2026-11-23",
                      "--kind", "onbewoonbaar", store=store)
    assert decided.returncode == 0, decided.stderr
    assert '"VlaamseInventarisOngeschikteOnbewoonbareWoningen": true' in decided.stdout
    assert '"Conformiteitsattest": false' in decided.stdout
    linked = run_cli("op", "link-parcel", "--building", "PA18-000001", "--capakey",
                     "44021A0001/00A000", store=store)
    assert linked.returncode == 0, linked.stderr
    filed = run_cli("op", "file-claim", "--capakey", "44021A0001/00A000", "--date",
                    "2026-11-01", store=store)
    assert filed.returncode == 0, filed.stderr
