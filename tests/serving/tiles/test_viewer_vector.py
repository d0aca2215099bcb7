"""The citizen viewer draws its points from the vector tiles with WebGL, and Leaflet without.

Debian's Chromium through Playwright, as the viewer's own tests drive it (its WebGL is
SwiftShader's, in software). The page is served by the whole app, tiles included.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from publisher.serving.tiles.documents import COLORS
from publisher.serving.viewer import build
from publisher.serving.viewer.texts import ORDER, PRODUCTS

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def _open(playwright, url: str, args: list[str], bypass_csp: bool = False):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    page = browser.new_page(viewport={"width": 1100, "height": 800}, locale="nl-BE",
                            bypass_csp=bypass_csp)
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
        Image.open(shot).convert("RGB").quantize(64).save(shot, optimize=True)  # small in git
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
        # the markers are Tab stops again: the vector map's Enter hint is gone
        assert page.locator("#kaart[aria-describedby], #kaart-toetsen").count() == 0
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


def _icon(product: str, count: int) -> str:
    """The image name a tile feature needs: the product's letter and, for a cluster, its count
    (exact below 100, then rounded down: "300+", "2k+", "10k+")."""
    letter = PRODUCTS[product]["letter"]
    if count <= 1:
        return f"vlok-{letter}"
    label = (str(count) if count < 100 else f"{count // 100 * 100}+" if count < 1000
             else f"{count // 1000}k+" if count < 10_000 else f"{count // 10_000 * 10}k+")
    return f"vlok-{letter}-{label}"


def _contrast(a: np.ndarray, b: np.ndarray) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (0–255)."""
    def lum(c: np.ndarray) -> float:
        s = c / 255
        lin = np.where(s <= 0.03928, s / 12.92, ((s + 0.055) / 1.055) ** 2.4)
        return float(lin @ [0.2126, 0.7152, 0.0722])
    hi, lo = sorted([lum(a), lum(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


_IMAGES = """names => names.map(n => {
    const img = window.VlokVector.current.gl.style.getImage(n);
    return img ? {name: n, w: img.data.width, h: img.data.height,
                  rgba: Array.from(img.data.data)} : {name: n};
})"""
_NEEDED = """() => window.VlokVector.current.gl
    .queryRenderedFeatures({layers: ['vlok-clusters', 'vlok-points']})
    .map(f => [f.properties.PRODUCT, f.properties.count])"""
#: Corners (top left, top right) a product's shape fills, as viewer.css draws it: C a circle,
#: I a square, H a leaf (square top left, round top right).
_CORNERS = {"C": (False, False), "I": (True, True), "H": (True, False)}


def test_vector_symbols_carry_letters_counts_and_shapes_like_the_leaflet_markers(
        playwright, gpkg_tiles, poi_items):
    # bypass_csp: only for axe's injected script (the page's vector mode runs under it in the
    # other tests)
    browser, page, _, errors = _open(playwright, f"{gpkg_tiles}/", ARGS, bypass_csp=True)
    try:
        page.wait_for_selector("body[data-vector-getekend=ja]", timeout=60_000)
        page.add_script_tag(path=str(build.AXE))
        violations = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']})
            .then(r => r.violations.filter(v => v.impact !== 'minor').map(v => v.id))""")
        assert not violations, violations  # the vector map with its Enter hint passes axe
        # the symbols lie over the place and street names, as the Leaflet markers do
        z = page.evaluate("""() => ['vectortegels', 'orientatie'].map(p => Number(getComputedStyle(
            window.VlokVector.current.map.getPane(p)).zIndex))""")
        assert z[0] > z[1], z
        needed = {_icon(p, n) for p, n in page.evaluate(_NEEDED)}
        clusters = sorted(n for n in needed if n.count("-") == 2)
        assert clusters, needed  # the demo at Flanders zoom is clusters with counts
        images = page.evaluate(_IMAGES, clusters)
        assert all("rgba" in i for i in images), [i["name"] for i in images if "rgba" not in i]
        letters = set()
        for image in images:
            rgba = np.array(image["rgba"], dtype=float).reshape(image["h"], image["w"], 4)
            letter = image["name"].split("-")[1]
            letters.add(letter)
            h, w = rgba.shape[:2]
            centre = rgba[h // 4: 3 * h // 4, w // 4: 3 * w // 4]
            opaque = centre[centre[..., 3] > 250][:, :3]
            white = (opaque > 245).all(axis=1)
            assert white.sum() > 10, image["name"]  # the count and the letter, in white
            fill = _rgb(COLORS[_PRODUCT_OF[letter]])
            on_fill = (np.abs(opaque - fill).sum(axis=1) < 10).sum()
            assert on_fill > white.sum() / 2, image["name"]  # drawn on the product's colour
            assert _contrast(fill, np.array([255, 255, 255])) >= 4.5  # AA for the letters
            inset = round(w * 0.1)  # inside a rounded corner, outside a circle
            corners = (rgba[inset, inset, 3] > 128, rgba[inset, w - 1 - inset, 3] > 128)
            assert corners == _CORNERS[letter], image["name"]
        assert letters == {"C", "I", "H"}

        # zoomed in, the facts stacked on one address point are one symbol with all their
        # letters and their number (the Leaflet marker's letters and badge), not hidden
        stacked = _address_points(poi_items)
        (lon, lat), products = max(stacked.items(), key=lambda kv: (len(set(kv[1])), len(kv[1])))
        assert len(products) > 1
        page.evaluate("""([lat, lon]) => new Promise(done => {
            window.VlokVector.current.gl.once('idle', () => done());
            window.VlokVector.current.map.setView([lat, lon], 18, {animate: false});
        })""", [lat, lon])
        page.wait_for_function(f"window.VlokVector.current.gl.queryRenderedFeatures("
                               f"{{layers: ['vlok-adrespunten']}}).some(f => JSON.parse("
                               f"f.properties.facts).length === {len(products)})", timeout=20_000)
        icons = page.evaluate("""() => window.VlokVector.current.gl
            .queryRenderedFeatures({layers: ['vlok-adrespunten']})
            .map(f => [f.properties.icon, JSON.parse(f.properties.facts).map(q => q.PRODUCT)])""")
        letters = "".join(PRODUCTS[p]["letter"] for p in ORDER if p in products)
        assert [f"vlok-punt-{letters}-{len(products)}", sorted(products)] in [
            [icon, sorted(facts)] for icon, facts in icons], icons
        for icon, facts in icons:  # one symbol per address point, never a fact on its own
            code = "".join(PRODUCTS[p]["letter"] for p in ORDER if p in facts)
            assert icon == (f"vlok-{code}" if len(facts) == 1 else
                            f"vlok-punt-{code}-{len(facts)}")
        assert all(page.evaluate("ns => ns.map(n => window.VlokVector.current.gl.hasImage(n))",
                                 sorted({icon for icon, _ in icons})))
        assert not page.evaluate(_NEEDED)  # the tiles' own points are not drawn beneath

        # the keyboard path: the map says what Enter does, and Enter lists what is in view
        hint = page.evaluate("document.getElementById(document.getElementById('kaart')"
                             ".getAttribute('aria-describedby')).textContent")
        assert "Enter" in hint
        page.focus("#kaart")
        page.keyboard.press("Enter")
        page.wait_for_selector("#resultaten li", timeout=30_000)  # the addresses in view
        assert page.evaluate("document.activeElement.id") == "resultaten-titel"
        assert not errors, errors
    finally:
        browser.close()


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


_PRODUCT_OF = {t["letter"]: name for name, t in PRODUCTS.items()}


def _address_points(items: list[dict]) -> dict[tuple[float, float], list[str]]:
    """The products of the facts at each address point (same position, as the viewer groups)."""
    out: dict[tuple[float, float], list[str]] = {}
    for f in items:
        lon, lat = f["geometry"]["coordinates"]
        out.setdefault((round(lon, 6), round(lat, 6)), []).append(f["properties"]["PRODUCT"])
    return out
