"""Issue 17's fault run against a real ``vlok-publisher serve``: stalled and abandoned downloads.

Starts ``serve`` (gunicorn, ``--workers`` uvicorn workers, the settings of
``config/settings.yaml`` except the send timeout, which is set to the scenario's 5 s) over a
publication directory or a PostGIS publication database, then runs the scenario of the
suite's stall test (``tests/serving/stall_probes.py``, imported, not copied): 60 clients open
a ``COUNT=10000`` GetFeature and read nothing, 25 read 16 KB and leave; every surface (WFS,
OGC API, lookup, /health, /metrics) is probed during the stall and 5 s and 30 s after 30 of
the stalled clients gave up; the other 30 must have been cut off by the server's send
timeout. On PostGIS it also counts the server's sessions by state (``pg_stat_activity``,
by ``application_name``) before, during and after.

Run (one publication of each kind, e.g. the medium demo)::

    .venv/bin/python benchmarks/bench_stall.py --publication /tmp/med-pub
    .venv/bin/python benchmarks/bench_stall.py \
        --publication postgresql+psycopg://postgres@127.0.0.1/vlok_stall_bench
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from processes import stop_group

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "serving"))
from stall_probes import SEND_TIMEOUT, report, stall

APP_NAME = "bench_stall"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sessions(url: str) -> dict[str, int]:
    """The server's sessions by state (PostgreSQL's view)."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT coalesce(state, '?'), count(*) FROM pg_stat_activity "
                            "WHERE application_name = %s GROUP BY 1", [APP_NAME]).fetchall()
    return dict(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--publication", required=True, help="a directory or a PostGIS URL")
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    database = args.publication.startswith("postgres")
    source = args.publication
    if database:
        source += ("&" if "?" in source else "?") + f"application_name={APP_NAME}"
    port = free_port()
    env = {**os.environ, "VLOK_SERVING_SEND_TIMEOUT_SECONDS": str(SEND_TIMEOUT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "publisher", "serve", "--port", str(port), "--workers",
         str(args.workers), "--publication", source],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=15) as client:
            deadline = time.monotonic() + 90
            while True:
                try:
                    client.get("/health").raise_for_status()
                    break
                except httpx.HTTPError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("serve did not start") from None
                    time.sleep(0.3)
            features = client.get("/health").json()["datasets"]["poi"]["features"]
            before = sessions(args.publication) if database else None
            t0 = time.monotonic()
            outcome = stall(base, client, observe=(lambda moment: sessions(args.publication))
                            if database else None)
            took = time.monotonic() - t0
        failed = sum(len(r.failures) for r in outcome.rounds)
        probes = sum(len(r.results) for r in outcome.rounds)
        print(f"serve --workers {args.workers} over {'PostGIS' if database else 'GeoPackage'} "
              f"({features} features), scenario {took:.0f} s")
        if before is not None:
            print(f"sessions before: {before}")
        print(report(outcome))
        print(f"total: {probes} probes, {failed} failed; "
              f"{outcome.cut_off}/{outcome.never_reading} never-reading clients cut off")
    finally:
        stop_group(proc)


if __name__ == "__main__":
    main()
