"""Serving benchmark on the flanders demo: our WFS and OGC API against stock pygeoapi.

Run: ``.venv/bin/python benchmarks/bench_serving.py [--publication /tmp/flanders-pub]``
(needs ``wrk`` (``apt-get install -y wrk``) and ``psycopg2-binary`` for stock pygeoapi's
PostgreSQL provider). One run, under 6 minutes, loopback only:

1. starts ``vlok-publisher serve --workers 2`` on the publication (a directory, or the
   ``postgresql+psycopg://`` URL of a PostGIS publication database) and stock pygeoapi (its own
   ``PostgreSQL`` provider on the PostGIS copy ``vlok_bench``, ``pygeoapi.starlette_app`` under
   gunicorn + uvicorn workers, the same worker count; see ``serving_stock.py``: its SQLiteGPKG
   provider needs SpatiaLite, which this Python cannot load) on free 127.0.0.1 ports;
2. with ``httpx``, sequentially, timing each whole body download: WFS GetFeature COUNT=10000
   in GML 3.2 and in GeoJSON (twice each); the whole ``POI:POI`` layer streamed (paged with
   STARTINDEX when ``CountDefault`` caps COUNT; say which in the output); the first 20 OGC API
   items pages of 1000 on ours and on stock (interleaved page by page);
3. ``wrk -t2 -c32 -d30s`` on one items page of 100 (ours, then stock) and on our WFS
   GetFeature COUNT=100 (GML): requests/s, latency p50/p95/p99 (p95 from a Lua ``done`` hook);
4. peak memory of every worker: ``VmHWM`` of each gunicorn child at the end;

and prints one JSON document (ratios ours/stock: times ours÷stock, lower is better; req/s
ours÷stock, higher is better) and a short summary. Stock pygeoapi has no WFS: the WFS figures
are ours alone. The servers are always shut down. On the 2-core reference machine the client,
both servers and PostgreSQL share the cores, so every figure is one noisy sample.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serving_stock as stock

ROOT = Path(__file__).resolve().parents[1]
WFS_BASE = {"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature",
            "TYPENAMES": "POI:POI"}
GEOJSON = "application/json"

#: wrk prints 50/75/90/99 %; this hook adds p95 and the raw counts as one JSON line.
WRK_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "mean_us": %.1f, '
    .. '"p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, '
    .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes, latency.mean,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


class Budget(Exception):
    """The whole run took longer than ``--budget`` seconds."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- processes and memory


class Server:
    """One gunicorn master we start in its own session (so its workers stop with it)."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], log: Path,
                 base: str) -> None:
        self.name, self.cmd, self.env, self.log, self.base = name, cmd, env, log, base
        self.proc: subprocess.Popen[bytes] | None = None
        self.workers_at_start: list[int] = []

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env={**os.environ, **self.env},
                                         stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_ready(self, client: httpx.Client, paths: list[str], started: float,
                   workers: int) -> float:
        """Seconds from ``started`` until every path answers 200 (raise if it dies)."""
        assert self.proc is not None
        deadline = started + 120
        pending = list(paths)
        while pending:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited ({self.proc.returncode}): "
                                   f"{self.tail()}")
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{self.name} server not ready in time: {self.tail()}")
            try:
                if client.get(self.base + pending[0], timeout=10).status_code == 200:
                    pending.pop(0)
                    continue
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        # one worker answered; let gunicorn finish forking the others
        for _ in range(50):
            if len(self.workers()) >= workers:
                break
            time.sleep(0.1)
        self.workers_at_start = self.workers()
        return round(time.perf_counter() - started, 2)

    def workers(self) -> list[int]:
        return [] if self.proc is None else children(self.proc.pid)

    def tail(self, n: int = 1500) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)  # our own session: master + workers
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (the gunicorn workers of a master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ..."; comm may contain spaces, so split after the last ')'
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def memory(pid: int) -> dict[str, Any] | None:
    """Peak (VmHWM) and current (VmRSS) resident memory in MB, CPU seconds, of one process."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    kb = {k: int(v.split()[0]) for k, v in re.findall(r"^(VmHWM|VmRSS):\s+(.*)$", status,
                                                         re.MULTILINE)}
    ticks = os.sysconf("SC_CLK_TCK")
    return {"pid": pid, "peak_rss_mb": round(kb.get("VmHWM", 0) / 1024, 1),
            "rss_mb": round(kb.get("VmRSS", 0) / 1024, 1),
            "cpu_s": round((int(stat[11]) + int(stat[12])) / ticks, 1)}


