"""Our WFS against MapServer 8 on the same features, side by side in one run.

Why: MapServer is the usual reference WFS; comparing against it in one run, requests alternated
between the two servers (and their order flipped every repetition), lets the machine's noise
hit both alike, so the medians and minimums compare even on a busy 2-core box.

Run (the flanders publication as a directory, MapServer on the PostGIS copy ``vlok_bench``)::

    .venv/bin/python benchmarks/bench_mapserver.py --publication /tmp/flanders-pub

(add ``--ours-ref HEAD`` to serve ours from the last commit while others edit the tree).
``--publication`` may also be the ``postgresql+psycopg://`` URL of a PostGIS publication
database (ours on PostGIS too); ``--mapserver-data gpkg`` serves MapServer from the current
GeoPackage of a publication directory (OGR) instead of PostGIS. Needs Debian's
``apt-get install -y mapserver-bin cgi-mapserver spawn-fcgi nginx wrk`` (MapServer 8.0) and
PostgreSQL + PostGIS with the publication (``vlok_publication.current`` names the schema).

What it starts, all on free 127.0.0.1 ports in one temp directory, always stopped at the end:
``vlok-publisher serve --workers 2``; ``spawn-fcgi -F 2`` mapserv FastCGI processes (the mapfile,
MapServer CONFIG and nginx conf are rendered from ``benchmarks/mapserver/*.in``) behind nginx.
MapServer counts numberMatched like ours (``wfs_compute_number_matched``; off with
``--no-mapserver-number-matched``) and keeps its PostgreSQL connection (CLOSE_CONNECTION=DEFER).
Cases: WFS 2.0.0 GetFeature in GML 3.2 (a page of 1000, hits, the Gent BBOX in EPSG:31370 and
EPSG:4326, SRSNAME 4326/3857, the whole layer), each ``--repeat`` times (the first
``--warmup`` not counted), with ``httpx`` timing the whole body download; ``wrk`` on a page
of 100 (ours, then MapServer); peak RSS (VmHWM) of every server process at the end. Prints one
JSON document, then a Markdown table (ratio MapServer/ours: above 1 means ours is faster).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import urlencode

import httpx
import psycopg
from processes import ratio, stop_group, tail

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "mapserver"
DEFAULT_DSN = "postgresql+psycopg://postgres@127.0.0.1/vlok_bench"
MAPSERV = "/usr/lib/cgi-bin/mapserv"  # Debian's cgi-mapserver; FastCGI-capable
OURS_TYPE, MS_TYPE = "POI:POI", "poi"
GENT_31370 = "100000,185000,112000,200000,urn:ogc:def:crs:EPSG::31370"
GENT_4326 = "51.0,3.65,51.12,3.80,urn:ogc:def:crs:EPSG::4326"
#: name -> GetFeature parameters besides SERVICE/VERSION/REQUEST/TYPENAMES (both servers).
CASES: dict[str, dict[str, str]] = {
    "page COUNT=1000": {"COUNT": "1000"},
    "hits (whole layer)": {"RESULTTYPE": "hits"},
    "BBOX Gent EPSG:31370 COUNT=1000": {"BBOX": GENT_31370, "COUNT": "1000"},
    "BBOX Gent EPSG:31370 hits": {"BBOX": GENT_31370, "RESULTTYPE": "hits"},
    "BBOX Gent EPSG:4326 lat/lon COUNT=1000": {"BBOX": GENT_4326, "COUNT": "1000"},
    "SRSNAME urn EPSG::4326 COUNT=1000": {"SRSNAME": "urn:ogc:def:crs:EPSG::4326",
                                          "COUNT": "1000"},
    "SRSNAME EPSG:4326 COUNT=1000": {"SRSNAME": "EPSG:4326", "COUNT": "1000"},
    "SRSNAME urn EPSG::3857 COUNT=1000": {"SRSNAME": "urn:ogc:def:crs:EPSG::3857",
                                          "COUNT": "1000"},
}
WRK_COUNT = "100"
MEMBER = re.compile(rb"<wfs:member[\s>]")
POID = re.compile(rb"<\w+:POID>([^<]*)</\w+:POID>")


def free_port() -> int:
    """A free loopback TCP port (so parallel runs and other people's servers never clash)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def libpq(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as a libpq URI, for psycopg and MapServer."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def is_url(publication: str) -> bool:
    return publication.startswith(("postgresql://", "postgresql+"))


# ---------------------------------------------------------------- processes


def stop_pids(pids: list[int], comm: str) -> None:
    """Stop processes by pid (spawn-fcgi's children set up their own sessions), checking that
    each pid still names ``comm`` so a recycled pid is never hit."""
    def ours(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/comm").read_text().strip() == comm
        except OSError:
            return False

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in [p for p in pids if ours(p)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(ours(p) for p in pids):
            time.sleep(0.1)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (gunicorn workers, nginx workers)."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                parent[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found, todo = [], [pid]
    while todo:
        kids = [p for p, pp in parent.items() if pp == todo[0]]
        todo = todo[1:] + kids
        found += kids
    return sorted(found)


def memory(pid: int) -> dict[str, Any] | None:
    """Peak (VmHWM) and current (VmRSS) resident MB and CPU seconds of one process."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None
    kb = {k: int(v.split()[0]) for k, v in re.findall(r"^(VmHWM|VmRSS):\s+(.*)$", status,
                                                         re.MULTILINE)}
    ticks = os.sysconf("SC_CLK_TCK")
    return {"pid": pid, "comm": comm, "peak_rss_mb": round(kb.get("VmHWM", 0) / 1024, 1),
            "rss_mb": round(kb.get("VmRSS", 0) / 1024, 1),
            "cpu_s": round((int(stat[11]) + int(stat[12])) / ticks, 1)}


def wait_http(url: str, alive: Callable[[], bool], what: str, log: Path,
              timeout: float = 120) -> None:
    """Poll ``url`` until 200; fail early (with the log's tail) if the server died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"{what} exited: {tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=5).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{what} not ready in {timeout:.0f} s: {tail(log)}")


# ---------------------------------------------------------------- MapServer setup


def postgis_source(dsn: str) -> tuple[str, dict[str, Any]]:
    """The mapfile's PostGIS CONNECTION/DATA for the current POI schema, and what it holds.

    ``vlok_publication.current`` names the schema serving ``poi``; its ``poi`` table has the
    geometry ``SHAPE`` (EPSG:31370) and the unique ``POID``. DATA is a sub-select naming the
    geometry ``geom``: MapServer 8.0.0 writes the geometry column unquoted into its
    numberMatched/hits SQL, so ``SHAPE`` fails there ("column shape does not exist") and it
    silently falls back to fetching every row to count them. The sub-select also leaves out
    ``fid`` (a storage row number ours does not publish); PostgreSQL flattens it, so the GiST
    index on ``SHAPE`` still serves the BBOX filter.
    """
    with psycopg.connect(libpq(dsn)) as db:
        row = db.execute("SELECT schema_name FROM vlok_publication.current "
                         "WHERE dataset = 'poi'").fetchone()
        if row is None:
            raise RuntimeError(f"no current POI publication in {dsn}")
        schema = str(row[0])
        columns = [r[0] for r in db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND "
            "table_name = 'poi' AND column_name NOT IN ('fid', 'SHAPE') ORDER BY "
            "ordinal_position", (schema,))]
        count, *extent = db.execute(
            "SELECT n, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT count(*) "
            f'AS n, ST_Extent("SHAPE") AS e FROM "{schema}".poi) x').fetchone() or (0,)
    uri = libpq(dsn) + ("&" if "?" in libpq(dsn) else "?") + "application_name=bench-mapserver"
    select = ", ".join(f'"{c}"' for c in columns)
    source = (f'CONNECTIONTYPE POSTGIS\n    CONNECTION "{uri}"\n'
              f"    DATA 'geom FROM (SELECT {select}, \"SHAPE\" AS geom FROM "
              f"\"{schema}\".\"poi\") AS poi USING UNIQUE POID USING SRID=31370'\n"
              # keep the PostgreSQL connection across FastCGI requests (MapServer's advice)
              '    PROCESSING "CLOSE_CONNECTION=DEFER"')
    return source, {"backend": "postgis", "table": f"{schema}.poi", "rows": count,
                    "extent": extent}


def gpkg_source(publication: Path) -> tuple[str, dict[str, Any]]:
    """The mapfile's OGR CONNECTION/DATA for the current GeoPackage of a publication directory."""
    import sqlite3

    pointer = json.loads((publication / "current.json").read_text())
    entry = pointer["poi"]
    path = Path(entry["file"] if isinstance(entry, dict) else entry)
    path = path if path.is_absolute() else publication / path
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        layer = db.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features' "
                           "AND table_name NOT LIKE '%\\_%' ESCAPE '\\'").fetchone()[0]
        count = db.execute(f'SELECT count(*) FROM "{layer}"').fetchone()[0]
        extent = list(db.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents "
                                 "WHERE table_name = ?", (layer,)).fetchone())
    finally:
        db.close()
    source = f'CONNECTIONTYPE OGR\n    CONNECTION "{path}"\n    DATA "{layer}"'
    return source, {"backend": "gpkg", "table": f"{path}:{layer}", "rows": count,
                    "extent": extent}


class MapServer:
    """``spawn-fcgi -F N`` mapserv processes on a Unix socket, nginx in front of them."""

    def __init__(self, tmp: Path, source: str, extent: list[float], processes: int,
                 number_matched: bool = True) -> None:
        self.tmp, self.processes = tmp, processes
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/mapserv"
        self.socket = tmp / "mapserv.sock"
        self.pidfile = tmp / "mapserv.pids"
        self.config = tmp / "mapserver.conf"
        self.mapfile = tmp / "vlok.map"
        self.nginx_log = tmp / "nginx-error.log"
        self.spawn_log = tmp / "spawn-fcgi.log"
        self.error_log = tmp / "mapserver-error.log"
        self.pids: list[int] = []
        self.nginx: subprocess.Popen[bytes] | None = None
        self.spawner: subprocess.Popen[bytes] | None = None
        (tmp / "nginx-temp").mkdir()
        bounds = " ".join(f"{v:.3f}" for v in extent)
        self.mapfile.write_text(Template((TEMPLATES / "vlok.map.in").read_text()).substitute(
            extent=bounds, onlineresource=self.base + "?", source=source,
            compute_number_matched="true" if number_matched else "false"))
        self.config.write_text(Template((TEMPLATES / "mapserver.conf.in").read_text())
                               .substitute(mapfile=self.mapfile, errorfile=self.error_log))
        # as root nginx would drop its worker to "nobody", who cannot enter the 0700 temp dir
        user = "user root;" if os.geteuid() == 0 else ""
        (tmp / "nginx.conf").write_text(Template((TEMPLATES / "nginx.conf.in").read_text())
                                        .substitute(user=user, tmp=tmp, port=self.port,
                                                    config=self.config, socket=self.socket))

    def start(self) -> None:
        env = {**os.environ, "MAPSERVER_CONFIG_FILE": str(self.config)}
        with self.spawn_log.open("wb") as out:
            self.spawner = subprocess.Popen(
                ["spawn-fcgi", "-s", str(self.socket), "-M", "0600", "-F", str(self.processes),
                 "-P", str(self.pidfile), "--", MAPSERV],
                env=env, cwd=self.tmp, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
            self.spawner.wait(timeout=30)  # it forks the children and exits
        self.pids = [int(p) for p in self.pidfile.read_text().split()] if \
            self.pidfile.exists() else []
        if len(self.pids) != self.processes:
            raise RuntimeError(f"spawn-fcgi started {self.pids}: {tail(self.spawn_log)}")
        with (self.tmp / "nginx.out").open("wb") as out:
            self.nginx = subprocess.Popen(
                ["nginx", "-p", str(self.tmp), "-c", str(self.tmp / "nginx.conf")],
                cwd=self.tmp, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        wait_http(f"http://127.0.0.1:{self.port}/health",
                  lambda: self.nginx is not None and self.nginx.poll() is None, "nginx",
                  self.nginx_log, 30)
        caps = httpx.get(self.base, params={"SERVICE": "WFS", "VERSION": "2.0.0",
                                            "REQUEST": "GetCapabilities"}, timeout=60)
        if caps.status_code != 200 or f"ms:{MS_TYPE}</" not in caps.text:
            raise RuntimeError(f"MapServer GetCapabilities failed ({caps.status_code}): "
                               f"{caps.text[:800]} {tail(self.error_log)}")

    def memory(self) -> dict[str, Any]:
        nginx = [] if self.nginx is None else [self.nginx.pid, *descendants(self.nginx.pid)]
        return {"mapserv": [m for m in map(memory, self.pids) if m],
                "nginx": [m for m in map(memory, nginx) if m]}

    def stop(self) -> None:
        stop_group(self.nginx)
        stop_pids(self.pids, "mapserv")
        stop_group(self.spawner)


# ---------------------------------------------------------------- requests


def check_bbox(params: dict[str, str]) -> None:
    """Refuse a non-finite BBOX: MapServer's FastCGI worker stays broken after a NaN one."""
    if "BBOX" in params:
        numbers = params["BBOX"].split(",")[:4]
        if len(numbers) != 4 or not all(math.isfinite(float(v)) for v in numbers):
            raise ValueError(f"refusing BBOX {params['BBOX']!r}")


def get(client: httpx.Client, url: str, params: dict[str, str]) -> dict[str, Any]:
    """One GET, timing the whole body download; status, size, features and numberMatched."""
    check_bbox(params)
    started = time.perf_counter()
    # params=None keeps a query string already in ``url`` (an empty dict would drop it)
    with client.stream("GET", url, params=params or None) as response:
        body = b"".join(response.iter_raw())
        status, ctype = response.status_code, response.headers.get("content-type", "")
    seconds = time.perf_counter() - started
    head = body[:3000]
    matched = re.search(rb'numberMatched="(\w+)"', head)
    error = status != 200 or b"ExceptionReport" in head
    return {"seconds": seconds, "status": status, "bytes": len(body),
            "content_type": ctype, "gml32": b"http://www.opengis.net/gml/3.2" in head,
            "features": len(MEMBER.findall(body)),
            "number_matched": matched.group(1).decode() if matched else None,
            "error": body[:600].decode(errors="replace") if error else None,
            "poids": POID.findall(body)}


def summary(samples: list[dict[str, Any]], warmup: int) -> dict[str, Any]:
    counted = samples[warmup:] or samples
    times = [s["seconds"] * 1000 for s in counted]
    last = samples[-1]
    return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
            "ms": [round(t, 1) for t in times], "n": len(times),
            "status": last["status"], "bytes": last["bytes"], "features": last["features"],
            "number_matched": last["number_matched"], "gml32": last["gml32"],
            "content_type": last["content_type"],
            "errors": [s["error"] for s in samples if s["error"]][:1]}


#: Connections a server dropped (reset) under a timed request, retried once each; by server.
RESETS: dict[str, list[str]] = {"ours": [], "mapserver": []}


def once_more(who: str, what: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``run()``, and once more on a dropped connection (noted in RESETS): one reset is worth
    reporting, not worth losing the whole run for."""
    try:
        return run()
    except httpx.TransportError as exc:
        RESETS[who].append(f"{time.strftime('%H:%M:%S')} {what}: {exc!r}")
        print(f"{who}: {what}: {exc!r}, retried", file=sys.stderr)
        return run()


def alternate(repeat: int, name: str,
              run: Callable[[str], dict[str, Any]]) -> dict[str, list[Any]]:
    """``repeat`` rounds of one request to each server, the order flipped every round."""
    out: dict[str, list[Any]] = {"ours": [], "mapserver": []}
    for i in range(repeat):
        for who in (("ours", "mapserver") if i % 2 == 0 else ("mapserver", "ours")):
            out[who].append(once_more(who, name, lambda w=who: run(w)))
    return out


def whole_layer(client: httpx.Client, url: str, typename: str, page: int | None,
                total: int) -> dict[str, Any]:
    """Every feature, in one request (``page`` None) or paged with STARTINDEX by ``page``."""
    started = time.perf_counter()
    got, requests, nbytes, poids, errors = 0, 0, 0, set(), []
    while requests < 1000:
        params = wfs(typename, **({} if page is None else {"COUNT": str(page),
                                                           "STARTINDEX": str(got)}))
        one = get(client, url, params)
        requests += 1
        nbytes += one["bytes"]
        poids.update(one["poids"])
        if one["error"]:
            errors.append(one["error"])
            break
        got += one["features"]
        if page is None or one["features"] < page or got >= total:
            break
    return {"seconds": time.perf_counter() - started, "status": 200 if not errors else 500,
            "bytes": nbytes, "content_type": "", "gml32": True, "features": got,
            "number_matched": str(total), "error": errors[0] if errors else None,
            "requests": requests, "distinct_poid": len(poids)}


def wfs(typename: str, **params: str) -> dict[str, str]:
    return {"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature",
            "TYPENAMES": typename, **params}


def count_default(client: httpx.Client, url: str) -> int | None:
    """``CountDefault`` from GetCapabilities: the cap on COUNT, if the server declares one."""
    caps = client.get(url, params={"SERVICE": "WFS", "VERSION": "2.0.0",
                                   "REQUEST": "GetCapabilities"}).text
    found = re.search(r'name="CountDefault".*?<ows:DefaultValue>(\d+)</ows:DefaultValue>',
                      caps, re.DOTALL)
    return int(found.group(1)) if found else None


def run_wrk(url: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = ["wrk", f"-t{args.wrk_threads}", f"-c{args.wrk_connections}",
           f"-d{args.wrk_duration}s", "--timeout", "10s", "--latency", url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.wrk_duration + 60)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if done.returncode != 0 or rps is None:
        return {"error": (done.stderr or done.stdout)[-800:], "command": " ".join(cmd)}
    pct = dict(re.findall(r"^[ \t]*(50|90|99)%[ \t]+(\S+)[ \t]*$", done.stdout, re.MULTILINE))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", done.stdout)
    errors = re.search(r"Socket errors:(.*)$", done.stdout, re.MULTILINE)
    return {"requests_per_s": float(rps.group(1)),
            "latency_p50_p90_p99": [pct.get(k) for k in ("50", "90", "99")],
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1).strip() if errors else None,
            "command": " ".join(cmd), "stdout": done.stdout[-900:]}


# ---------------------------------------------------------------- reference counts


def reference_counts(dsn: str, table: str | None) -> dict[str, Any]:
    """What PostGIS says: the whole layer, the Gent box, and the 4326 box two ways: exactly
    (points transformed to lon/lat, inside the box) and as MapServer approximates it (the
    box's corners transformed, their bounding rectangle in EPSG:31370)."""
    if table is None:
        return {}
    schema, name = table.split(".")
    t = f'"{schema}"."{name}"'
    lonlat = 'ST_Transform("SHAPE", 4326)'
    box = "ST_Envelope(ST_Transform(ST_MakeEnvelope(3.65, 51.0, 3.80, 51.12, 4326), 31370))"
    row = None
    with contextlib.suppress(psycopg.Error), psycopg.connect(libpq(dsn)) as db:
        row = db.execute(
            f"SELECT count(*), "
            f'count(*) FILTER (WHERE "SHAPE" && ST_MakeEnvelope(100000, 185000, 112000, 200000,'
            f" 31370)), "
            f"count(*) FILTER (WHERE ST_X({lonlat}) BETWEEN 3.65 AND 3.80 "
            f"AND ST_Y({lonlat}) BETWEEN 51.0 AND 51.12), "
            f'count(*) FILTER (WHERE "SHAPE" && {box}) FROM {t}').fetchone()
    if row is None:
        return {"error": "PostgreSQL did not answer"}
    return {"table": table, "whole": row[0], "gent_31370": row[1],
            "gent_4326_exact": row[2], "gent_4326_corners_bbox_in_31370": row[3]}


# ---------------------------------------------------------------- the run


def table(rows: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> Iterator[str]:
    yield "| request | ours median (min) ms | MapServer median (min) ms | MapServer/ours |"
    yield "|---|---:|---:|---:|"
    for name, ours, theirs in rows:
        yield (f"| {name} | {ours['median_ms']:,.1f} ({ours['min_ms']:,.1f}) | "
               f"{theirs['median_ms']:,.1f} ({theirs['min_ms']:,.1f}) | "
               f"{ratio(ours['median_ms'], theirs['median_ms'])} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publication", default="/tmp/flanders-pub",
                        help="publication directory, or a PostgreSQL URL (ours on PostGIS)")
    parser.add_argument("--mapserver-dsn", default=None,
                        help=f"PostGIS database MapServer serves (default: --publication when "
                             f"it is a URL, else {DEFAULT_DSN})")
    parser.add_argument("--mapserver-data", choices=("postgis", "gpkg"), default="postgis",
                        help="MapServer's source: the PostGIS publication, or (publication "
                             "directory only) its current GeoPackage through OGR")
    parser.add_argument("--ours-ref", default=None,
                        help="run our server from this git commit (git archive into the temp "
                             "dir, first on PYTHONPATH) instead of the working tree, which "
                             "others may be editing mid-run")
    parser.add_argument("--no-mapserver-number-matched", action="store_true",
                        help="MapServer's default: numberMatched=\"unknown\" (no count query); "
                             "ours always counts, so the default here is to count on both")
    parser.add_argument("--workers", type=int, default=2,
                        help="our gunicorn workers = mapserv FastCGI processes")
    parser.add_argument("--repeat", type=int, default=9, help="rounds per case")
    parser.add_argument("--warmup", type=int, default=2, help="first rounds not counted")
    parser.add_argument("--whole-repeat", type=int, default=2,
                        help="rounds of the whole-layer download (no warm-up)")
    parser.add_argument("--wrk-duration", type=int, default=15)
    parser.add_argument("--wrk-connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    args = parser.parse_args()
    for tool in ("spawn-fcgi", "nginx", "wrk", MAPSERV):
        if shutil.which(tool) is None:
            sys.exit(f"missing {tool}: apt-get install -y mapserver-bin cgi-mapserver "
                     "spawn-fcgi nginx wrk")
    dsn = args.mapserver_dsn or (args.publication if is_url(args.publication) else DEFAULT_DSN)
    if args.mapserver_data == "gpkg":
        if is_url(args.publication):
            sys.exit("--mapserver-data gpkg needs a publication directory")
        source, data = gpkg_source(Path(args.publication))
    else:
        source, data = postgis_source(dsn)

    tmp = Path(tempfile.mkdtemp(prefix="bench-mapserver-"))
    ours_port = free_port()
    ours_base = f"http://127.0.0.1:{ours_port}"
    ours_url = f"{ours_base}/wfs"
    ours_log = tmp / "ours.log"
    ours: subprocess.Popen[bytes] | None = None
    mapserver = MapServer(tmp, source, data["extent"], args.workers,
                          not args.no_mapserver_number_matched)
    result: dict[str, Any] = {
        "benchmark": "wfs_vs_mapserver", "publication": args.publication,
        "mapserver_data": {k: v for k, v in data.items() if k != "extent"},
        "mapserver_version": subprocess.run([MAPSERV, "-v"], capture_output=True,
                                            text=True).stdout.strip(),
        "mapserver_number_matched": not args.no_mapserver_number_matched,
        "repeat": args.repeat, "warmup": args.warmup, "workers": args.workers,
        "load_before": os.getloadavg(), "cases": {}}
    rows: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    status = 1
    try:
        env = dict(os.environ)
        result["ours_source"] = "working tree"
        if args.ours_ref:
            src = tmp / "ours-src"
            src.mkdir()
            sha = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", args.ours_ref],
                                 capture_output=True, text=True, check=True).stdout.strip()
            archive = subprocess.run(["git", "-C", str(HERE.parent), "archive", sha],
                                     capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
            env["PYTHONPATH"] = f"{src}{os.pathsep}{env.get('PYTHONPATH', '')}"
            result["ours_source"] = f"git archive {sha}"
        with ours_log.open("wb") as out:
            ours = subprocess.Popen(
                [sys.executable, "-m", "publisher", "serve", "--host",
                 "127.0.0.1", "--port", str(ours_port), "--workers", str(args.workers),
                 "--publication", args.publication],
                cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        mapserver.start()
        wait_http(f"{ours_base}/health", lambda: ours is not None and ours.poll() is None,
                  "vlok-publisher serve", ours_log)
        time.sleep(2)  # let gunicorn fork every worker before the first timed request
        urls = {"ours": ours_url, "mapserver": mapserver.base}
        types = {"ours": OURS_TYPE, "mapserver": MS_TYPE}
        with httpx.Client(timeout=600) as client:
            for name, params in CASES.items():
                samples = alternate(args.repeat, name, lambda who, p=params: get(
                    client, urls[who], wfs(types[who], **p)))
                case = {who: summary(s, args.warmup) for who, s in samples.items()}
                first = {who: s[0] for who, s in samples.items()}
                for who, one in first.items():
                    if one["error"]:
                        raise RuntimeError(f"{who} failed {name}: {one['error']}")
                case["numberMatched_equal"] = (case["ours"]["number_matched"]
                                               == case["mapserver"]["number_matched"])
                case["mapserver_over_ours"] = ratio(case["ours"]["median_ms"],
                                                    case["mapserver"]["median_ms"])
                result["cases"][name] = case
                rows.append((name, case["ours"], case["mapserver"]))
                print(f"{name}: ours {case['ours']['median_ms']} ms, MapServer "
                      f"{case['mapserver']['median_ms']} ms, numberMatched "
                      f"{case['ours']['number_matched']} / "
                      f"{case['mapserver']['number_matched']}", file=sys.stderr)

            # the whole layer: ours pages by its CountDefault; MapServer in one request and,
            # for the same request sequence, paged by ours' page size too
            cap = count_default(client, ours_url)
            total = int(result["cases"]["hits (whole layer)"]["ours"]["number_matched"])
            page = cap or total
            whole: dict[str, list[dict[str, Any]]] = {"ours": [], "ms_one": [], "ms_paged": []}
            for i in range(args.whole_repeat):
                order = ["ours", "ms_one", "ms_paged"]
                for who in order if i % 2 == 0 else order[::-1]:
                    url, typename = (ours_url, OURS_TYPE) if who == "ours" else \
                        (mapserver.base, MS_TYPE)
                    whole[who].append(once_more(
                        "ours" if who == "ours" else "mapserver", f"whole layer {who}",
                        lambda u=url, t=typename, w=who: whole_layer(
                            client, u, t, None if w == "ms_one" else page, total)))
            summaries = {}
            for who, s in whole.items():
                summaries[who] = summary(s, 0)
                summaries[who].update(requests=s[-1]["requests"],
                                      distinct_poid=s[-1]["distinct_poid"])
            result["cases"]["whole layer"] = {
                "ours_count_default": cap, "page": page, "number_matched": total,
                "ours": summaries["ours"], "mapserver_one_request": summaries["ms_one"],
                "mapserver_paged": summaries["ms_paged"]}
            rows.append((f"whole layer (ours {summaries['ours']['requests']} pages of {page}; "
                         "MapServer same paging)", summaries["ours"], summaries["ms_paged"]))
            rows.append(("whole layer (ours paged as above; MapServer 1 request)",
                         summaries["ours"], summaries["ms_one"]))

            # throughput: wrk on a page of 100, ours then MapServer (each verified first)
            wrk_urls = {who: f"{urls[who]}?{urlencode(wfs(types[who], COUNT=WRK_COUNT))}"
                        for who in urls}
            for who, url in wrk_urls.items():
                probe = get(client, url, {})
                if probe["error"] or probe["features"] != int(WRK_COUNT):
                    raise RuntimeError(f"{who} wrk URL broken: {probe['error']}")
        result["wrk"] = {who: run_wrk(url, args) for who, url in wrk_urls.items()}
        result["connection_resets_retried"] = RESETS
        if RESETS["ours"]:
            result["ours_log_tail"] = tail(ours_log, 3000)
        if RESETS["mapserver"]:
            result["nginx_log_tail"] = tail(mapserver.nginx_log, 3000)
        result["memory"] = {
            "ours": {"master": memory(ours.pid),
                     "workers": [m for m in map(memory, descendants(ours.pid)) if m]},
            **mapserver.memory(),
            "postgres_backends_of_mapserver": postgres_memory(dsn) if
            data["backend"] == "postgis" else []}
        result["reference_counts"] = reference_counts(
            dsn, data["table"] if data["backend"] == "postgis" else None)
        status = 0
    except Exception as exc:  # report what was measured so far, with the logs, as JSON too
        import traceback

        traceback.print_exc()
        result["error"] = repr(exc)
    finally:
        stop_group(ours)
        mapserver.stop()
        result["load_after"] = os.getloadavg()
        result["mapserver_error_log"] = tail(mapserver.error_log, 600)
        if status == 0:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            result["logs"] = {"ours": tail(ours_log), "nginx": tail(mapserver.nginx_log),
                              "tmp": str(tmp)}
    for case in result["cases"].values():  # the per-page POID lists are not worth printing
        for v in case.values():
            if isinstance(v, dict):
                v.pop("poids", None)
    print(json.dumps(result, indent=2))
    if status == 0:
        wrk = result["wrk"]
        print()
        print("\n".join(table(rows)))
        rps = {w: wrk[w].get("requests_per_s") for w in wrk}
        faster = round(rps["ours"] / rps["mapserver"], 2) if rps["ours"] and rps["mapserver"] \
            else None
        print(f"| wrk -t{args.wrk_threads} -c{args.wrk_connections} -d{args.wrk_duration}s "
              f"COUNT={WRK_COUNT}, requests/s (higher is better) | {rps['ours']} | "
              f"{rps['mapserver']} | "
              f"{faster} (ours/MapServer) |")
        peak = result["memory"]
        print(f"| peak RSS MB per worker process (VmHWM) | "
              f"{', '.join(str(m['peak_rss_mb']) for m in peak['ours']['workers'])} | "
              f"{', '.join(str(m['peak_rss_mb']) for m in peak['mapserv'])} | |")
    return status


def postgres_memory(dsn: str) -> list[dict[str, Any]] | str:
    """Peak RSS of the PostgreSQL backends MapServer holds open (its SQL runs there)."""
    try:
        with psycopg.connect(libpq(dsn)) as db:
            pids = [r[0] for r in db.execute("SELECT pid FROM pg_stat_activity "
                                             "WHERE application_name = 'bench-mapserver'")]
    except psycopg.Error as exc:  # e.g. other people's benchmarks hold every connection
        return repr(exc)
    return [m for m in map(memory, pids) if m]


if __name__ == "__main__":
    sys.exit(main())
