"""OGC API items with ``bbox`` / ``bbox-crs`` / ``crs``: ours against stock pygeoapi, side by side.

Why: the plain-page gain over stock pygeoapi 0.21 must hold for the requests GIS clients really
send: a ``bbox`` (CRS84 or ``bbox-crs`` Lambert 72), an output ``crs`` (EPSG:4326 lat/lon,
Web Mercator, the storage CRS EPSG:31370) and both together (QGIS in a Lambert project). Both
servers run in one process tree on the same 2-core box; every case alternates one request to
each server, the order flipped every round, so the machine's noise (another engineer's work,
PostgreSQL, this client) hits both alike; medians and minimums compare.

Run (ours from the last commit, so a half-edited working tree is never measured)::

    .venv/bin/python benchmarks/bench_ogcapi_bbox_crs.py --ours-ref HEAD

Prerequisites:

- the flanders publication (158,946 POI) as a publication directory ``/tmp/flanders-pub``
  (``--publication``) for ours, and as the PostGIS database ``vlok_bench`` (``--stock-dsn``;
  ``vlok_publication.current`` names the schema) for stock pygeoapi's own ``PostgreSQL``
  provider (its GeoPackage provider needs SpatiaLite, see ``serving_stock.py``);
- ``psycopg2-binary`` in the venv (``.venv/bin/pip install psycopg2-binary``): a
  benchmark-only dependency of stock pygeoapi's PostgreSQL provider, not of the publisher.

What it does: starts ``vlok-publisher serve --workers 2`` (from ``git archive`` of
``--ours-ref`` first on ``PYTHONPATH``, else the working tree) and stock pygeoapi
(``pygeoapi.starlette_app`` under gunicorn + uvicorn, 2 workers, config from
``serving_stock.py``: same CRS list, storage CRS EPSG:31370) on free 127.0.0.1 ports; then
for each case below, ``--repeat`` rounds (default 9, the first ``--warmup`` = 2 not counted)
of ``GET /collections/poi/items?limit=1000&f=json&…`` on both, timing the whole body download
with ``httpx`` (``Accept-Encoding: identity`` on both). Cases: the Gent bbox in CRS84; the
same area given in EPSG:31370 with ``bbox-crs``; ``crs`` EPSG:4326, 3857, 31370; the CRS84
bbox with ``crs`` EPSG:31370; a plain page. Each case checks status, numberMatched and
numberReturned of both, the ``Content-Crs`` header, and the coordinates of the features both
pages share (by id). PostGIS gives reference counts for the Gent box: exact (every point
transformed to lon/lat and tested against the box), stock's way (only two corners of the box
transformed) and a densified box. Prints one JSON document, then a Markdown table
(stock/ours: above 1 means ours is faster). The servers are always stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
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
from typing import Any

import httpx
import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import serving_stock as stock  # noqa: E402
from processes import ratio, stop_group, tail  # noqa: E402

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
GENT_CRS84 = (3.65, 51.0, 3.80, 51.12)
GENT_31370 = (100000, 185000, 112000, 200000)
#: case -> query parameters besides limit and f (the same on both servers).
CASES: dict[str, dict[str, str]] = {
    "bbox Gent CRS84": {"bbox": ",".join(map(str, GENT_CRS84))},
    "bbox Gent bbox-crs EPSG:31370": {"bbox": ",".join(map(str, GENT_31370)),
                                      "bbox-crs": f"{EPSG}31370"},
    "crs EPSG:4326": {"crs": f"{EPSG}4326"},
    "crs EPSG:3857": {"crs": f"{EPSG}3857"},
    "crs EPSG:31370 (storage)": {"crs": f"{EPSG}31370"},
    "bbox Gent CRS84 + crs EPSG:31370": {"bbox": ",".join(map(str, GENT_CRS84)),
                                         "crs": f"{EPSG}31370"},
    "plain page": {},
}
WHO = ("ours", "stock")


class Budget(Exception):
    """The whole run took longer than ``--budget`` seconds."""


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- processes


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (the gunicorn workers of a master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return sorted(found)


def start(cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def wait_ready(proc: subprocess.Popen[bytes], urls: list[str], what: str, log: Path,
               workers: int, timeout: float = 120) -> float:
    """Seconds until every URL answers 200 and gunicorn has forked ``workers`` workers."""
    started = time.monotonic()
    for url in urls:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited ({proc.returncode}): {tail(log)}")
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"{what} not ready in {timeout:.0f} s: {tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=10).status_code == 200:
                    break
            time.sleep(0.3)
    for _ in range(100):
        if len(children(proc.pid)) >= workers:
            break
        time.sleep(0.1)
    return round(time.monotonic() - started, 2)


def ours_source(ref: str | None, tmp: Path, env: dict[str, str]) -> str:
    """Put ``git archive ref`` first on ``PYTHONPATH`` in ``env``; what ours runs from."""
    if not ref:
        return "working tree"
    src = tmp / "ours-src"
    src.mkdir()
    sha = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--verify", ref],
                         capture_output=True, text=True, check=True).stdout.strip()
    archive = subprocess.run(["git", "-C", str(HERE.parent), "archive", sha],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    env["PYTHONPATH"] = f"{src}{os.pathsep}{env.get('PYTHONPATH', '')}"
    imported = subprocess.run([sys.executable, "-c", "import publisher; print(publisher.__file__)"],
                              cwd=tmp, env=env, capture_output=True, text=True, check=True)
    if not imported.stdout.strip().startswith(str(src)):
        raise RuntimeError(f"publisher not imported from the archive: {imported.stdout}")
    return f"git archive {sha}"


# ---------------------------------------------------------------- requests


def get(client: httpx.Client, url: str, params: dict[str, str]) -> dict[str, Any]:
    """One GET, timing the whole body download; then (untimed) what the body says."""
    started = time.perf_counter()
    with client.stream("GET", url, params=params) as response:
        body = b"".join(response.iter_raw())
        status = response.status_code
        content_crs = response.headers.get("content-crs")
    seconds = time.perf_counter() - started
    out: dict[str, Any] = {"seconds": seconds, "status": status, "bytes": len(body),
                           "content_crs": content_crs}
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if status != 200 or not isinstance(doc, dict):
        out["error"] = body[:600].decode(errors="replace")
        return out
    features = doc.get("features") or []
    out.update(number_matched=doc.get("numberMatched"),
               number_returned=doc.get("numberReturned"), features=len(features),
               coords={str(f.get("id")): f["geometry"]["coordinates"][:2] for f in features
                       if (f.get("geometry") or {}).get("type") == "Point"})
    return out


def alternate(repeat: int, run: Callable[[str], dict[str, Any]]) -> dict[str, list[Any]]:
    """``repeat`` rounds of one request to each server, the order flipped every round."""
    out: dict[str, list[Any]] = {who: [] for who in WHO}
    for i in range(repeat):
        for who in WHO if i % 2 == 0 else WHO[::-1]:
            out[who].append(run(who))
    return out


def summary(samples: list[dict[str, Any]], warmup: int) -> dict[str, Any]:
    counted = samples[warmup:] or samples
    times = [s["seconds"] * 1000 for s in counted]
    last = samples[-1]
    return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
            "ms": [round(t, 1) for t in times], "n": len(times),
            "status": sorted({s["status"] for s in samples}), "bytes": last["bytes"],
            "number_matched": last.get("number_matched"),
            "number_returned": last.get("number_returned"), "features": last.get("features"),
            "content_crs": last["content_crs"],
            "errors": [s["error"] for s in samples if s.get("error")][:1]}


def same_coordinates(a: dict[str, list[float]], b: dict[str, list[float]]) -> dict[str, Any]:
    """Features both pages hold (by id) and the largest coordinate difference between them."""
    common = a.keys() & b.keys()
    diff = max((max(abs(x - y) for x, y in zip(a[k], b[k], strict=True)) for k in common),
               default=None)
    first = next(iter(sorted(common)), None)
    return {"common_ids": len(common), "max_abs_diff": diff,
            "example": {"id": first, "ours": a.get(first), "stock": b.get(first)}
            if first else None}


# ---------------------------------------------------------------- reference counts


def reference_counts(dsn: str, schema: str) -> dict[str, Any]:
    """What PostGIS says about the Gent boxes (the geometry ``SHAPE`` is EPSG:31370 points).

    ``bbox_crs84_exact``: every point transformed to lon/lat and tested against the box (the
    right answer); ``bbox_crs84_two_corners``: the box pygeoapi 0.21 queries (only the lower-
    left and upper-right corners transformed to EPSG:31370); ``bbox_crs84_densified``: the
    EPSG:31370 bounds of the box with 21 points per edge; ``bbox_31370``: the Lambert box;
    ``two_corners_wrongly_in`` / ``_out``: points stock's box adds / misses against the exact.
    """
    import pyproj
    from pygeoapi.util import transform_bbox

    x1, y1, x2, y2 = transform_bbox(list(GENT_CRS84), CRS84, f"{EPSG}31370")  # stock's own
    to_lambert = pyproj.Transformer.from_crs("OGC:CRS84", "EPSG:31370", always_xy=True)
    dense = to_lambert.transform_bounds(*GENT_CRS84, densify_pts=21)
    t = f'"{schema}".poi'
    lonlat = 'ST_Transform("SHAPE", 4326)'
    exact = f"(ST_X({lonlat}) BETWEEN %s AND %s AND ST_Y({lonlat}) BETWEEN %s AND %s)"
    exact_args = (GENT_CRS84[0], GENT_CRS84[2], GENT_CRS84[1], GENT_CRS84[3])
    two = '(ST_Intersects("SHAPE", ST_MakeEnvelope(%s, %s, %s, %s, 31370)))'
    two_args = (x1, y1, x2, y2)
    with psycopg.connect(stock.plain_dsn(dsn)) as db:
        row = db.execute(
            f"SELECT count(*), "
            f"count(*) FILTER (WHERE {exact}), "
            f"count(*) FILTER (WHERE {two}), "
            f'count(*) FILTER (WHERE ST_Intersects("SHAPE", ST_MakeEnvelope(%s, %s, %s, %s, '
            f"31370))), "
            f'count(*) FILTER (WHERE ST_Intersects("SHAPE", ST_MakeEnvelope(%s, %s, %s, %s, '
            f"31370))), "
            f"count(*) FILTER (WHERE {two} AND NOT {exact}), "
            f"count(*) FILTER (WHERE {exact} AND NOT {two}) FROM {t}",
            (*exact_args, x1, y1, x2, y2, *dense, *GENT_31370, *two_args, *exact_args,
             *exact_args, *two_args)).fetchone()
    assert row is not None
    return {"table": t, "whole": row[0], "bbox_crs84_exact": row[1],
            "bbox_crs84_two_corners": row[2], "two_corners_wrongly_in": row[5],
            "two_corners_wrongly_out": row[6],
            "two_corners_box_31370": [round(v, 1) for v in (x1, y1, x2, y2)],
            "bbox_crs84_densified": row[3],
            "densified_box_31370": [round(v, 1) for v in dense], "bbox_31370": row[4]}


def expected(name: str, ref: dict[str, Any]) -> int | None:
    """The right numberMatched of a case, from the reference counts."""
    if "bbox-crs" in CASES[name]:
        return int(ref["bbox_31370"])
    if "bbox" in CASES[name]:
        return int(ref["bbox_crs84_exact"])
    return int(ref["whole"])


# ---------------------------------------------------------------- the run


def table(rows: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> Iterator[str]:
    yield ("| case | ours median (min) ms | stock median (min) ms | stock/ours "
           "| numberMatched ours / stock |")
    yield "|---|---:|---:|---:|---:|"
    for name, ours, theirs in rows:
        yield (f"| {name} | {ours['median_ms']:,.1f} ({ours['min_ms']:,.1f}) | "
               f"{theirs['median_ms']:,.1f} ({theirs['min_ms']:,.1f}) | "
               f"{ratio(ours['median_ms'], theirs['median_ms'])} | "
               f"{ours['number_matched']} / {theirs['number_matched']} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publication", default="/tmp/flanders-pub",
                        help="our publication directory (or a postgresql+psycopg:// URL)")
    parser.add_argument("--stock-dsn", default=stock.DEFAULT_DSN,
                        help="PostGIS database stock pygeoapi serves")
    parser.add_argument("--stock-id-field", default="POID", help="POID (ids as ours) or fid")
    parser.add_argument("--ours-ref", default=None,
                        help="run our server from this git commit (git archive into the temp "
                             "dir, first on PYTHONPATH) instead of the working tree")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of each")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=9, help="rounds per case")
    parser.add_argument("--warmup", type=int, default=2, help="first rounds not counted")
    parser.add_argument("--budget", type=int, default=1200,
                        help="stop everything after this many seconds")
    args = parser.parse_args()

    def over_budget(signum: int, frame: Any) -> None:
        raise Budget(f"over the {args.budget} s budget")

    signal.signal(signal.SIGALRM, over_budget)
    signal.alarm(args.budget)
    tmp = Path(tempfile.mkdtemp(prefix="bench-ogcapi-bbox-crs-"))
    ports = {who: free_port() for who in WHO}
    base = {"ours": f"http://127.0.0.1:{ports['ours']}/ogc",
            "stock": f"http://127.0.0.1:{ports['stock']}"}
    logs = {who: tmp / f"{who}.log" for who in WHO}
    procs: dict[str, subprocess.Popen[bytes]] = {}
    result: dict[str, Any] = {
        "benchmark": "ogcapi_bbox_crs_vs_stock_pygeoapi", "publication": args.publication,
        "stock_dsn": args.stock_dsn, "workers": args.workers, "limit": args.limit,
        "repeat": args.repeat, "warmup": args.warmup, "load_before": os.getloadavg(),
        "cases": {}}
    rows: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    status = 1
    try:
        schema, pg_rows = stock.poi_table(args.stock_dsn)
        result["stock_table"] = f"{schema}.poi ({pg_rows} rows)"
        env = dict(os.environ)
        result["ours_source"] = ours_source(args.ours_ref, tmp, env)
        script = Path(sys.executable).with_name("vlok-publisher")
        ours_cmd = [str(script)] if script.exists() else [sys.executable, "-m", "publisher"]
        procs["ours"] = start([*ours_cmd, "serve", "--host", "127.0.0.1", "--port",
                               str(ports["ours"]), "--workers", str(args.workers),
                               "--publication", args.publication], env, tmp, logs["ours"])
        stock_env = {**os.environ, **stock.write_config(tmp, ports["stock"], args.stock_dsn,
                                                        schema, args.stock_id_field)}
        procs["stock"] = start(stock.command(ports["stock"], args.workers), stock_env, tmp,
                               logs["stock"])
        root = f"http://127.0.0.1:{ports['ours']}"
        result["ready_s"] = {
            "ours": wait_ready(procs["ours"], [f"{root}/health",
                                               f"{base['ours']}/collections/poi?f=json"],
                               "vlok-publisher serve", logs["ours"], args.workers),
            "stock": wait_ready(procs["stock"], [f"{base['stock']}/collections/poi?f=json"],
                                "stock pygeoapi", logs["stock"], args.workers)}
        import pygeoapi

        result["stock_version"] = f"pygeoapi {pygeoapi.__version__}"
        items = {who: f"{base[who]}/collections/poi/items" for who in WHO}
        with httpx.Client(timeout=300, headers={"Accept-Encoding": "identity"}) as client:
            for _ in range(2 * args.workers):  # every worker opens its files / connections
                for who in WHO:
                    get(client, items[who], {"limit": "10", "f": "json"})
            for name, extra in CASES.items():
                params = {"limit": str(args.limit), "f": "json", **extra}
                samples = alternate(args.repeat, lambda who, p=params: get(
                    client, items[who], p))
                for who in WHO:
                    bad = [s for s in samples[who] if s["status"] != 200 or s.get("error")]
                    if bad:
                        raise RuntimeError(f"{who} failed {name}: {bad[0].get('error')}")
                case: dict[str, Any] = {"params": params}
                case.update({who: summary(s, args.warmup) for who, s in samples.items()})
                case["coordinates_of_shared_ids"] = same_coordinates(
                    samples["ours"][0]["coords"], samples["stock"][0]["coords"])
                case["numberMatched_equal"] = (case["ours"]["number_matched"]
                                               == case["stock"]["number_matched"])
                case["stock_over_ours"] = ratio(case["ours"]["median_ms"],
                                                case["stock"]["median_ms"])
                result["cases"][name] = case
                rows.append((name, case["ours"], case["stock"]))
                print(f"{name}: ours {case['ours']['median_ms']} ms, stock "
                      f"{case['stock']['median_ms']} ms, numberMatched "
                      f"{case['ours']['number_matched']} / {case['stock']['number_matched']}",
                      file=sys.stderr)
        ref = reference_counts(args.stock_dsn, schema)
        result["reference_counts"] = ref
        result["numberMatched_right"] = {
            name: {"expected": expected(name, ref),
                   **{who: case[who]["number_matched"] == expected(name, ref) for who in WHO}}
            for name, case in result["cases"].items()}
        status = 0
    except Exception as exc:  # report what was measured so far, with the logs
        import traceback

        traceback.print_exc()
        result["error"] = repr(exc)
    finally:
        signal.alarm(0)
        for who in WHO:
            stop_group(procs.get(who))
        result["load_after"] = os.getloadavg()
        if status == 0:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            result["logs"] = {who: tail(log) for who, log in logs.items()} | {"tmp": str(tmp)}
    print(json.dumps(result, indent=2))
    if status == 0:
        print()
        print("\n".join(table(rows)))
    return status


if __name__ == "__main__":
    sys.exit(main())
