"""The event stream at scale: publish a day's pages, their size, replicate from zero.

Usage (a flanders-scale store takes ~15 minutes to build, keep it outside the tests)::

    .venv/bin/vlok-publisher demo --scale flanders --store sqlite:////tmp/ldes-flanders.sqlite \
        --until 2026-11-23
    .venv/bin/python benchmarks/bench_ldes.py sqlite:////tmp/ldes-flanders.sqlite

It publishes two consecutive days into a fresh directory target (without the download
files, so the stream's own cost is measured alone), times ``write_stream`` for each (the
first day is every fact: the cost of the backfill), serves the directory with uvicorn, and
times a consumer (``ldes-replicate``) from zero and then incrementally. Prints the figures.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sqlite3
import tempfile
import threading
import time
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

import httpx
import uvicorn

from publisher.commands.ldes_replicate import replicate
from publisher.publication.directory import DirectoryTarget
from publisher.publication.ldes import page_store, write_stream
from publisher.publication.run import publish_poi
from publisher.serving.app import create_app
from publisher.store.db import open_engine


def serve(root: Path) -> tuple[str, uvicorn.Server]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(root), host="127.0.0.1", port=port,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def day_bytes(root: Path, day: date) -> tuple[int, int, int]:
    """(pages, members, stored bytes) of one day."""
    with closing(sqlite3.connect(root / "history.sqlite")) as db:
        return db.execute("SELECT count(*), sum(members), sum(length(body)) FROM ldes_page "
                          "WHERE day = ?", (day.isoformat(),)).fetchone()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="store URL (a flanders-scale demo)")
    parser.add_argument("--first", type=date.fromisoformat, default=date(2026, 11, 23))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-ldes-"))
    try:
        engine = open_engine(args.store)
        target = DirectoryTarget(work / "pub")
        days = [args.first, args.first + timedelta(days=1)]
        for day in days:
            report = publish_poi(engine, target, day, store=args.store, quiet=True)
            location = str(target.current("poi").path.relative_to(target.root))
            started = time.perf_counter()
            written = write_stream(target, location)
            seconds = time.perf_counter() - started
            pages, members, size = day_bytes(target.root, day)
            changes = sum(c["added"] + c["removed"] for c in report.changes.values())
            print(f"day {day}: {changes} changes -> {members} members on {pages} page(s), "
                  f"{size / 1e6:.2f} MB stored JSON; write_stream {seconds:.2f} s "
                  f"({written})")
        base, server = serve(target.root)
        try:
            last = page_store(target).days()[-1]
            url = f"{base}/ldes/woningkwaliteit/{last[0]}/{last[1]}"
            for fmt in ("jsonld", "ttl", "nt"):
                started = time.perf_counter()
                r = httpx.get(url, params={"f": fmt}, timeout=600)
                print(f"the newest day's page as {fmt}: {len(r.content) / 1e3:.1f} kB, "
                      f"first request {time.perf_counter() - started:.3f} s")
            first = page_store(target).days()[0]
            full = f"{base}/ldes/woningkwaliteit/{first[0]}/1"
            for fmt in ("jsonld", "ttl"):
                timings = []
                for _ in range(2):
                    started = time.perf_counter()
                    r = httpx.get(full, params={"f": fmt}, timeout=600)
                    timings.append(time.perf_counter() - started)
                print(f"a full page (500 members) as {fmt}: {len(r.content) / 1e3:.1f} kB, "
                      f"first {timings[0]:.3f} s, cached {timings[1]:.3f} s")
            replica = work / "replica.gpkg"
            shutil.rmtree(replica, ignore_errors=True)
            started = time.perf_counter()
            summary = replicate(f"{base}/ldes/woningkwaliteit", replica)
            print(f"replicate from zero: {summary['pages']} pages, {summary['members']} "
                  f"members, {summary['features']} features in "
                  f"{time.perf_counter() - started:.1f} s "
                  f"({replica.stat().st_size / 1e6:.1f} MB GeoPackage)")
            started = time.perf_counter()
            summary = replicate(f"{base}/ldes/woningkwaliteit", replica)
            print(f"replicate again, nothing new: {summary['pages']} pages in "
                  f"{time.perf_counter() - started:.2f} s")
        finally:
            server.should_exit = True
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
