"""Our WMS against MapServer 8 on the same features: GetMap (Flanders, a city) and GetFeatureInfo.

Why: MapServer is the reference WMS (it renders every request from scratch with AGG); the
same harness as ``bench_mapserver.py`` (its MapServer FastCGI + nginx set-up, the mapfile
``benchmarks/mapserver/vlok.map.in`` with a class per PRODUCT, requests alternated between
the two servers with the order flipped every round) so the machine's noise hits both alike.

Run (MapServer reads the same GeoPackage through OGR, or the PostGIS publication)::

    .venv/bin/python benchmarks/bench_wms.py --publication /tmp/wms-flanders-pub \\
        --mapserver-data gpkg
    .venv/bin/python benchmarks/bench_wms.py --rasterizers   # the library choice only

Cases: GetMap 1024×768 PNG of all of Flanders and of Gent in EPSG:31370 (ours in its
default style, clusters where dense, and in style ``punten``, every point like MapServer's
classes), Gent in EPSG:3857, the documented maximum 4096×4096 of Flanders (ours), and
GetFeatureInfo (GML, FEATURE_COUNT 10) in Gent. ``--rasterizers`` times stamping N symbols
with numpy (ours), Pillow per point, and pycairo per point (Debian's python3-cairo, run by
/usr/bin/python3: pycairo has no wheel here). Prints one JSON document and a Markdown table
(ratio MapServer/ours: above 1 means ours is faster).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from bench_mapserver import (
    MAPSERV,
    MapServer,
    alternate,
    free_port,
    gpkg_source,
    postgis_source,
    wait_http,
)
from PIL import Image
from processes import ratio, stop_group

FLANDERS = "20000,110000,260000,290000"  # 240 × 180 km: the 4:3 of 1024×768
GENT = "100000,186000,116000,198000"  # 16 × 12 km
GENT_3857 = "405000,6620000,425000,6635000"
MAP = {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap", "CRS": "EPSG:31370",
       "WIDTH": "1024", "HEIGHT": "768", "FORMAT": "image/png", "TRANSPARENT": "TRUE"}
#: name → (ours' extra parameters, MapServer's, or None when MapServer has no counterpart)
CASES: dict[str, tuple[dict[str, str], dict[str, str] | None]] = {
    "GetMap Flanders 1024x768 (ours: clusters)": (
        {**MAP, "LAYERS": "POI", "STYLES": "", "BBOX": FLANDERS},
        {**MAP, "LAYERS": "poi", "STYLES": "", "BBOX": FLANDERS}),
    "GetMap Flanders 1024x768 (ours: punten)": (
        {**MAP, "LAYERS": "POI", "STYLES": "punten", "BBOX": FLANDERS},
        {**MAP, "LAYERS": "poi", "STYLES": "", "BBOX": FLANDERS}),
    "GetMap Gent 1024x768 (ours: clusters)": (
        {**MAP, "LAYERS": "POI", "STYLES": "", "BBOX": GENT},
        {**MAP, "LAYERS": "poi", "STYLES": "", "BBOX": GENT}),
    "GetMap Gent 1024x768 (ours: punten)": (
        {**MAP, "LAYERS": "POI", "STYLES": "punten", "BBOX": GENT},
        {**MAP, "LAYERS": "poi", "STYLES": "", "BBOX": GENT}),
    "GetMap Gent 1024x768 EPSG:3857 (punten)": (
        {**MAP, "LAYERS": "POI", "STYLES": "punten", "BBOX": GENT_3857, "CRS": "EPSG:3857"},
        {**MAP, "LAYERS": "poi", "STYLES": "", "BBOX": GENT_3857, "CRS": "EPSG:3857"}),
    "GetFeatureInfo Gent GML": (
        {**MAP, "REQUEST": "GetFeatureInfo", "LAYERS": "POI", "QUERY_LAYERS": "POI",
         "STYLES": "", "BBOX": GENT, "INFO_FORMAT": "application/vnd.ogc.gml",
         "FEATURE_COUNT": "10", "I": "512", "J": "384"},
        {**MAP, "REQUEST": "GetFeatureInfo", "LAYERS": "poi", "QUERY_LAYERS": "poi",
         "STYLES": "", "BBOX": GENT, "INFO_FORMAT": "application/vnd.ogc.gml",
         "FEATURE_COUNT": "10", "I": "512", "J": "384"}),
    "GetMap Flanders 4096x4096 max size (ours only)": (
        {**MAP, "LAYERS": "POI", "STYLES": "", "BBOX": "20000,90000,260000,330000",
         "WIDTH": "4096", "HEIGHT": "4096"}, None),
}


def fetch(client: httpx.Client, url: str, params: dict[str, str]) -> dict[str, Any]:
    """One GET, timing the whole body; what came back and, for images, how much is drawn."""
    started = time.perf_counter()
    response = client.get(url, params=params)
    seconds = time.perf_counter() - started
    ctype = response.headers.get("content-type", "")
    out: dict[str, Any] = {"seconds": seconds, "status": response.status_code,
                           "bytes": len(response.content), "content_type": ctype}
    if ctype.startswith("image/"):
        rgba = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGBA"))
        out["drawn_pixels"] = int((rgba[..., 3] > 0).sum())
    else:
        out["features"] = response.content.count(b"<gml:featureMember") + \
            response.content.count(b"<wfs:member")
    out["error"] = None if response.status_code == 200 and ("image" in ctype or "xml" in ctype
                                                              or "gml" in ctype) \
        else response.text[:400]
    return out


def summary(samples: list[dict[str, Any]], warmup: int) -> dict[str, Any]:
    times = [s["seconds"] * 1000 for s in samples[warmup:] or samples]
    last = samples[-1]
    return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
            "n": len(times), **{k: last.get(k) for k in ("status", "bytes", "content_type",
                                                         "drawn_pixels", "features", "error")}}


# ---------------------------------------------------------------- rasterizers

_CAIRO = r"""
import math, random, sys, time, cairo
n = int(sys.argv[1]); random.seed(1)
pts = [(random.randrange(1024), random.randrange(768)) for _ in range(n)]
def best(f):
    ts = []
    for _ in range(5):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return min(ts) * 1000
