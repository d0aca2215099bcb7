"""Peak resident memory of each ``vlok-publisher serve`` worker under a request mix.

Why: a worker must stay small (the issue "One serving core": <= 200 MB per worker at flanders
scale, against 71 MB per mapserv process), and what it holds only shows once every surface
has been asked. Starts ``vlok-publisher serve --workers 2`` on a publication (a directory or a
``postgresql+psycopg://`` URL), waits for ``/health``, then sends a standard mix, twice, from
a few threads on fresh connections (so both workers answer):

* the viewer: ``/``, the outlines, clusters of each product at three views, points in view;
* the lookup: addresses, register ids and parcels taken from the publication itself, and
  address suggestions;
* OGC API: landing page, OpenAPI document, items pages of 1000 (plain, offset, bbox, crs);
* WFS: GetCapabilities, GetFeature COUNT=1000 in GML and GeoJSON, a BBOX page in EPSG:4326;
* ``/downloads`` (on a database publication: the files of setting ``files_dir``).

The server gets a fresh ``VLOK_INDEX_DIR``, so the one build of the shared lookup and map
indexes (by the first worker that needs them) is part of every run.

Then prints one JSON document with ``VmHWM`` (peak) and ``VmRSS`` of the master and of each
gunicorn child (from ``/proc/<pid>/status``; ``Pss`` from ``smaps_rollup``: shared pages split),
at start and after the mix, and a short table. Run::

    .venv/bin/python benchmarks/bench_memory.py --publication /tmp/flanders-pub
    .venv/bin/python benchmarks/bench_memory.py \\
        --publication postgresql+psycopg://postgres@127.0.0.1/vlok_bench
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
PRODUCTS = ("Conformiteitsattest", "VlaamseInventarisOngeschikteOnbewoonbareWoningen",
            "RegisterHerstelvorderingen")
#: (CRS84 bbox, zoom) of the viewer's views: Flanders, Gent, Antwerpen centre.
CLUSTER_VIEWS = (((2.5, 50.6, 5.95, 51.55), 8), ((3.6, 50.98, 3.85, 51.12), 11),
                 ((4.35, 51.18, 4.45, 51.25), 13))
#: Zoomed in (zoom 15 and up) the viewer loads the points in view.
POINT_VIEWS = ((3.715, 51.045, 3.735, 51.06), (4.395, 51.21, 4.41, 51.22))
WFS = {"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature", "TYPENAMES": "POI:POI",
       "COUNT": "1000"}
EPSG_31370 = "http://www.opengis.net/def/crs/EPSG/0/31370"


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (the gunicorn workers of a master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return sorted(found)


def memory(pid: int) -> dict[str, Any] | None:
    """VmHWM, VmRSS, Pss, anonymous and file-backed RSS (MB), threads of one process."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kb = {k: int(v) for k, v in re.findall(r"^(VmHWM|VmRSS|RssAnon|RssFile|Threads):\s+(\d+)",
                                           status, re.M)}
    with contextlib.suppress(OSError):
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        found = re.search(r"^Pss:\s+(\d+)", rollup, re.M)
        if found:
            kb["Pss"] = int(found.group(1))
    return {"pid": pid, "VmHWM_mb": round(kb.get("VmHWM", 0) / 1024, 1),
            "VmRSS_mb": round(kb.get("VmRSS", 0) / 1024, 1),
            "Pss_mb": round(kb["Pss"] / 1024, 1) if "Pss" in kb else None,
            "RssAnon_mb": round(kb.get("RssAnon", 0) / 1024, 1),
            "RssFile_mb": round(kb.get("RssFile", 0) / 1024, 1), "threads": kb.get("Threads")}


def breakdown(pid: int) -> dict[str, float]:
    """Resident MB by kind of mapping: anonymous, libraries, ``.npy``, other files.

    Anonymous is the heap and numpy's buffers; ``.npy`` the memory-mapped lookup and map
    indexes (shared between workers).
    """
    kinds: dict[str, float] = {"anonymous": 0.0, "libraries": 0.0, "npy": 0.0, "files": 0.0}
    kind = "anonymous"
    try:
        with open(f"/proc/{pid}/smaps") as smaps:
            for line in smaps:
                if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                    fields = line.split()
                    name = fields[5] if len(fields) > 5 else ""
                    kind = ("anonymous" if not name.startswith("/") else
                            "libraries" if ".so" in name else
                            "npy" if name.endswith(".npy") else "files")
                elif line.startswith("Rss:"):
                    kinds[kind] += int(line.split()[1]) / 1024
    except OSError:
        return {}
    return {k: round(v, 1) for k, v in kinds.items()}


