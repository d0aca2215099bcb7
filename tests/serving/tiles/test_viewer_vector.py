"""The citizen viewer draws its points from the vector tiles with WebGL, and Leaflet without.

Debian's Chromium through Playwright, as the viewer's own tests drive it (its WebGL is
SwiftShader's, in software). The page is served by the whole app, tiles included.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from publisher.serving.tiles.documents import COLORS
from publisher.serving.viewer import build

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture(scope="module")
def playwright() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    if not build.is_built():
        build.build()
    with sync_api.sync_playwright() as p:
        yield p


def _open(playwright, url: str, args: list[str]):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    page = browser.new_page(viewport={"width": 1100, "height": 800}, locale="nl-BE")
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return browser, page, requests, errors


def _product_pixels(png: Path) -> int:
    image = np.asarray(Image.open(png).convert("RGB")).astype(int)
    total = 0
    for colour in COLORS.values():
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        total += int((np.abs(image - rgb).sum(axis=2) < 40).sum())
    return total


def test_with_webgl_the_viewer_draws_markers_from_vector_tiles(playwright, gpkg_tiles):
    browser, page, requests, errors = _open(playwright, f"{gpkg_tiles}/", ARGS)
    try:
        page.wait_for_selector("body[data-vector-getekend=ja]", timeout=60_000)
        assert page.evaluate("document.body.dataset.kaartsoort") == "vector"
        drawn = page.evaluate("window.VlokVector.current.gl.queryRenderedFeatures()"
                              ".filter(f => f.sourceLayer === 'poi').length")
        assert drawn > 0
        tiles = [u for u in requests if "/ogc/collections/poi/tiles/WebMercatorQuad/" in u]
        assert tiles and all("publication=" in u for u in tiles)
        assert not [u for u in requests if "/api/v1/kaart?" in u or "/kaart/clusters" in u]
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "tiles-viewer-vector.png"
        page.locator("#kaart").screenshot(path=str(shot))
        assert _product_pixels(shot) > 200  # the products' colours are on the map
        assert not errors, errors
    finally:
        browser.close()


def test_a_click_on_a_vector_point_opens_its_popup(playwright, gpkg_tiles, poi_items):
    browser, page, _, errors = _open(playwright, f"{gpkg_tiles}/", ARGS)
    try:
        page.wait_for_selector("body[data-vector-getekend=ja]", timeout=60_000)
        lon, lat = poi_items[0]["geometry"]["coordinates"]
        # zoom in on the first feature (Leaflet stays the map: MapLibre follows it)
        page.evaluate("""([lat, lon]) => new Promise(done => {
            const gl = window.VlokVector.current.gl;
            gl.once('idle', () => done());
            window.VlokVector.current.map.setView([lat, lon], 18, {animate: false});
        })""", [lat, lon])
        page.wait_for_timeout(500)
        box = page.locator("#kaart").bounding_box()
        point = page.evaluate("([lat, lon]) => window.VlokVector.current.map"
                              ".latLngToContainerPoint([lat, lon])", [lat, lon])
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        popup = page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
        assert poi_items[0]["properties"]["STRAAT"] in popup.inner_text()
        assert not errors, errors
    finally:
        browser.close()


def test_without_webgl_the_viewer_is_todays_leaflet_map(playwright, gpkg_tiles):
    browser, page, requests, errors = _open(playwright, f"{gpkg_tiles}/",
                                            [*ARGS, "--disable-3d-apis"])
    try:
        page.wait_for_selector("#kaart .groep, #kaart .punt", timeout=60_000)
        assert page.evaluate("document.body.dataset.kaartsoort") == "leaflet"
        assert [u for u in requests if "/api/v1/kaart" in u]
        assert not [u for u in requests if "/tiles/" in u or "maplibre" in u]
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("#kaart").screenshot(path=str(ARTIFACTS / "tiles-viewer-leaflet.png"))
        assert not errors, errors
    finally:
        browser.close()


def test_when_the_tiles_cannot_be_had_the_viewer_falls_back_to_leaflet(playwright, gpkg_tiles):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    page = browser.new_page(viewport={"width": 1100, "height": 800}, locale="nl-BE")
    try:
        page.route("**/ogc/collections/poi/styles/default",
                   lambda route: route.fulfill(status=503, body="{}"))
        page.goto(f"{gpkg_tiles}/")
        page.wait_for_selector("#kaart .groep, #kaart .punt", timeout=60_000)
        assert page.evaluate("document.body.dataset.kaartsoort") == "leaflet"
        assert page.locator("#kaart .groep, #kaart .punt").first.is_visible()
    finally:
        browser.close()


def test_the_list_view_still_lists_what_is_in_view_on_a_vector_map(playwright, gpkg_tiles):
    browser, page, requests, errors = _open(playwright, f"{gpkg_tiles}/", ARGS)
    try:
        page.wait_for_selector("body[data-vector-getekend=ja]", timeout=60_000)
        assert not [u for u in requests if "/api/v1/kaart?" in u or "/kaart/clusters" in u]
        page.click("#toon-lijst")
        page.wait_for_function("document.getElementById('lijst-uitleg').textContent"
                               ".includes('in het kaartbeeld')", timeout=30_000)
        assert [u for u in requests if "/api/v1/kaart" in u]  # the list reads the JSON
        page.click("#toon-kaart")
        assert page.evaluate("document.body.dataset.kaartsoort") == "vector"
        assert not page.locator("#kaart .groep, #kaart .punt").first.is_visible()
        assert not errors, errors
    finally:
        browser.close()
