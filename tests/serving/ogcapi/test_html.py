"""The /ogc HTML pages: Dutch, self-contained, accessible (issue 13).

Pygeoapi's templates are overridden by ours (``publisher/serving/ogcapi/templates``, set as
``server.templates`` by :mod:`publisher.serving.ogcapi.config`). In Debian's Chromium every page
is opened with every request recorded: none may leave 127.0.0.1, none may log an error, each has
a Dutch ``<title>``, and axe-core finds no violation of impact moderate or higher.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest

from publisher.serving.app import create_app
from publisher.serving.ogcapi.config import TEMPLATES
from publisher.serving.viewer import build

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SERIOUS = ("moderate", "serious", "critical")
SERVICE = "Woningkwaliteit in Vlaanderen (VLOK)"

#: path → what the page's <title> starts with (the service name follows).
PAGES = {
    "/ogc": "Startpagina OGC API",
    "/ogc/collections?f=html": "Collecties",
    "/ogc/collections/poi?f=html": "Woningkwaliteit - publieke feiten (POI)",
    "/ogc/collections/poi/items?f=html": "Objecten van Woningkwaliteit",
    "/ogc/collections/poi/queryables?f=html": "Filtereigenschappen van",
    "/ogc/collections/poi/schema?f=html": "Schema van",
    "/ogc/conformance?f=html": "Conformiteitsklassen",
    "/ogc/openapi?f=html": "Bewerkingen van de API",
}


@pytest.fixture(scope="module")
def item_path(ogc) -> str:
    """The HTML page of the first POI."""
    first = ogc.get("/collections/poi/items", params={"f": "json", "limit": 1}).json()
    return f"/ogc/collections/poi/items/{first['features'][0]['id']}?f=html"


@pytest.fixture(scope="module")
def browser(playwright) -> Iterator[object]:
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


class Visit:
    """A page opened in Chromium, with every request and error it caused."""

    def __init__(self, browser, base: str) -> None:
        self.base = base
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1366, "height": 900},
                                           locale="nl-BE")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _route(self, route) -> None:
        url = route.request.url
        self.requests.append(url)
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:  # recorded and refused: the test fails, and never waits for the network
            self.outside.append(url)
            route.abort()

    def open(self, path: str):
        response = self.page.goto(self.base + path, wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return response

    def axe(self) -> list[dict]:
        """Moderate-or-worse violations (WCAG 2.x A/AA, best practices, 24 px targets)."""
        self.page.add_script_tag(path=str(build.AXE))
        result = self.page.evaluate("""() => axe.run(document, {
            rules: {'target-size': {enabled: true}}, resultTypes: ['violations']})""")
        return [{"id": v["id"], "impact": v["impact"],
                 "nodes": [n["target"] for n in v["nodes"]][:5]}
                for v in result["violations"] if v["impact"] in SERIOUS]


@pytest.fixture
def visit(browser, ogc_base) -> Iterator[Visit]:
    v = Visit(browser, ogc_base)
    yield v
    v.context.close()


def _check(visit: Visit, path: str, title_start: str) -> dict:
    response = visit.open(path)
    assert response.status == 200, path
    assert response.headers["content-type"].startswith("text/html")
    page = visit.page
    if "/items" in path:
        page.locator(".leaflet-container path.leaflet-interactive").first.wait_for()
    if "/openapi" in path:
        page.locator("#bewerkingen table").wait_for()
    title = page.title()
    assert title.startswith(title_start) and title.endswith(SERVICE + " - publieke feiten"), title
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("main").count() == 1
    assert page.locator("h1").count() == 1
    return {"outside": visit.outside, "errors": visit.errors, "axe": visit.axe(),
            "requests": len(visit.requests)}


@pytest.mark.parametrize("path", list(PAGES))
def test_page_is_dutch_self_contained_and_accessible(visit, path):
    found = _check(visit, path, PAGES[path])
    assert found["requests"] >= 1
    assert (found["outside"], found["errors"], found["axe"]) == ([], [], []), \
        json.dumps(found, indent=1)


def test_item_page_is_dutch_self_contained_and_accessible(visit, item_path):
    visit.open(item_path)
    visit.page.locator("#item-map path.leaflet-interactive").wait_for()
    found = _check(visit, item_path, "")
    assert (found["outside"], found["errors"], found["axe"]) == ([], [], []), \
        json.dumps(found, indent=1)


def test_items_map_shows_every_feature_of_the_page_with_local_leaflet(visit, ogc):
    page_json = ogc.get("/collections/poi/items", params={"f": "json", "limit": 10}).json()
    visit.open("/ogc/collections/poi/items?f=html&limit=10")
    page = visit.page
    page.locator("#items-map path.leaflet-interactive").first.wait_for()
    assert page.evaluate("typeof L") == "object"
    assert page.locator("#items-map path.leaflet-interactive").count() == \
        page_json["numberReturned"] == page.locator("main tbody tr").count()
    assert any(u.endswith("/static/vendor/leaflet/leaflet.js") for u in visit.requests)
    # the last drawn is on top: points of one building stack, and only the top one is hit
    page.locator("#items-map path.leaflet-interactive").last.click()
    link = page.locator(".leaflet-popup-content a")
    assert re.search(r"/ogc/collections/poi/items/[^/?]+\?f=html$", link.get_attribute("href"))
    assert page.get_by_label("Aantal per pagina").input_value() == "10"


def test_page_size_and_paging_keep_the_other_parameters(visit):
    visit.open("/ogc/collections/poi/items?f=html&limit=10&PRODUCT=Conformiteitsattest")
    page = visit.page
    nxt = page.get_by_role("link", name="Volgende pagina")
    href = nxt.get_attribute("href")
    assert "PRODUCT=Conformiteitsattest" in href and "offset=10" in href, href
    page.get_by_label("Aantal per pagina").select_option("100")
    page.get_by_role("button", name="Toon").click()
    page.wait_for_url(re.compile(r"limit=100"))
    assert "PRODUCT=Conformiteitsattest" in page.url
    assert visit.errors == []


def test_an_error_page_is_dutch_and_self_contained(visit):
    response = visit.open("/ogc/collections/poi/items/bestaat-niet?f=html")
    assert response.status == 404
    assert visit.page.title().startswith("Fout")
    assert visit.page.locator("html").get_attribute("lang") == "nl"
    assert visit.outside == []
    assert visit.axe() == []


class _Loads(HTMLParser):
    """Every URL a page loads by itself: scripts, stylesheets, icons, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("rel") in ("stylesheet", "icon", "shortcut icon",
                                              "preload", "modulepreload") and a.get("href"):
            self.urls.append(a["href"])