def snapshot(master: int) -> dict[str, Any]:
    """Memory of the master and of each of its workers now."""
    workers = [{**m, "rss_by_kind_mb": breakdown(m["pid"])}
               for m in (memory(p) for p in children(master)) if m]
    return {"master": memory(master), "workers": workers,
            "max_worker_VmHWM_mb": max((w["VmHWM_mb"] for w in workers), default=None)}


def wait_ready(client: httpx.Client, proc: subprocess.Popen[bytes], workers: int,
               log: Path) -> float:
    """Seconds until /health answers 200 and every worker is forked (raise if it dies)."""
    started = time.monotonic()
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited, see {log}: "
                               f"{log.read_text(errors='replace')[-1500:]}")
        if time.monotonic() - started > 180:
            raise RuntimeError(f"server not ready, see {log}: "
                               f"{log.read_text(errors='replace')[-1500:]}")
        with contextlib.suppress(httpx.HTTPError):
            if client.get("/health", timeout=10).status_code == 200 and \
                    len(children(proc.pid)) >= workers:
                return round(time.monotonic() - started, 2)
        time.sleep(0.3)


def samples(client: httpx.Client, n: int) -> list[dict[str, Any]]:
    """Properties of ``n`` features spread over the POI layer (addresses, parcels to ask)."""
    matched = client.get("/ogc/collections/poi/items",
                         params={"f": "json", "limit": 1}).json().get("numberMatched") or n
    out: list[dict[str, Any]] = []
    for i in range(n):
        offset = i * max(1, int(matched) // n)
        doc = client.get("/ogc/collections/poi/items",
                         params={"f": "json", "limit": 1, "offset": offset}).json()
        out += [f["properties"] for f in doc.get("features", [])]
    return out


def request_mix(props: list[dict[str, Any]]) -> list[str]:
    """Every surface's typical requests, as paths with query strings."""
    mix = ["/", "/api/v1/kaart/gemeenten", "/health", "/downloads"]
    for product in PRODUCTS:
        for bbox, zoom in CLUSTER_VIEWS:
            mix.append("/api/v1/kaart/clusters?" + urlencode(
                {"product": product, "bbox": ",".join(map(str, bbox)), "zoom": zoom}))
        for bbox in POINT_VIEWS:
            mix.append("/api/v1/kaart?" + urlencode(
                {"product": product, "bbox": ",".join(map(str, bbox))}))
    for p in props:
        box = f" bus {p['BUSNUMMER']}" if p.get("BUSNUMMER") else ""
        address = f"{p.get('STRAAT')} {p.get('HUISNUMMER')}{box}, {p.get('POSTCODE')} " \
                  f"{p.get('GEMEENTE')}"
        mix.append("/api/v1/woningkwaliteit?" + urlencode({"adres": address}))
        if p.get("ADRESID"):
            mix.append("/api/v1/woningkwaliteit?" + urlencode({"adresid": p["ADRESID"]}))
        if p.get("CAPAKEY"):
            mix.append("/api/v1/woningkwaliteit?" + urlencode({"capakey": p["CAPAKEY"]}))
        mix.append("/api/v1/adressen?" + urlencode({"q": str(p.get("STRAAT"))[:6]}))
        mix.append("/api/v1/adressen?" + urlencode(
            {"q": f"{p.get('STRAAT')} {p.get('HUISNUMMER')}", "limit": 20}))
    items = "/ogc/collections/poi/items?"
    mix += ["/ogc?f=json", "/ogc/openapi?f=json", "/ogc/collections/poi?f=json",
            items + urlencode({"f": "json", "limit": 1000}),
            items + urlencode({"f": "json", "limit": 1000, "offset": 50000}),
            items + urlencode({"f": "json", "limit": 1000, "bbox": "3.6,50.98,3.85,51.12"}),
            items + urlencode({"f": "json", "limit": 1000, "crs": EPSG_31370}),
            items + urlencode({"f": "json", "limit": 1000, "offset": 2000,
                               "bbox": "4.3,51.1,4.5,51.3", "crs": EPSG_31370}),
            "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetCapabilities",
            "/wfs?" + urlencode(WFS),
            "/wfs?" + urlencode({**WFS, "STARTINDEX": 60000}),
            "/wfs?" + urlencode({**WFS, "OUTPUTFORMAT": "application/json"}),
            "/wfs?" + urlencode({**WFS, "OUTPUTFORMAT": "application/json",
                                 "STARTINDEX": 120000}),
            "/wfs?" + urlencode({**WFS, "BBOX": "51.0,3.65,51.12,3.80,"
                                                "urn:ogc:def:crs:EPSG::4326"})]
    return mix


def send(base: str, path: str) -> tuple[str, int, int]:
    """One GET on a fresh connection (so the kernel may hand it to either worker)."""
    with httpx.Client(base_url=base, timeout=180) as client:
        r = client.get(path)
        return path, r.status_code, len(r.content)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publication", default="/tmp/flanders-pub",
                        help="publication directory or postgresql+psycopg:// URL")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="times the mix is sent")
    parser.add_argument("--threads", type=int, default=3, help="concurrent clients")
    parser.add_argument("--samples", type=int, default=8, help="features asked for by address")
    args = parser.parse_args()
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkstemp(prefix="bench-memory-", suffix=".log")[1])
    exe = Path(sys.executable).with_name("vlok-publisher")
    # a fresh directory for the shared indexes: every run includes their one build
    indexes = tempfile.mkdtemp(prefix="bench-memory-indexes-")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(exe), "serve", "--publication", args.publication, "--port", str(port),
             "--workers", str(args.workers)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, "VLOK_INDEX_DIR": indexes})
    result: dict[str, Any] = {"benchmark": "bench_memory", "publication": args.publication,
                              "workers": args.workers}
    try:
        # No keep-alive: gunicorn's uvicorn workers close an idle connection after 2 s.
        with httpx.Client(base_url=base, timeout=120,
                          limits=httpx.Limits(max_keepalive_connections=0)) as client:
            result["ready_s"] = wait_ready(client, proc, args.workers, log)
            time.sleep(2)
            result["at_start"] = snapshot(proc.pid)
            mix = request_mix(samples(client, args.samples))
        jobs = [p for _ in range(args.rounds) for p in random.Random(7).sample(mix, len(mix))]
        started = time.monotonic()
        with ThreadPoolExecutor(args.threads) as pool:
            answers = list(pool.map(lambda p: send(base, p), jobs))
        result["mix"] = {"requests": len(answers), "seconds": round(time.monotonic() - started, 1),
                         "bytes": sum(n for _, _, n in answers),
                         "status": {str(s): sum(1 for _, c, _ in answers if c == s)
                                    for s in sorted({c for _, c, _ in answers})},
                         "not_200": sorted({f"{c} {p}" for p, c, _ in answers if c != 200})}
        result["after_mix"] = snapshot(proc.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(indexes, ignore_errors=True)
    log.unlink()  # kept (its path in the error) only when the server did not come up
    print(json.dumps(result, indent=2))
    print_table(result)
    return 0


def print_table(result: dict[str, Any]) -> None:
    """The JSON's memory figures as a few aligned lines."""
    print(f"\n{'process':<8} {'pid':>8} {'start RSS':>10} {'VmHWM':>8} {'VmRSS':>8} "
          f"{'Pss':>8}  (MB)")
    start = {w["pid"]: w for w in result["at_start"]["workers"]}
    start[result["at_start"]["master"]["pid"]] = result["at_start"]["master"]
    end = result["after_mix"]
    for name, m in [("master", end["master"])] + [("worker", w) for w in end["workers"]]:
        if m is None:
            continue
        before = start.get(m["pid"], {}).get("VmRSS_mb", "-")
        print(f"{name:<8} {m['pid']:>8} {before:>10} {m['VmHWM_mb']:>8} {m['VmRSS_mb']:>8} "
              f"{m['Pss_mb'] if m['Pss_mb'] is not None else '-':>8}")
    print(f"max worker VmHWM: {end['max_worker_VmHWM_mb']} MB; requests "
          f"{result['mix']['requests']}, status {result['mix']['status']}")


if __name__ == "__main__":
    sys.exit(main())
