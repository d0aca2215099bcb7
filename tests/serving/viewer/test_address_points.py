"""One marker per address point: stacked facts, absence, failed searches, in a real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from publisher.serving.viewer.texts import ABSENCE, ORDER, PRODUCTS

expect = pytest.importorskip("playwright.sync_api").expect

NO_DOT = "Geen stip betekent niet dat een woning in orde is"


@pytest.fixture(scope="module")
def stacked(viewer_reader) -> dict:
    """The demo's address point with the most kinds of facts, then the most facts."""
    db = viewer_reader.current("poi").connect()
    lon, lat = db.execute(
        'SELECT f.lon, f.lat FROM poi p JOIN poi_fragment f ON f.fid = p.fid '
        'GROUP BY f.lon, f.lat ORDER BY count(DISTINCT p."PRODUCT") DESC, count(*) DESC, '
        "min(p.fid) LIMIT 1").fetchone()
    rows = db.execute(
        'SELECT p."POID", p."PRODUCT", p."STRAAT", p."HUISNUMMER", p."POSTCODE", p."GEMEENTE" '
        "FROM poi p JOIN poi_fragment f ON f.fid = p.fid WHERE f.lon = ? AND f.lat = ?",
        (lon, lat)).fetchall()
    per_product = {name: sum(r[1] == name for r in rows) for name in ORDER}
    parts = []
    for name in ORDER:
        n = per_product[name]
        if n:
            t = PRODUCTS[name]
            parts.append(t["een"] if n == 1 else t["meer_dan_een"].format(n=n))
    _, _, straat, nr, postcode, gemeente = min(rows, key=lambda r: r[0])
    return {"label": f"{straat} {nr}, {postcode} {gemeente}", "poids": {r[0] for r in rows},
            "letters": "".join(PRODUCTS[p]["letter"] for p in ORDER if per_product[p]),
            "summary": " · ".join(parts)}


def _search(page, text: str) -> None:
    """Type an address and press Enter (the first suggestion is taken)."""
    search = page.get_by_role("combobox")
    search.fill(text)
    search.press("Enter")


def test_stacked_facts_share_one_marker_with_their_letters_and_a_count(page, stacked, unfold,
                                                                         artifacts):
    assert len(stacked["poids"]) >= 3 and len(stacked["letters"]) >= 2
    _search(page, stacked["label"])
    page.locator(".leaflet-popup-content .samenvatting").wait_for()
    marker = page.locator(f'#kaart .punt[aria-label*=": {stacked["label"]}:"]')
    marker.wait_for(timeout=10_000)
    assert marker.count() == 1  # one marker for the whole address point
    assert marker.locator(".letters").inner_text() == stacked["letters"]
    assert marker.locator(".badge").inner_text() == str(len(stacked["poids"]))
    box = marker.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    page.keyboard.press("Escape")
    popup = page.locator(".leaflet-popup-content")
    for _ in range(3):  # the view may refetch and redraw its markers under the click
        marker.click()
        try:
            popup.locator(".adres").wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    assert popup.locator(".adres").inner_text() == stacked["label"]
    assert popup.locator(".samenvatting").inner_text().endswith(stacked["summary"])
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "viewer-stacked-desktop.png"))
    unfold(popup)
    units = popup.locator(".eenheden li")
    assert {u.get_attribute("data-poid") for u in units.all()} == stacked["poids"]
    for unit in units.all():  # every fact can be scrolled to and read
        unit.scroll_into_view_if_needed()
        assert unit.is_visible()
    assert "Staat een woning op dit adres hier niet bij?" in popup.inner_text()
    assert "Toestand op 23 november 2026 · Bron: Wonen-Vlaanderen" in popup.inner_text()
    assert popup.get_by_role("link", name="Technische gegevens").count() == len(stacked["poids"])


def test_the_search_counts_every_fact_at_the_address_point(page, stacked):
    _search(page, stacked["label"])
    status = page.locator("#zoek-status")
    expect(status).to_contain_text("op dit adres")
    assert f"{len(stacked['poids'])} publieke feiten op dit adres" in status.inner_text()
    assert stacked["summary"] in status.inner_text()


def test_the_list_groups_by_address_sorted_by_municipality_street_number(page, stacked):
    page.get_by_role("button", name="Lijst").click()
    items = page.locator("#resultaten > li")
    items.first.wait_for()
    labels = [h.inner_text() for h in page.locator("#resultaten > li .adres").all()]
    assert len(labels) == len(set(labels)) > 10  # one item per address point

    def key(label: str) -> tuple:
        street_nr, place = label.rsplit(", ", 1)
        street, nr = street_nr.rsplit(" ", 1)
        digits = re.match(r"\d*", nr).group()
        return (place.split(" ", 1)[1].casefold(), street.casefold(), int(digits or 0), nr)

    assert labels == sorted(labels, key=key)
    _search(page, stacked["label"])
    expect(items).to_have_count(1)
    item = items.first
    assert item.locator(".adres").inner_text() == stacked["label"]
    assert item.locator(".samenvatting").inner_text().endswith(stacked["summary"])
    assert item.locator(".eenheden li").count() == len(stacked["poids"])


