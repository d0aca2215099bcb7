"""WCAG checks with axe-core (vendored from npm by ``build.py``) and screenshots for a human eye.

axe runs in a context that bypasses the page's Content-Security-Policy (the policy forbids the
inline script Playwright injects; the page itself is unchanged). Every violation of impact
moderate or higher fails, in the states a citizen sees: the map, a popup, the list.
"""

from __future__ import annotations

import json

import pytest

from publisher.serving.viewer import build

SERIOUS = ("moderate", "serious", "critical")


def _axe(page) -> list[dict]:
    """The moderate-or-worse violations axe finds on the page as it is now (WCAG 2.x A/AA,
    best practices and the 24 px target size)."""
    page.add_script_tag(path=str(build.AXE))
    result = page.evaluate("""() => axe.run(document, {
        rules: {'target-size': {enabled: true}}, resultTypes: ['violations']})""")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in SERIOUS]


@pytest.fixture
def axe_page(browser, viewer_url):
    if not build.AXE.is_file():
        build.build()
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nl-BE",
                                  bypass_csp=True)
    page = context.new_page()
    page.goto(f"{viewer_url}/")
    page.wait_for_selector("body[data-geladen='ja']", timeout=20_000)
    yield page
    context.close()


def test_axe_finds_no_moderate_or_worse_violation_on_the_map_popup_and_list(axe_page,
                                                                            known_address):
    page = axe_page
    found = {"kaart": _axe(page)}
    search = page.get_by_role("combobox")
    search.fill(known_address["typed"])
    search.press("Enter")
    page.locator(".leaflet-popup-content .samenvatting").wait_for()
    found["popup"] = _axe(page)
    page.get_by_role("button", name="Lijst").click()
    found["lijst"] = _axe(page)
    assert found == {"kaart": [], "popup": [], "lijst": []}, json.dumps(found, indent=1)


@pytest.mark.parametrize("width, height", [(1366, 900), (390, 844)])
def test_screenshots_for_a_citizen(browser, viewer_url, known_address, artifacts, width,
                                   height):
    """Not an assertion of looks: pictures of the start, a result and the list to look at."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-BE")
    page = context.new_page()
    page.goto(f"{viewer_url}/")
    page.wait_for_selector("body[data-geladen='ja']", timeout=20_000)
    page.screenshot(path=str(artifacts / f"viewer-{width}-start.png"))
    search = page.get_by_role("combobox")
    search.fill(known_address["typed"])
    search.press("Enter")
    page.locator(".leaflet-popup-content .samenvatting").wait_for()
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / f"viewer-{width}-result.png"))
    page.get_by_role("button", name="Lijst").click()
    page.screenshot(path=str(artifacts / f"viewer-{width}-list.png"))
    context.close()