def server_memory(server: Server) -> dict[str, Any]:
    assert server.proc is not None
    workers = [m for m in (memory(p) for p in server.workers()) if m]
    now = sorted(w["pid"] for w in workers)
    return {"master": memory(server.proc.pid), "workers": workers,
            "max_worker_peak_rss_mb": max((w["peak_rss_mb"] for w in workers), default=None),
            "workers_restarted": now != sorted(server.workers_at_start)}


def postgres_backends(dsn: str, application: str) -> list[dict[str, Any]]:
    """Peak RSS of the PostgreSQL backends serving ``application`` (stock's SQL work)."""
    import psycopg

    try:
        with psycopg.connect(dsn) as db:
            pids = [r[0] for r in db.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                (application,))]
    except psycopg.Error:
        return []
    return [m for m in (memory(p) for p in pids) if m]


# ---------------------------------------------------------------- HTTP measurements


def fetch(client: httpx.Client, url: str, kind: str) -> dict[str, Any]:
    """One GET, timing the whole body download; bytes and features returned."""
    started = time.perf_counter()
    body = bytearray()
    with client.stream("GET", url) as response:
        first = None
        for chunk in response.iter_raw():
            if first is None:
                first = time.perf_counter()
            body.extend(chunk)
        status = response.status_code
    seconds = time.perf_counter() - started
    out: dict[str, Any] = {"seconds": round(seconds, 4),
                           "ttfb_s": round((first or time.perf_counter()) - started, 4),
                           "bytes": len(body), "status": status}
    if status != 200:
        out["error"] = bytes(body[:300]).decode(errors="replace")
        out["features"] = 0
        return out
    if kind == "json":
        doc = json.loads(body)
        out["features"] = len(doc.get("features", []))
        out["number_matched"] = doc.get("numberMatched")
    else:
        out["features"] = body.count(b"<wfs:member>")
        head = bytes(body[:4000])
        matched = re.search(rb'numberMatched="(\d+)"', head)
        out["number_matched"] = int(matched.group(1)) if matched else None
    return out


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timing_summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    times = [s["seconds"] for s in samples]
    return {"n": len(times), "mean_s": round(sum(times) / len(times), 4),
            "p50_s": round(percentile(times, 50), 4), "p95_s": round(percentile(times, 95), 4),
            "min_s": round(min(times), 4), "max_s": round(max(times), 4),
            "bytes_per_page": round(sum(s["bytes"] for s in samples) / len(samples)),
            "features_total": sum(s["features"] for s in samples),
            "non_200": sum(1 for s in samples if s["status"] != 200)}


def wfs(base: str, **params: Any) -> str:
    return f"{base}/wfs?{urlencode({**WFS_BASE, **params})}"


def count_default(client: httpx.Client, base: str) -> int | None:
    caps = client.get(f"{base}/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetCapabilities").text
    found = re.search(r'name="CountDefault".*?<ows:DefaultValue>(\d+)</ows:DefaultValue>',
                      caps, re.DOTALL)
    return int(found.group(1)) if found else None


def whole_layer(client: httpx.Client, base: str, kind: str, matched: int,
                page: int) -> dict[str, Any]:
    """Every feature of POI:POI, paging with STARTINDEX by ``page`` until all are read."""
    params = {} if kind == "gml" else {"OUTPUTFORMAT": GEOJSON}
    pages: list[dict[str, Any]] = []
    started = time.perf_counter()
    got = 0
    while got < matched and len(pages) < 100:
        one = fetch(client, wfs(base, COUNT=page, STARTINDEX=got, **params), kind)
        pages.append(one)
        if one["status"] != 200 or one["features"] == 0:
            break
        got += one["features"]
    wall = time.perf_counter() - started
    seconds = sum(p["seconds"] for p in pages)  # downloads only, not our JSON parsing
    return {"seconds": round(seconds, 3), "client_wall_s": round(wall, 3),
            "requests": len(pages), "features": got,
            "number_matched": matched, "complete": got == matched,
            "bytes": sum(p["bytes"] for p in pages),
            "features_per_s": round(got / seconds) if seconds else None,
            "mb_per_s": round(sum(p["bytes"] for p in pages) / seconds / 1e6, 1),
            "page_s": [p["seconds"] for p in pages],
            "non_200": sum(1 for p in pages if p["status"] != 200)}


