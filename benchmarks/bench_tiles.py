"""Vector tile benchmark on a flanders-scale publication: latency under 32 clients, sizes, seed.

Run: ``.venv/bin/python benchmarks/bench_tiles.py --publication /tmp/tiles-flanders-pub``
(needs Debian's ``wrk``). One run, ~2 minutes, loopback only:

1. starts ``vlok-publisher serve --workers 2`` on the publication;
2. picks tiles the way a map asks for them: for each zoom 8 to 16, the WebMercatorQuad tiles
   of :data:`PER_ZOOM` random features (so the tiles hold data, as in a viewer over Flanders);
3. times each worker's first tile (it projects the run's positions once) and then, per zoom,
   one sequential pass: tile size (gzip on the wire) and server time;
4. ``wrk -t2 -c32`` over all z8-z16 tiles together (``--latency``: p50/p90/p99, requests/s),
   then per zoom;
5. the seed question: what rendering every tile of z0-z10 over Flanders costs (what a seed at
   publish time would do) against what one request of it costs now.

Prints one JSON document and a short summary. On the 2-core reference machine the client and
both workers share the cores: every figure is one noisy sample.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import morecantile
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import stop_group, tail

ROOT = Path(__file__).resolve().parents[1]
PER_ZOOM = 60
ZOOMS = range(8, 17)
WM = morecantile.tms.get("WebMercatorQuad")
FLANDERS = (2.54, 50.68, 5.92, 51.51)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _positions(client: httpx.Client, n: int) -> list[tuple[float, float]]:
    """Positions of ``n`` random POI features (pages of the OGC API at random offsets)."""
    total = client.get("/ogc/collections/poi/items",
                       params={"limit": 1, "resulttype": "hits"}).json()["numberMatched"]
    out: list[tuple[float, float]] = []
    rng = random.Random(14)
    while len(out) < n:
        page = client.get("/ogc/collections/poi/items",
                          params={"limit": 50, "offset": rng.randrange(0, total - 50)}).json()
        out += [tuple(f["geometry"]["coordinates"]) for f in page["features"][:10]]
    return out[:n]


def _wrk(base: str, paths: list[str], seconds: int) -> dict[str, Any]:
    """``wrk -t2 -c32 --latency`` cycling through ``paths``."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write("paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n"
                  "i = math.random(#paths)\n"
                  "request = function()\n  i = i % #paths + 1\n"
                  '  return wrk.format("GET", paths[i], {["Accept-Encoding"] = "gzip"})\nend\n')
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", lua.name,
                          base], capture_output=True, text=True, check=True).stdout
    Path(lua.name).unlink()

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"p50_ms": ms("50"), "p90_ms": ms("90"), "p99_ms": ms("99"),
            "requests_per_s": float(rps.group(1)) if rps else None,
            "non_2xx": int(errors.group(1)) if errors else 0}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--publication", default="/tmp/tiles-flanders-pub")
    parser.add_argument("--seconds", type=int, default=20, help="wrk duration, all zooms")
    parser.add_argument("--per-zoom-seconds", type=int, default=5)
    args = parser.parse_args(argv)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkstemp(prefix="bench-tiles-", suffix=".log")[1])
    server = subprocess.Popen([sys.executable, "-m", "publisher", "serve", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", "2", "--publication",
                               args.publication], cwd=ROOT, stdout=log.open("wb"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    report: dict[str, Any] = {"publication": args.publication}
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"server did not start:\n{tail(log)}")
                time.sleep(0.3)
            report["features"] = client.get("/health").json()["datasets"]["poi"]["features"]
            where = _positions(client, PER_ZOOM)
            paths = {z: sorted({f"/ogc/collections/poi/tiles/WebMercatorQuad/{z}/{t.y}/{t.x}"
                                for t in (WM.tile(lon, lat, z) for lon, lat in where)})
                     for z in ZOOMS}
            # each worker's first tile builds the run's projected positions
            first = []
            for _ in range(4):
                t0 = time.perf_counter()
                client.get(paths[8][0], headers={"Connection": "close"})
                first.append(round((time.perf_counter() - t0) * 1000, 1))
            report["first_tiles_ms"] = first
            per_zoom: dict[int, dict[str, Any]] = {}
            for z, zpaths in paths.items():
                sizes, times = [], []
                for p in zpaths:
                    t0 = time.perf_counter()
                    r = client.get(p, headers={"Accept-Encoding": "gzip"})
                    times.append((time.perf_counter() - t0) * 1000)
                    sizes.append(int(r.headers.get("content-length", len(r.content))))
                per_zoom[z] = {"tiles": len(zpaths),
                               "bytes_p50": int(np.median(sizes)), "bytes_max": max(sizes),
                               "sequential_ms_p50": round(float(np.median(times)), 1),
                               "sequential_ms_max": round(max(times), 1)}
            every = [p for zpaths in paths.values() for p in zpaths]
            report["wrk_all_z8_z16"] = _wrk(base, every, args.seconds)
            for z, zpaths in paths.items():
                per_zoom[z]["wrk"] = _wrk(base, zpaths, args.per_zoom_seconds)
            report["per_zoom"] = per_zoom
            # the seed question: every tile of z0-z10 over Flanders, rendered once
            low = list(WM.tiles(*FLANDERS, list(range(11))))
            t0 = time.perf_counter()
            for t in low:
                client.get(f"/ogc/collections/poi/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}")
            seed_s = time.perf_counter() - t0
            revalidate = []
            etag = client.get(paths[8][0]).headers["etag"]
            for _ in range(50):
                t0 = time.perf_counter()
                client.get(paths[8][0], headers={"If-None-Match": etag})
                revalidate.append((time.perf_counter() - t0) * 1000)
            report["seed_z0_z10"] = {"tiles": len(low), "render_all_s": round(seed_s, 2),
                                     "per_tile_ms": round(seed_s / len(low) * 1000, 1),
                                     "revalidation_304_ms_p50": round(
                                         float(np.median(revalidate)), 2)}
    finally:
        stop_group(server)
    print(json.dumps(report, indent=1))
    w = report["wrk_all_z8_z16"]
    print(f"\nz8-z16, 32 clients: p50 {w['p50_ms']:.1f} ms, p99 {w['p99_ms']:.1f} ms, "
          f"{w['requests_per_s']:.0f} req/s, non-2xx {w['non_2xx']}")
    for z, row in report["per_zoom"].items():
        print(f"  z{z}: p50 {row['wrk']['p50_ms']:.1f} ms p99 {row['wrk']['p99_ms']:.1f} ms; "
              f"tile {row['bytes_p50']:,} B median, {row['bytes_max']:,} B max (gzip)")
    s = report["seed_z0_z10"]
    print(f"seed z0-z10: {s['tiles']} tiles in {s['render_all_s']} s "
          f"({s['per_tile_ms']} ms a tile); a 304 revalidation {s['revalidation_304_ms_p50']} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
