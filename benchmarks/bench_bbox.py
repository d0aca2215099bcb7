"""Median time of the WFS requests QGIS sends most: a BBOX page and its hits, two CRSs.

Starts ``vlok-publisher serve`` (one worker) on a publication and asks each request 15 times
(the first 3 are warm-up). Run on the flanders publication, e.g.::

    .venv/bin/python benchmarks/bench_bbox.py --publication /tmp/vlok-bench-XXXX

Prints one JSON document: per request, the median in milliseconds and ``numberMatched``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

GETFEATURE = {"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature",
              "TYPENAMES": "POI:POI", "COUNT": "1000"}
GENT_31370 = "100000,185000,112000,200000,urn:ogc:def:crs:EPSG::31370"
CASES = {
    "bbox_gent_epsg31370_count1000": {**GETFEATURE, "BBOX": GENT_31370},
    "bbox_gent_epsg4326_latlon_count1000": {
        **GETFEATURE, "BBOX": "51.0,3.65,51.12,3.80,urn:ogc:def:crs:EPSG::4326"},
    "bbox_gent_epsg31370_hits": {**GETFEATURE, "RESULTTYPE": "hits", "BBOX": GENT_31370},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publication", required=True)
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    exe = Path(sys.executable).with_name("vlok-publisher")
    server = subprocess.Popen(
        [str(exe), "serve", "--publication", args.publication, "--port", str(args.port),
         "--workers", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    out = {}
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        with httpx.Client(base_url=base, timeout=60) as client:
            for name, params in CASES.items():
                times, text = [], ""
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    response = client.get("/wfs", params=params)
                    times.append(time.perf_counter() - started)
                    response.raise_for_status()
                    text = response.text
                found = re.search(r'numberMatched="(\d+)"', text)
                out[name] = {"median_ms": round(statistics.median(times[3:]) * 1000, 1),
                             "numberMatched": int(found.group(1)) if found else None}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(json.dumps({"benchmark": "wfs_bbox", "publication": args.publication,
                      "load": os.getloadavg(), "requests": out}, indent=2))


if __name__ == "__main__":
    main()
