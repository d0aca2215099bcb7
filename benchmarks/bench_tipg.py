"""Our OGC API Features on PostGIS against tipg 1.6.1 on the same table, 2 workers each.

Run (from the repository root, a few minutes)::

    .venv/bin/python benchmarks/bench_tipg.py

Prerequisites:

- ``wrk`` (``apt-get install -y wrk``);
- the flanders publication in the PostGIS database ``vlok_bench``
  (``postgresql+psycopg://postgres@127.0.0.1/vlok_bench``, PostgreSQL 14+ for
  ``pg_stat_database.sessions``): ``vlok_publication.current`` names the current ``pub_poi_*``
  schema, whose ``poi`` table both servers read;
- tipg in its own virtualenv, never in ``.venv`` (``--tipg-venv``, default ``/tmp/tipg-venv``).
  When it has no tipg yet the script creates it with the ordinary client:
  ``python3 -m venv /tmp/tipg-venv && /tmp/tipg-venv/bin/pip install tipg==1.6.1 uvicorn``.

What it does, loopback only:

1. starts ours, ``.venv/bin/vlok-publisher serve --publication <database> --workers 2``
   (OGC API at ``/ogc``), then tipg, ``uvicorn tipg.main:app --workers 2`` with
   ``DATABASE_URL`` = the same database and ``TIPG_DB_SCHEMAS`` / ``TIPG_DB_TABLES`` = the
   current publication's ``poi`` (tipg's collection ``<schema>.poi``; its defaults otherwise:
   asyncpg pool of 1-10 connections per worker); each alone, waiting until it answers;
2. warms every worker, then for each row, ``--rounds`` times, one request to ours and one to
   tipg, alternating which goes first, timing each whole body download (``httpx``,
   ``Accept-Encoding: identity``): items ``limit=100``; ``limit=1000``; ``bbox`` around Gent
   (CRS84 ``3.65,51.0,3.80,51.12``) ``limit=1000``; the CQL2 text filter ``GEMEENTE='Gent'``
   ``limit=1000`` (``filter`` + ``filter-lang=cql2-text``, the same names on both); medians
   and minimums, and ``numberMatched`` / features returned of each side;
3. ``wrk -t2 -c32 -d20s`` on items ``limit=100``, ours then tipg, each after a 5 s ``wrk``
   warm-up with 64 connections (``--warmup``) that lets its pools grow: requests/s each;
4. PostgreSQL sessions established during each server's start-up, the alternating phase,
   each server's ``wrk`` warm-up and its measured ``wrk`` run: ``pg_stat_database.sessions``
   of the database (everyone's sessions, read from a connection of the script's own opened
   first), and per server the backends seen in ``pg_stat_activity`` (polled every 50 ms; each
   server's sessions carry an ``application_name``: ``?application_name=bench_tipg_ours`` on
   our ``--publication`` URL, ``bench_tipg_tipg`` on tipg's ``DATABASE_URL``), per 1,000
   requests of the measured ``wrk`` run, and how many of those were closed again while the
   servers ran (a pool that keeps its sessions: 0; ours may show 1, the gunicorn master's
   short start-up check of the publication, when a poll caught it);

then prints one JSON document and a Markdown table (``tipg/ours``: times tipg÷ours, above 1
means ours is faster; for ``wrk`` req/s tipg÷ours, above 1 means tipg is faster). Both
servers are always stopped. On the 2-core reference machine client, servers, ``wrk`` and
PostgreSQL share the cores: every figure is one noisy sample (the load average at start and
end is printed with it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_serving import WRK_LUA, Server, fetch, free_port, run_wrk
from serving_stock import plain_dsn, poi_table

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1/vlok_bench"
TIPG_VERSION = "1.6.1"
#: Gent in CRS84 (lon/lat), the default CRS of ``bbox`` on both servers.
GENT = "3.65,51.0,3.80,51.12"
FILTER = "GEMEENTE='Gent'"
ROWS: list[tuple[str, dict[str, str]]] = [
    ("items limit=100", {"limit": "100"}),
    ("items limit=1000", {"limit": "1000"}),
    ("bbox Gent limit=1000", {"limit": "1000", "bbox": GENT}),
    (f"filter {FILTER} limit=1000", {"limit": "1000", "filter": FILTER,
                                      "filter-lang": "cql2-text"}),
]


class Sessions:
    """Sessions established on one database, from two connections of our own opened first.

    ``pg_stat_database.sessions`` counts every session of the database, whoever opened it
    (another benchmark on ``vlok_bench`` shows up there too). So a thread also polls
    ``pg_stat_activity`` every 50 ms for the client backends of our two servers (each tagged
    with an ``application_name``; parallel workers inherit it but are no sessions) and
    remembers each one it saw: a lower bound per server, exact for
    pooled sessions, blind to a session that lives less than a poll.
    """

    def __init__(self, dsn: str, apps: dict[str, str]) -> None:
        import psycopg

        self.apps = apps  # side -> application_name
        self.conn = psycopg.connect(dsn, autocommit=True)
        self._watch = psycopg.connect(dsn, autocommit=True)
        self.seen: set[tuple[str, int, Any]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        names = list(self.apps.values())
        while not self._stop.wait(0.05):
            rows = self._watch.execute(
                "SELECT application_name, pid, backend_start FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = ANY(%s) "
                "AND backend_type = 'client backend'",  # not the parallel workers
                [names]).fetchall()
            self.seen.update(rows)

    def mark(self, settle: float = 1.5) -> tuple[int, Any]:
        """(``pg_stat_database.sessions``, server time) at the start or end of a phase."""
        # Backends report their statistics at most once a second: let them, then read anew.
        time.sleep(settle)
        self.conn.execute("SELECT pg_stat_clear_snapshot()")
        return self.conn.execute("SELECT sessions, clock_timestamp() FROM pg_stat_database "
                                 "WHERE datname = current_database()").fetchone()

    def between(self, start: tuple[int, Any], end: tuple[int, Any]) -> dict[str, int]:
        """Sessions established between two marks: all of the database, and ours/tipg seen."""
        out = {"database": int(end[0]) - int(start[0])}
        for side, app in self.apps.items():
            out[f"{side}_seen"] = sum(1 for a, _, began in list(self.seen)
                                      if a == app and start[1] <= began <= end[1])
        return out

    def closed(self) -> dict[str, int]:
        """Per server: sessions seen so far that are closed now (kept ones stay open)."""
        time.sleep(0.2)
        seen = list(self.seen)
        open_now = set(self._watch.execute(
            "SELECT pid, backend_start FROM pg_stat_activity").fetchall()) if seen else set()
        return {side: sum(1 for a, pid, began in seen if a == app and (pid, began) not in open_now)
                for side, app in self.apps.items()}

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._watch.close()
        self.conn.close()


def ensure_tipg(venv: Path) -> Path:
    """``uvicorn`` of a virtualenv holding tipg 1.6.1 (created and installed if missing)."""
    python, uvicorn = venv / "bin" / "python", venv / "bin" / "uvicorn"
    probe = [str(python), "-c", "import importlib.metadata as m; print(m.version('tipg'))"]
    if python.exists():
        found = subprocess.run(probe, capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip() == TIPG_VERSION and uvicorn.exists():
            return uvicorn
    print(f"installing tipg=={TIPG_VERSION} into {venv} ...", file=sys.stderr)
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"tipg=={TIPG_VERSION}",
                    "uvicorn"], check=True)
    return uvicorn


def with_application_name(url: str, name: str) -> str:
    """``url`` whose sessions carry ``application_name`` (libpq, psycopg and asyncpg alike)."""
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def timings(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and minimum in milliseconds, with the answer's counts (first sample)."""
    ms = [s["seconds"] * 1000 for s in samples]
    return {"median_ms": round(statistics.median(ms), 1), "min_ms": round(min(ms), 1),
            "n": len(ms), "number_matched": samples[0].get("number_matched"),
            "features": samples[0]["features"], "bytes": samples[0]["bytes"],
            "non_200": sum(1 for s in samples if s["status"] != 200),
            "error": next((s["error"] for s in samples if "error" in s), None)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE,
                        help="the PostGIS publication database (a postgresql+psycopg URL)")
    parser.add_argument("--tipg-venv", type=Path, default=Path("/tmp/tipg-venv"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=21, help="requests per row and side")
    parser.add_argument("--duration", type=int, default=20, help="seconds of each wrk run")
    parser.add_argument("--warmup", type=int, default=5,
                        help="seconds of the wrk run before each measured one")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    dsn = plain_dsn(args.database)
    uvicorn = ensure_tipg(args.tipg_venv)
    schema, rows = poi_table(dsn)
    collection = f"{schema}.poi"
    tmp = Path(tempfile.mkdtemp(prefix="bench-tipg-"))
    ours_port, tipg_port = free_port(), free_port()
    serve = Path(sys.executable).parent / "vlok-publisher"
    apps = {"ours": "bench_tipg_ours", "tipg": "bench_tipg_tipg"}
    ours = Server("ours", [str(serve), "serve", "--host", "127.0.0.1", "--port", str(ours_port),
                           "--workers", str(args.workers), "--publication",
                           with_application_name(args.database, apps["ours"])],
                  {}, tmp / "ours.log", f"http://127.0.0.1:{ours_port}")
    tipg_env = {"DATABASE_URL": with_application_name(dsn, apps["tipg"]),
                "TIPG_DB_SCHEMAS": json.dumps([schema]),
                "TIPG_DB_TABLES": json.dumps([collection]), "PYTHONPATH": ""}
    tipg = Server("tipg", [str(uvicorn), "tipg.main:app", "--host", "127.0.0.1", "--port",
                           str(tipg_port), "--workers", str(args.workers), "--log-level",
                           "warning"], tipg_env, tmp / "tipg.log",
                  f"http://127.0.0.1:{tipg_port}")
    items = {"ours": f"{ours.base}/ogc/collections/poi/items",
             "tipg": f"{tipg.base}/collections/{collection}/items"}
    extra = {"ours": {"f": "json"}, "tipg": {"f": "geojson"}}
    result: dict[str, Any] = {
        "benchmark": "bench_tipg",
        "setup": {"workers": args.workers, "database": args.database, "table": collection,
                  "rows": rows, "rounds": args.rounds,
                  "ours": f"vlok-publisher serve --workers {args.workers} (gunicorn + uvicorn "
                          f"workers), OGC API at /ogc",
                  "tipg": f"tipg {TIPG_VERSION} under uvicorn --workers {args.workers} "
                          f"({args.tipg_venv})",
                  "note": "one noisy sample per figure: client, servers, wrk and PostgreSQL "
                          "share the machine's cores"}}
    result["setup"]["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    sessions = Sessions(dsn, apps)
    opened: dict[str, Any] = {}
    status = 1
    try:
        with httpx.Client(timeout=httpx.Timeout(120.0),
                          headers={"Accept-Encoding": "identity"}) as client:
            for server, paths in ((ours, ["/health", "/ogc/collections/poi?f=json"]),
                                  (tipg, [f"/collections/{collection}?f=json"])):
                before = sessions.mark(settle=0.5)
                started = time.perf_counter()
                server.start()
                ready = server.wait_ready(client, paths, started, args.workers)
                for _ in range(4 * args.workers):  # every worker: its pool, its catalog
                    fetch(client, f"{items[server.name]}?"
                                  f"{urlencode({'limit': '10', **extra[server.name]})}", "json")
                opened[f"{server.name}_startup"] = sessions.between(before, sessions.mark())
                result["setup"][f"{server.name}_ready_s"] = ready

            before = sessions.mark()
            table: dict[str, Any] = {}
            for label, params in ROWS:
                samples: dict[str, list[dict[str, Any]]] = {"ours": [], "tipg": []}
                for i in range(args.rounds):
                    for side in (("ours", "tipg") if i % 2 == 0 else ("tipg", "ours")):
                        url = f"{items[side]}?{urlencode({**params, **extra[side]})}"
                        samples[side].append(fetch(client, url, "json"))
                row = {side: timings(s) for side, s in samples.items()}
                row["tipg_over_ours"] = round(row["tipg"]["median_ms"]
                                              / row["ours"]["median_ms"], 2)
                table[label] = row
            opened["alternating_phase_both"] = sessions.between(before, sessions.mark())
            result["requests"] = table

        lua = tmp / "p95.lua"
        lua.write_text(WRK_LUA)
        wrk: dict[str, Any] = {}
        for side in ("ours", "tipg"):
            url = f"{items[side]}?{urlencode({'limit': '100', **extra[side]})}"
            # A short run first with twice the clients, so that each worker's pool grows past
            # what 32 clients can take of it at once (sessions opened once); then the measured
            # run, whose sessions are the steady-state churn.
            before = sessions.mark()
            run_wrk(url, argparse.Namespace(**{**vars(args), "duration": args.warmup,
                                                "connections": 2 * args.connections}), lua)
            opened[f"{side}_wrk_warmup"] = sessions.between(before, after := sessions.mark())
            wrk[side] = run_wrk(url, args, lua)
            opened[f"{side}_wrk"] = sessions.between(after, sessions.mark())
        if "error" not in wrk["ours"] and "error" not in wrk["tipg"]:
            wrk["tipg_over_ours"] = round(wrk["tipg"]["requests_per_s"]
                                          / wrk["ours"]["requests_per_s"], 2)
        result["wrk_items_100"] = wrk
        result["sessions_closed_while_running"] = sessions.closed()
        status = 0
    except Exception as exc:  # report whatever failed in the JSON
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["logs"] = {"ours": ours.tail(), "tipg": tipg.tail()}
    finally:
        ours.stop()
        tipg.stop()
        sessions.close()
    result["setup"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["postgres_sessions_established"] = opened
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(markdown(result))
    return status


def markdown(result: dict[str, Any]) -> str:
    """The table: row | ours median (min) | tipg median (min) | tipg/ours."""
    lines = ["| row | ours median (min) | tipg median (min) | tipg/ours |",
             "|---|---|---|---|"]
    for label, row in result.get("requests", {}).items():
        cells = []
        for side in ("ours", "tipg"):
            x = row[side]
            bad = f", {x['non_200']} non-200" if x["non_200"] else ""
            cells.append(f"{x['median_ms']} ms ({x['min_ms']}){bad}; matched "
                         f"{x['number_matched']}, returned {x['features']}")
        lines.append(f"| {label} | {cells[0]} | {cells[1]} | {row['tipg_over_ours']} |")
    wrk = result.get("wrk_items_100")
    if wrk:
        cells = []
        for side in ("ours", "tipg"):
            x = wrk[side]
            if "error" in x:
                cells.append(f"failed: {x['error'][:80]}")
                continue
            errs = sum(x["errors"].values()) + x["non_2xx"]
            cells.append(f"{x['requests_per_s']} req/s (p50 {x['latency_ms']['p50']} ms"
                         f"{f', {errs} errors' if errs else ''})")
        lines.append(f"| wrk -t2 -c32 limit=100 (req/s) | {cells[0]} | {cells[1]} | "
                     f"{wrk.get('tipg_over_ours')} |")
    s = result.get("postgres_sessions_established", {})
    lines.append("")
    lines.append("PostgreSQL sessions established (whole database; ours / tipg seen):")
    for phase, x in s.items():
        lines.append(f"- {phase}: {x['database']}; ours {x['ours_seen']}, tipg {x['tipg_seen']}")
    for side in ("ours", "tipg"):
        x, n = s.get(f"{side}_wrk"), (wrk or {}).get(side, {}).get("requests")
        if x and n:
            lines.append(f"- {side} after warm-up: {x[f'{side}_seen']} sessions in {n} requests "
                         f"of the measured wrk run ({1000 * x[f'{side}_seen'] / n:.2f} per 1,000)")
    closed = result.get("sessions_closed_while_running")
    if closed:
        lines.append(f"- of those seen, closed again before the servers stopped: ours "
                     f"{closed['ours']}, tipg {closed['tipg']}")
    setup = result.get("setup", {})
    lines.append(f"Load average (1/5/15 min) at start {setup.get('load_average_at_start')}, "
                 f"at end {setup.get('load_average_at_end')} (2 cores).")
    if "error" in result:
        lines.append(f"FAILED: {result['error']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
