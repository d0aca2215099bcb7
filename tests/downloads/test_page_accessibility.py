"""/downloads in Debian's Chromium: axe-core finds no violation of impact moderate or higher.

axe-core is the copy the viewer's build vendors from npm (``publisher.serving.viewer.build``);
it is injected in a context that bypasses the page's Content-Security-Policy (the page itself
is unchanged). The page loads nothing from outside the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from starlette.applications import Starlette

from publisher.downloads import routes
from publisher.serving.viewer import build

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SERIOUS = ("moderate", "serious", "critical")


@pytest.fixture(scope="module")
def base(exported, published, serve_app) -> Iterator[str]:
    with serve_app(Starlette(routes=routes(published))) as url:
        yield url


@pytest.fixture(scope="module")
def page(base, playwright) -> Iterator[tuple[object, list[str]]]:
    outside: list[str] = []

    def route(r) -> None:
        if urlsplit(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    context = browser.new_context(viewport={"width": 1366, "height": 900},
                                  locale="nl-BE", bypass_csp=True)
    context.route("**/*", route)
    page = context.new_page()
    response = page.goto(f"{base}/downloads/", wait_until="load")
    assert response.status == 200
    yield page, outside
    browser.close()


def test_axe_finds_no_moderate_or_worse_violation_on_downloads(page):
    tab, outside = page
    tab.add_script_tag(path=str(build.AXE))
    result = tab.evaluate("""() => axe.run(document, {
        rules: {'target-size': {enabled: true}}, resultTypes: ['violations']})""")
    found = [{"id": v["id"], "impact": v["impact"],
              "nodes": [n["target"] for n in v["nodes"]][:5]}
             for v in result["violations"] if v["impact"] in SERIOUS]
    assert found == []
    assert outside == []


def test_the_field_glossary_is_plain_dutch(page):
    tab, _ = page
    text = tab.locator("main").inner_text()
    assert "Huisnummer, zoals in het adressenregister." in text
    assert "House number" not in text and "Municipality" not in text
