"""The citizen viewer at flanders scale, before (Leaflet + JSON) and after (vector tiles).

Run: ``.venv/bin/python benchmarks/bench_viewer_tiles.py --publication /tmp/tiles-flanders-pub``
(Debian's Chromium through Playwright; its WebGL is SwiftShader, in software). ~2 minutes.

Starts ``vlok-publisher serve --workers 2``, then for each mode, in a fresh browser (cold
cache), :data:`RUNS` times:

- ``leaflet``: ``/?kaart=leaflet`` (what every browser got before): time from navigation to
  the first marker in the DOM (``#kaart .groep`` / ``.punt``);
- ``vector``: ``/`` with WebGL: time to the first points drawn from tiles
  (``body[data-vector-getekend]``, set when MapLibre's rendered features are on screen);

then, in the same page, four double clicks on Gent (about zoom 12) and the time until the
map is quiet again (no request for 500 ms). Bytes are what crossed the wire
(``Content-Length`` of each response, compressed where the server compressed), split into
map data (``/api/v1/kaart*``,
``/ogc/…/tiles``, the style) and static files (scripts, CSS, vendor libraries), which a
returning visitor has in cache. Prints one JSON document and a summary.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import stop_group, tail

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
RUNS = 3
#: Where Gent is in the first (Flanders) view, as a fraction of the map's width and height.
GENT_AT = (0.33, 0.45)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kind(url: str) -> str:
    if "/api/v1/kaart" in url or "/tiles/" in url or "/styles/" in url:
        return "data"
    return "static"


def _one(playwright: Any, base: str, mode: str) -> dict[str, Any]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="nl-BE")
    sizes: list[tuple[str, int, float]] = []
    last = [time.perf_counter()]

    def finished(request: Any) -> None:
        last[0] = time.perf_counter()
        try:  # bytes on the wire: the body as sent (gzipped or not)
            length = int(request.sizes()["responseBodySize"])
        except Exception:  # a body that is gone (redirect, aborted)
            length = 0
        sizes.append((request.url, length, last[0]))

    page.on("requestfinished", finished)
    url = f"{base}/?kaart=leaflet" if mode == "leaflet" else f"{base}/"
    t0 = time.perf_counter()
    page.goto(url)
    if mode == "leaflet":
        page.wait_for_selector("#kaart .groep, #kaart .punt", timeout=120_000)
    else:
        page.wait_for_selector("body[data-vector-getekend=ja]", timeout=120_000)
        assert page.evaluate("document.body.dataset.kaartsoort") == "vector"
    first = time.perf_counter() - t0
    at_first = list(sizes)

    def quiet() -> float:
        while time.perf_counter() - last[0] < 0.5:
            page.wait_for_timeout(100)
        return last[0]

    quiet()
    n_before = len(sizes)
    t1 = time.perf_counter()
    # the same user action in both modes (Leaflet handles the map's input in both): four
    # double clicks on Gent's place in the Flanders view
    box = page.locator("#kaart").bounding_box()
    for _ in range(4):
        page.mouse.dblclick(box["x"] + box["width"] * GENT_AT[0],
                            box["y"] + box["height"] * GENT_AT[1])
        page.wait_for_timeout(400)
    end = quiet()
    zoom = end - t1
    browser.close()

    def split(rows: list[tuple[str, int, float]]) -> dict[str, int]:
        out = {"data": 0, "static": 0, "requests": len(rows)}
        for u, n, _ in rows:
            out[_kind(u)] += n
        return out

    return {"first_markers_s": round(first, 2), "at_first_markers": split(at_first),
            "zoom_in_s": round(zoom, 2), "zoom_in": split(sizes[n_before:])}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--publication", default="/tmp/tiles-flanders-pub")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkstemp(prefix="bench-viewer-tiles-", suffix=".log")[1])
    server = subprocess.Popen([sys.executable, "-m", "publisher", "serve", "--host", "127.0.0.1",
                               "--port", str(port), "--workers", "2", "--publication",
                               args.publication], cwd=ROOT, stdout=log.open("wb"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    report: dict[str, Any] = {"publication": args.publication}
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"server did not start:\n{tail(log)}")
            time.sleep(0.3)
        with sync_playwright() as p:
            for mode in ("leaflet", "vector"):
                _one(p, base, mode)  # warm the server's per-run columns and positions
                report[mode] = [_one(p, base, mode) for _ in range(RUNS)]
    finally:
        stop_group(server)
    print(json.dumps(report, indent=1))
    for mode in ("leaflet", "vector"):
        runs = report[mode]
        best = min(runs, key=lambda r: r["first_markers_s"])
        print(f"{mode:8s} first markers {sorted(r['first_markers_s'] for r in runs)} s; "
              f"bytes to first markers: data {best['at_first_markers']['data']:,}, static "
              f"{best['at_first_markers']['static']:,}; zoom to Gent: "
              f"{sorted(r['zoom_in_s'] for r in runs)} s, data per run "
              f"{[r['zoom_in']['data'] for r in runs]} B in "
              f"{[r['zoom_in']['requests'] for r in runs]} requests")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