def test_an_address_without_facts_says_what_absence_means(page):
    """A found address with no public fact (mocked: the address register belongs to the
    lookup): the popup, the status and the list all say that no fact is not a clean record."""
    page.route("**/api/v1/adressen?*", lambda route: route.fulfill(json={
        "q": "x", "peildatum": "2026-11-23", "adressen": [{
            "label": "Zeedijk 999, 8400 Oostende", "adresid": "0", "lon": 2.62, "lat": 51.33,
            "features": []}]}))
    _search(page, "Zeedijk 999")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    expected = ABSENCE["geen_feiten"].format(adres="Zeedijk 999, 8400 Oostende",
                                             datum="23 november 2026")
    assert expected in popup.inner_text() and NO_DOT in popup.inner_text()
    assert "Bron: Wonen-Vlaanderen" in popup.inner_text()
    status = page.locator("#zoek-status").inner_text()
    assert expected in status and NO_DOT in status
    page.get_by_role("button", name="Lijst").click()
    assert expected in page.locator("#lijst-uitleg").inner_text()
    assert page.locator("#resultaten > li").count() == 0
    assert NO_DOT in page.locator("#geen-stip").inner_text()  # beside the legend, always


def test_a_failed_search_clears_the_previous_popup_and_status(page, known_address):
    _search(page, known_address["typed"])
    page.locator(".leaflet-popup-content").wait_for()
    _search(page, "Qwxzstraat 999")
    expected = ABSENCE["niet_gevonden"].format(zoekterm="Qwxzstraat 999")
    expect(page.locator("#zoek-status")).to_have_text(expected)
    assert page.locator(".leaflet-popup").count() == 0
    assert known_address["label"] not in page.locator("#zoek-status").inner_text()
    page.get_by_role("button", name="Lijst").click()
    assert known_address["label"] not in page.locator("#lijst").inner_text()


def test_on_a_phone_the_map_comes_first_and_the_result_scrolls_into_view(phone, known_address,
                                                                           artifacts):
    height = 844
    kaart = phone.locator("#kaart").bounding_box()
    assert kaart["y"] < height / 3 and kaart["y"] + kaart["height"] <= height
    assert kaart["y"] < phone.locator("#legende").bounding_box()["y"]
    phone.screenshot(path=str(artifacts / "viewer-phone-start.png"))
    phone.get_by_role("button", name="Lijst").click()
    _search(phone, known_address["typed"])
    expect(phone.locator("#resultaten > li")).to_have_count(1)
    result = phone.locator("#resultaten > li").first
    expect(result).to_contain_text("U zocht: " + known_address["label"])
    top = result.bounding_box()["y"]
    assert 0 <= top < height
    # "Toon op de kaart" from further down the page: the map and its popup come into view.
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    result.get_by_role("button", name="Toon op de kaart").click()
    popup = phone.locator(".leaflet-popup-content-wrapper")
    popup.wait_for()
    phone.wait_for_timeout(400)
    box = popup.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= height
    assert box["width"] <= 390
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(artifacts / "viewer-phone-result.png"))


def _focused(page) -> str:
    return page.evaluate("(document.activeElement.id || '') + '|' + "
                         "document.activeElement.className")


def test_the_skip_link_moves_focus_to_the_results_in_both_views(page, known_address):
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Ga naar de resultaten"
    page.keyboard.press("Enter")
    assert _focused(page).startswith("kaart|")  # map view, no popup: the map
    _search(page, known_address["typed"])
    page.locator(".leaflet-popup-content").wait_for()
    page.locator("a[data-naar=resultaten]").focus()
    page.keyboard.press("Enter")
    assert "leaflet-popup-content" in _focused(page)  # map view with a result: the result
    page.get_by_role("button", name="Lijst").click()
    page.locator("a[data-naar=resultaten]").focus()
    page.keyboard.press("Enter")
    assert _focused(page).startswith("resultaten-titel|")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('#resultaten')")


def test_clusters_and_markers_carry_letters_not_only_colour(page):
    letters = {t["code"]: t["letter"] for t in PRODUCTS.values()}
    icons = page.locator("#kaart .groep, #kaart .punt").evaluate_all(
        "els => els.map(e => [e.className, e.querySelector('.letters').textContent])")
    assert icons
    for classes, shown in icons:
        codes = [c for c in classes.split() if c in letters]
        assert sorted(shown) == sorted(letters[c] for c in codes), (classes, shown)
        if len(codes) == 1:
            continue
        assert "gemengd" in classes


def test_touch_targets_are_at_least_24_px(page):
    small = page.evaluate("""() => {
      // the place and street names (.orientatie) are labels, not targets: no pointer events
      const sel = 'button, input, select, summary, .leaflet-marker-icon:not(.orientatie), '
        + '.leaflet-control a, '
        + '#suggesties li, .skip';
      return [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null)
        .map(e => [e.id || e.className || e.tagName, e.getBoundingClientRect()])
        .filter(([, r]) => r.width < 24 || r.height < 24).map(([n, r]) =>
          n + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
    }""")
    assert small == []