def run_wrk(url: str, args: argparse.Namespace, lua: Path) -> dict[str, Any]:
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
           "--timeout", "10s", "--latency", "-s", str(lua), url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 60)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        return {"error": (done.stderr or done.stdout)[-800:], "command": " ".join(cmd)}
    raw = json.loads(line[len("WRKJSON "):])
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", done.stdout)
    return {"requests": raw["requests"],
            "requests_per_s": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
            "latency_ms": {k: round(raw[f"{k}_us"] / 1000, 1)
                           for k in ("mean", "p50", "p90", "p95", "p99", "max")},
            "mb_per_s": round(raw["bytes"] / (raw["duration_us"] / 1e6) / 1e6, 2),
            "errors": raw["errors"], "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "command": " ".join(cmd)}


def ratio(ours: float | None, theirs: float | None) -> float | None:
    return round(ours / theirs, 3) if ours and theirs else None


# ---------------------------------------------------------------- the run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publication", default="/tmp/flanders-pub",
                        help="publication directory, or a PostgreSQL URL (our PostGIS serving)")
    parser.add_argument("--stock-dsn", default=None,
                        help=f"PostGIS database stock pygeoapi serves (default {stock.DEFAULT_DSN}"
                             ", or --publication when that is a PostgreSQL URL)")
    parser.add_argument("--stock-app", choices=("starlette", "flask"), default="starlette")
    parser.add_argument("--stock-id-field", default="POID", help="POID (ids as ours) or fid")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pages", type=int, default=20, help="OGC API items pages of 1000")
    parser.add_argument("--duration", type=int, default=30, help="seconds of each wrk load")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--budget", type=int, default=345,
                        help="stop everything after this many seconds")
    args = parser.parse_args()

    is_url = args.publication.startswith(("postgresql:", "postgres:", "postgresql+"))
    dsn = stock.plain_dsn(args.stock_dsn or (args.publication if is_url else stock.DEFAULT_DSN))
    if not is_url and not (Path(args.publication) / "current.json").exists():
        print(f"no publication in {args.publication} (current.json missing)", file=sys.stderr)
        return 2

    def over_budget(signum: int, frame: Any) -> None:
        raise Budget(f"over the {args.budget} s budget")

    signal.signal(signal.SIGALRM, over_budget)
    signal.alarm(args.budget)
    run_started = time.perf_counter()
    result: dict[str, Any] = {
        "benchmark": "bench_serving",
        "note": ("2-core machine shared with another engineer's tests: every figure is ONE "
                 "noisy sample (the WFS COUNT=10000 requests two), not a statistic; client, "
                 "servers, wrk and PostgreSQL share the cores."),
        "setup": {"workers": args.workers, "publication": args.publication,
                  "stock": f"pygeoapi {_pygeoapi_version()} PostgreSQL provider over "
                           f"{_redact(dsn)}, pygeoapi.{args.stock_app}_app:APP under gunicorn "
                           f"({'uvicorn' if args.stock_app == 'starlette' else 'gthread'} "
                           f"workers)"}}
    tmp = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    ours_port, stock_port = free_port(), free_port()
    ours = Server("ours", [sys.executable, "-m", "publisher", "serve", "--host", "127.0.0.1",
                           "--port", str(ours_port), "--workers", str(args.workers),
                           "--publication", args.publication],
                  {}, tmp / "ours.log", f"http://127.0.0.1:{ours_port}")
    theirs: Server | None = None
    status = 1
    try:
        schema, pg_rows = stock.poi_table(dsn)
        env = stock.write_config(tmp, stock_port, dsn, schema, args.stock_id_field)
        theirs = Server("stock", stock.command(stock_port, args.workers, args.stock_app), env,
                        tmp / "stock.log", f"http://127.0.0.1:{stock_port}")
        result["setup"]["stock_table"] = f"{schema}.poi ({pg_rows} rows)"
        launched = time.perf_counter()
        ours.start()
        theirs.start()
        with httpx.Client(timeout=httpx.Timeout(120.0),
                          headers={"Accept-Encoding": "identity"}) as client:
            result["setup"]["ready_s"] = {
                "ours": ours.wait_ready(client, ["/health", "/ogc/collections/poi?f=json"],
                                        launched, args.workers),
                "stock": theirs.wait_ready(client, ["/collections/poi?f=json"], launched,
                                           args.workers)}
            ours_items = f"{ours.base}/ogc/collections/poi/items"
            stock_items = f"{theirs.base}/collections/poi/items"
            # warm every worker of both (first request of a worker opens files/connections)
            for _ in range(2 * args.workers):
                fetch(client, f"{ours_items}?limit=10&f=json", "json")
                fetch(client, wfs(ours.base, COUNT=10), "gml")
                fetch(client, f"{stock_items}?limit=10&f=json", "json")

            # -- WFS, ours alone
            cap = count_default(client, ours.base)
            hits = fetch(client, wfs(ours.base, RESULTTYPE="hits"), "gml")["number_matched"]
            result["setup"]["features"] = {"ours": hits, "stock": pg_rows}
            w: dict[str, Any] = {"count_default": cap}
            for label, kind, extra in (("getfeature_10000_gml", "gml", {}),
                                       ("getfeature_10000_geojson", "json",
                                        {"OUTPUTFORMAT": GEOJSON})):
                runs = [fetch(client, wfs(ours.base, COUNT=10000, **extra), kind)
                        for _ in range(2)]
                w[label] = {"runs_s": [r["seconds"] for r in runs],
                            "ttfb_s": [r["ttfb_s"] for r in runs],
                            "best_s": min(r["seconds"] for r in runs),
                            "bytes": runs[0]["bytes"], "features": runs[0]["features"],
                            "status": sorted({r["status"] for r in runs})}
            page = cap or hits
            w["whole_layer_method"] = (
                f"CountDefault={cap} caps COUNT (COUNT=200000 returns {cap}), so the layer is "
                f"paged with STARTINDEX, COUNT={page}, until numberMatched={hits} are read"
                if cap else f"one request, COUNT={hits}")
            for label, kind in (("whole_layer_geojson", "json"), ("whole_layer_gml", "gml")):
                w[label] = whole_layer(client, ours.base, kind, hits, page)
            result["wfs_ours"] = w

            # -- OGC API items pages of 1000, ours and stock interleaved page by page
            samples: dict[str, list[dict[str, Any]]] = {"ours": [], "stock": []}
            for i in range(args.pages):
                query = f"?limit=1000&offset={i * 1000}&f=json"
                samples["ours"].append(fetch(client, ours_items + query, "json"))
                samples["stock"].append(fetch(client, stock_items + query, "json"))
            pages = {k: timing_summary(v) for k, v in samples.items()}
            pages["ratio_ours_over_stock"] = {
                k: ratio(pages["ours"][k], pages["stock"][k])
                for k in ("mean_s", "p50_s", "p95_s")}
            result["ogc_items_pages_1000"] = pages

        # -- load: 32 connections for 30 s each
        lua = tmp / "p95.lua"
        lua.write_text(WRK_LUA)
        load_query = "?limit=100&offset=0&f=json"
        load = {"ours_items_100": run_wrk(ours_items + load_query, args, lua),
                "stock_items_100": run_wrk(stock_items + load_query, args, lua),
                "ours_wfs_getfeature_100_gml": run_wrk(wfs(ours.base, COUNT=100), args, lua)}
        o, s = load["ours_items_100"], load["stock_items_100"]
        if "error" not in o and "error" not in s:
            load["ratio_ours_over_stock"] = {
                "requests_per_s (higher is better)": ratio(o["requests_per_s"],
                                                           s["requests_per_s"]),
                **{f"latency_{k} (lower is better)": ratio(o["latency_ms"][k],
                                                           s["latency_ms"][k])
                   for k in ("p50", "p95", "p99")}}
        result["load_wrk"] = load

        # -- memory (VmHWM: peak since the worker started, so over the whole run)
        result["memory"] = {"ours": server_memory(ours), "stock": server_memory(theirs),
                            "stock_postgres_backends": postgres_backends(dsn, "pygeoapi")}
        status = 0
    except Budget as exc:
        result["error"] = str(exc)
    except Exception as exc:  # report whatever failed in the JSON
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["logs"] = {"ours": ours.tail(), "stock": theirs.tail() if theirs else ""}
    finally:
        signal.alarm(0)
        ours.stop()
        if theirs is not None:
            theirs.stop()
    result["wall_s"] = round(time.perf_counter() - run_started, 1)
    result["verdict"] = verdict(result)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(summary(result))
    return status