s = cairo.ImageSurface(cairo.FORMAT_ARGB32, 1024, 768); c = cairo.Context(s)
def arcs():
    for x, y in pts:
        c.arc(x, y, 8, 0, 2 * math.pi); c.set_source_rgb(1, 1, 1); c.fill()
        c.arc(x, y, 6, 0, 2 * math.pi); c.set_source_rgb(.1, .43, .2); c.fill()
sprite = cairo.ImageSurface(cairo.FORMAT_ARGB32, 18, 18); k = cairo.Context(sprite)
k.arc(9, 9, 8, 0, 2 * math.pi); k.set_source_rgb(.1, .43, .2); k.fill()
def blit():
    for x, y in pts:
        c.set_source_surface(sprite, x - 9, y - 9); c.paint()
print(best(arcs), best(blit))
"""


def rasterizers() -> dict[str, Any]:
    """Milliseconds to draw N point symbols on 1024×768, best of 5, per library and N."""
    from PIL import ImageDraw

    from publisher.serving.wms.render import symbols
    from publisher.serving.wms.render.raster import new_canvas, stamp

    def best(run) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        return round(min(times) * 1000, 1)

    sprite = symbols.point_sprite("Conformiteitsattest")
    out: dict[str, Any] = {}
    for n in (3_000, 30_000):
        rng = np.random.default_rng(1)
        px, py = rng.integers(0, 1024, n), rng.integers(0, 768, n)
        canvas = new_canvas(1024, 768)
        image = Image.new("RGBA", (1024, 768))
        draw = ImageDraw.Draw(image)
        xy = list(zip((px - 9).tolist(), (py - 9).tolist(), strict=True))
        row: dict[str, Any] = {
            "numpy stamp (ours, vectorized)": best(lambda c=canvas, x=px, y=py: stamp(
                c, sprite, x, y)),
            "Pillow alpha_composite per point": best(lambda im=image, pts=xy: [
                im.alpha_composite(sprite.image, (max(0, x), max(0, y))) for x, y in pts]),
            "Pillow ImageDraw.ellipse per point": best(lambda d=draw, pts=xy: [d.ellipse(
                (x, y, x + 16, y + 16), fill=(27, 110, 53, 255), outline=(255, 255, 255, 255),
                width=2) for x, y in pts]),
        }
        done = subprocess.run(["/usr/bin/python3", "-c", _CAIRO, str(n)], capture_output=True,
                              text=True, timeout=300)
        if done.returncode == 0:
            arcs, blit = (round(float(v), 1) for v in done.stdout.split())
            row["pycairo arc+fill per point (system python3-cairo)"] = arcs
            row["pycairo sprite paint per point (system python3-cairo)"] = blit
        else:
            row["pycairo"] = f"unavailable: {done.stderr.strip()[-200:]}"
        out[f"{n} symbols"] = row
    return out


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publication", default="/tmp/wms-flanders-pub")
    parser.add_argument("--mapserver-data", choices=("postgis", "gpkg"), default="gpkg")
    parser.add_argument("--mapserver-dsn", default="postgresql+psycopg://postgres@127.0.0.1/"
                        "vlok_bench")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rasterizers", action="store_true",
                        help="only time the rasterizers (no servers)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    result: dict[str, Any] = {"benchmark": "wms_vs_mapserver", "rasterizers": rasterizers()}
    print(json.dumps(result["rasterizers"], indent=1), file=sys.stderr)
    if args.rasterizers:
        print(json.dumps(result, indent=1))
        return 0
    if args.mapserver_data == "gpkg":
        source, data = gpkg_source(Path(args.publication))
    else:
        source, data = postgis_source(args.mapserver_dsn)
    tmp = Path(tempfile.mkdtemp(prefix="bench-wms-"))
    port = free_port()
    ours_url = f"http://127.0.0.1:{port}/wms"
    log = tmp / "ours.log"
    mapserver = MapServer(tmp, source, data["extent"], args.workers)
    ours: subprocess.Popen[bytes] | None = None
    result.update({"publication": args.publication, "mapserver_data": data["table"],
                   "rows": data["rows"], "workers": args.workers, "repeat": args.repeat,
                   "warmup": args.warmup, "load_before": os.getloadavg(), "cases": {},
                   "mapserver_version": subprocess.run([MAPSERV, "-v"], capture_output=True,
                                                       text=True).stdout.strip()[:60]})
    rows = []
    try:
        with log.open("wb") as out:
            ours = subprocess.Popen(
                [sys.executable, "-m", "publisher", "serve", "--host", "127.0.0.1", "--port",
                 str(port), "--workers", str(args.workers), "--publication", args.publication],
                cwd=tmp, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        mapserver.start()
        wait_http(f"http://127.0.0.1:{port}/health", lambda: ours is not None and
                  ours.poll() is None, "vlok-publisher serve", log)
        time.sleep(2)
        with httpx.Client(timeout=600) as client:
            for name, (ours_params, ms_params) in CASES.items():
                if ms_params is None:
                    samples = {"ours": [fetch(client, ours_url, ours_params)
                                        for _ in range(max(3, args.repeat // 3))]}
                else:
                    urls = {"ours": (ours_url, ours_params),
                            "mapserver": (mapserver.base, ms_params)}
                    samples = alternate(args.repeat, name, lambda who, u=urls: fetch(
                        client, *u[who]))
                case = {who: summary(s, args.warmup if ms_params else 1)
                        for who, s in samples.items()}
                if ms_params is not None:
                    case["mapserver_over_ours"] = ratio(case["ours"]["median_ms"],
                                                        case["mapserver"]["median_ms"])
                result["cases"][name] = case
                rows.append((name, case))
                print(f"{name}: {json.dumps(case)}", file=sys.stderr)
    finally:
        stop_group(ours)
        mapserver.stop()
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=1))
    print("\n| case | ours median ms | MapServer median ms | MapServer/ours | ours bytes | "
          "MapServer bytes |\n|---|---|---|---|---|---|")
    for name, case in rows:
        ms = case.get("mapserver", {})
        print(f"| {name} | {case['ours']['median_ms']} | {ms.get('median_ms', '–')} | "
              f"{case.get('mapserver_over_ours', '–')} | {case['ours']['bytes']} | "
              f"{ms.get('bytes', '–')} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