@pytest.mark.parametrize("path", [*PAGES, "/ogc/collections/poi/items/bestaat-niet?f=html"])
def test_the_html_references_only_this_server(ogc, ogc_base, path):
    """Without a browser: the page's own assets all come from the server that served it."""
    response = ogc.get(path.removeprefix("/ogc") or "/", headers={"Accept": "text/html"})
    parser = _Loads()
    parser.feed(response.text)
    assert parser.urls
    assert [u for u in parser.urls if not u.startswith(ogc_base + "/")] == []
    assert "unpkg.com" not in response.text and "cdn" not in response.text.lower()


def test_the_templates_are_ours_and_every_pygeoapi_page_extends_our_base():
    assert (TEMPLATES / "_base.html").is_file()
    ours = {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")}
    assert {"_base.html", "landing_page.html", "conformance.html", "exception.html",
            "collections/index.html", "collections/collection.html",
            "collections/queryables.html", "collections/schema.html",
            "collections/items/index.html", "collections/items/item.html",
            "openapi/swagger.html", "openapi/redoc.html"} <= ours


def test_two_public_urls_in_one_process_each_get_their_own_html_links(publication_dir,
                                                                     serve_app):
    """pygeoapi caches the translated config per locale process-wide; our pages must not."""
    with serve_app(create_app(publication_dir)) as first, \
            serve_app(create_app(publication_dir)) as second:
        for base in (first, second, first):
            page = httpx.get(f"{base}/ogc?f=html", timeout=30).text
            assert f"{base}/ogc" in page
            other = second if base == first else first
            assert f"{other}/ogc" not in page