def verdict(result: dict[str, Any]) -> dict[str, Any]:
    pages = result.get("ogc_items_pages_1000", {}).get("ratio_ours_over_stock", {})
    load = result.get("load_wrk", {}).get("ratio_ours_over_stock", {})
    out = {}
    if pages.get("mean_s"):
        out["items_page_1000_ours_faster"] = pages["mean_s"] < 1
    if load:
        out["load_items_100_ours_faster"] = load["requests_per_s (higher is better)"] > 1
    if out:
        out["ours_faster"] = all(out.values())
    return out


def summary(r: dict[str, Any]) -> str:
    if "error" in r and "load_wrk" not in r:
        return f"bench_serving FAILED after {r['wall_s']} s: {r['error']}"
    w, p, ld, m = r["wfs_ours"], r["ogc_items_pages_1000"], r["load_wrk"], r["memory"]
    lines = [f"bench_serving ({r['setup']['workers']} workers each; one noisy sample per "
             f"figure on a shared 2-core machine), {r['wall_s']} s:"]
    for label in ("getfeature_10000_gml", "getfeature_10000_geojson"):
        x = w[label]
        lines.append(f"  WFS {label}: best {x['best_s']} s of {x['runs_s']}, "
                     f"{x['bytes'] / 1e6:.1f} MB, {x['features']} features")
    for label in ("whole_layer_geojson", "whole_layer_gml"):
        x = w[label]
        lines.append(f"  WFS {label}: {x['seconds']} s for {x['features']}/"
                     f"{x['number_matched']} features in {x['requests']} requests, "
                     f"{x['bytes'] / 1e6:.0f} MB ({x['features_per_s']} features/s)")
    lines.append(f"  OGC items page of 1000 (mean/p50/p95 s): ours {p['ours']['mean_s']}/"
                 f"{p['ours']['p50_s']}/{p['ours']['p95_s']}, stock {p['stock']['mean_s']}/"
                 f"{p['stock']['p50_s']}/{p['stock']['p95_s']}; ours/stock mean "
                 f"{p['ratio_ours_over_stock']['mean_s']} (lower is better)")
    for label, x in ld.items():
        if label.startswith("ratio"):
            continue
        if "error" in x:
            lines.append(f"  load {label}: FAILED {x['error'][:200]}")
            continue
        errs = sum(x["errors"].values()) + x["non_2xx"]
        lines.append(f"  load {label}: {x['requests_per_s']} req/s, p50 "
                     f"{x['latency_ms']['p50']} ms, p95 {x['latency_ms']['p95']} ms, p99 "
                     f"{x['latency_ms']['p99']} ms, errors {errs}")
    if "ratio_ours_over_stock" in ld:
        lines.append(f"  load ours/stock: req/s "
                     f"{ld['ratio_ours_over_stock']['requests_per_s (higher is better)']} "
                     f"(higher is better), p95 "
                     f"{ld['ratio_ours_over_stock']['latency_p95 (lower is better)']} "
                     f"(lower is better)")
    lines.append(f"  peak RSS per worker (MB): ours "
                 f"{[x['peak_rss_mb'] for x in m['ours']['workers']]}, stock "
                 f"{[x['peak_rss_mb'] for x in m['stock']['workers']]} (+ PostgreSQL backends "
                 f"{[x['peak_rss_mb'] for x in m['stock_postgres_backends']]})")
    lines.append(f"  verdict: {r['verdict']}")
    return "\n".join(lines)


def _pygeoapi_version() -> str:
    try:
        import pygeoapi

        return pygeoapi.__version__
    except ImportError:
        return "?"


def _redact(dsn: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]+@", r"//\1:***@", dsn)


if __name__ == "__main__":
    sys.exit(main())
