"""The search box over the public address register, and the map's offline orientation.

In Debian's Chromium: a citizen types a municipality, a postcode, a deelgemeente, part of a
street or an abbreviation and gets it proposed in an ARIA combobox; chosen with the keyboard,
the map shows it. Without a basemap the map names municipalities and, in a city view, streets.
"""

from __future__ import annotations

import pytest

from publisher.serving.lookup.register import register_for

playwright = pytest.importorskip("playwright.sync_api")
expect = playwright.expect


@pytest.fixture(scope="module")
def gezelle(viewer_reader) -> tuple[str, str]:
    """A street with "Gezelle" in its name, and how the search labels it."""
    register = register_for(viewer_reader.current("poi"))
    naam, postcode, district, gemeente = register.db().execute(
        "SELECT naam, postcode, deelgemeente, gemeente FROM straat "
        "WHERE naam = 'Guido Gezellestraat' ORDER BY id LIMIT 1").fetchone()
    place = district if district == gemeente else f"{district} ({gemeente})"
    return naam, f"{naam}, {postcode} {place}"


def _type(page, text: str):
    """Type into the search box as a person does; the listbox it controls opens."""
    box = page.get_by_role("combobox")
    box.fill("")
    box.type(text, delay=20)
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    return box, listbox


def _choose(page, box, label: str) -> None:
    """Arrow down to the option labelled ``label`` and press Enter (the keyboard path)."""
    options = page.get_by_role("option")
    texts = options.all_inner_texts()
    index = next(i for i, t in enumerate(texts) if t.startswith(label))
    for _ in range(index + 1):
        box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    assert page.locator(f"#{active}").inner_text().startswith(label)
    box.press("Enter")


@pytest.mark.parametrize(("typed", "label"), [
    ("Antwerpen", "Antwerpen (gemeente)"),
    ("2170", "Merksem (2170 Antwerpen)"),
    ("Merksem", "Merksem (2170 Antwerpen)"),
])
def test_a_municipality_postcode_or_district_is_found_and_shown(page, typed, label):
    start = page.evaluate("() => document.querySelector('#kaart') && 1")
    assert start
    box, _ = _type(page, typed)
    expect(page.get_by_role("option").first).to_contain_text(label)
    expect(page.locator("#zoek-aantal")).to_contain_text("voorstel")  # said aloud, politely
    _choose(page, box, label)
    expect(page.locator("#zoek-status")).to_contain_text(f"{label} op de kaart")
    expect(box).to_have_attribute("aria-expanded", "false")
    assert page.get_by_role("listbox").is_hidden()


@pytest.mark.parametrize("typed", ["gezelle", "Gezellestr.", "guido gezelle str"])
def test_part_of_a_street_or_its_abbreviation_finds_it_then_a_number_finds_the_address(
        page, gezelle, typed):
    naam, label = gezelle
    box, _ = _type(page, typed)
    expect(page.get_by_role("listbox")).to_contain_text(label)
    _choose(page, box, label)
    expect(page.locator("#zoek-status")).to_contain_text("Typ nu het huisnummer")
    assert box.input_value().startswith(f"{naam} ,")
    box.type("1", delay=20)  # the caret waits after the street name
    assert box.input_value().startswith(f"{naam} 1,")
    expect(page.get_by_role("option").first).to_contain_text(f"{naam} 1")


def test_a_search_that_finds_nothing_closes_the_list_and_says_so(page):
    box, _ = _type(page, "Merksem")
    box.fill("Qwxzstraat 999")
    box.press("Enter")
    expect(page.locator("#zoek-status")).to_contain_text("Qwxzstraat 999")
    expect(box).to_have_attribute("aria-expanded", "false")
    assert page.locator(".leaflet-popup").count() == 0


def test_without_a_basemap_the_map_names_municipalities_then_streets(page, gezelle):
    towns = page.locator(".plaatsnaam")
    expect(towns.first).to_be_visible()
    assert "Antwerpen" in towns.all_inner_texts()
    naam, label = gezelle
    box, _ = _type(page, "gezelle")
    _choose(page, box, label)
    streets = page.locator(".straatnaam")
    expect(streets.first).to_be_visible(timeout=10_000)
    assert naam in streets.all_inner_texts()
    assert page.locator("path.straatlijn").count() >= 1
    assert page.locator(".plaatsnaam").count() == 0  # a city view names streets, not towns


def test_a_configured_basemap_replaces_the_names(browser, serve, viewer_reader, monkeypatch):
    from starlette.applications import Starlette

    from publisher.serving import lookup, viewer

    monkeypatch.setenv("VLOK_BASEMAP_URL", "http://127.0.0.1:9/grb/{z}/{x}/{y}.png")
    app = Starlette(routes=[*lookup.routes(viewer_reader), *viewer.routes(viewer_reader)])
    with serve(app) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.goto(f"{url}/")
        page.wait_for_selector("body[data-geladen='ja']", timeout=20_000)
        page.wait_for_timeout(500)
        assert page.locator(".plaatsnaam").count() == 0
        context.close()
