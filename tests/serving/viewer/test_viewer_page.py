"""The citizen map viewer in a real Chromium against the real server on 127.0.0.1."""

from __future__ import annotations

from urllib.parse import urlsplit

VIVOO = "VlaamseInventarisOngeschikteOnbewoonbareWoningen"
VIVOO_TITLE = "Ongeschikt of onbewoonbaar verklaard"


def _markers(page, code: str) -> int:
    """Markers and clusters of one product currently on the map."""
    return page.locator(f"#kaart .punt.{code}, #kaart .groep.{code}").count()


def _markers_appear(page, code: str, timeout_ms: int = 10_000) -> bool:
    """Whether markers of ``code`` are drawn within ``timeout_ms`` (redrawing is asynchronous:
    the viewer refetches the view's points before it rebuilds the markers)."""
    page.wait_for_function(
        "code => document.querySelectorAll(`#kaart .punt.${code}, #kaart .groep.${code}`)"
        ".length > 0", arg=code, timeout=timeout_ms)
    return True


def test_the_page_loads_without_errors_and_without_leaving_127_0_0_1(page, recorder, artifacts):
    assert page.title().startswith("Woningkwaliteit")
    assert _markers(page, "ca") > 0 and _markers(page, "vivoo") > 0 and _markers(page, "hv") > 0
    page.screenshot(path=str(artifacts / "viewer-start.png"))
    assert recorder.errors == []
    hosts = {urlsplit(u).hostname for u in recorder.requests if not u.startswith("data:")}
    assert hosts == {"127.0.0.1"}
    assert any("/static/vendor/leaflet/leaflet.js" in u for u in recorder.requests)


def test_the_legend_shows_each_layer_with_its_count(page, viewer_reader):
    counts = viewer_reader.current("poi").meta["counts"]
    for product, n in counts.items():
        shown = page.locator(f"[data-count='{product}']").inner_text()
        assert shown.replace(".", "") == str(n)


def test_turning_a_layer_off_removes_its_markers(page):
    assert _markers(page, "vivoo") > 0
    page.get_by_role("checkbox", name=VIVOO_TITLE).uncheck()
    assert _markers(page, "vivoo") == 0
    assert _markers(page, "ca") > 0
    page.get_by_role("checkbox", name=VIVOO_TITLE).check()
    assert _markers_appear(page, "vivoo")


def test_searching_an_address_opens_its_popup_with_the_product_text(page, known_address,
                                                                    artifacts, unfold):
    page.get_by_role("combobox").fill(known_address["typed"])
    option = page.get_by_role("option", name=known_address["label"])
    option.wait_for()
    option.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    unfold(popup)  # the facts are folded under the one-line summary
    text = popup.inner_text()
    assert known_address["label"] in text
    assert VIVOO_TITLE in text
    assert "Vlaamse inventaris van ongeschikte en onbewoonbare woningen" in text
    assert "Wat betekent dit voor u?" in text
    assert "23 november 2026" in text and "Wonen-Vlaanderen" in text
    page.wait_for_timeout(400)
    page.screenshot(path=str(artifacts / "viewer-popup.png"))


def test_the_list_view_shows_the_same_result_without_the_map(page, known_address, artifacts,
                                                            unfold):
    page.get_by_role("combobox").fill(known_address["typed"])
    page.get_by_role("option", name=known_address["label"]).click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    unfold(popup)
    popup_text = popup.inner_text()
    page.get_by_role("button", name="Lijst").click()
    unfold(page.locator("#resultaten"))
    assert page.locator("#kaart").is_hidden()
    items = page.locator("#resultaten > li")
    assert items.count() == 1
    list_text = items.first.inner_text()
    for line in popup_text.splitlines():
        assert line.strip() in list_text
    page.screenshot(path=str(artifacts / "viewer-list.png"))


def test_the_keyboard_alone_reaches_the_search_and_the_results(page, known_address):
    search = page.get_by_role("combobox")
    for _ in range(10):
        page.keyboard.press("Tab")
        if search.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the search box")
    page.keyboard.type(known_address["typed"], delay=5)
    page.get_by_role("option", name=known_address["label"]).wait_for()
    page.keyboard.press("ArrowDown")
    assert search.get_attribute("aria-activedescendant") == "suggestie-0"
    page.keyboard.press("Enter")
    page.locator(".leaflet-popup-content").wait_for()
    # On to the list view and its result, still by keyboard.
    focused = ""
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        if focused == "Lijst":
            break
    assert focused == "Lijst"
    page.keyboard.press("Enter")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('#resultaten')"):
            break
    else:
        raise AssertionError("Tab never reached the results")
    assert page.evaluate("document.activeElement.tagName") in ("A", "BUTTON", "SUMMARY")


def test_the_page_is_labelled_for_screen_readers(page):
    assert page.get_attribute("html", "lang") == "nl"
    assert page.get_by_role("search").count() == 1
    assert page.get_by_role("region", name="Kaart van Vlaanderen met de publieke feiten").count()
    assert page.get_by_label("Straat, huisnummer en gemeente").count() == 1
    cluster_or_marker = page.locator("#kaart .leaflet-marker-icon").first
    assert cluster_or_marker.get_attribute("aria-label") or \
        cluster_or_marker.get_attribute("title")


def test_service_urls_for_qgis_are_absolute(page, viewer_url):
    assert page.input_value("#wfs-url") == f"{viewer_url}/wfs"
    assert page.input_value("#ogc-url") == f"{viewer_url}/ogc"
    assert page.get_by_role("link", name="Downloads").get_attribute("href") == \
        f"{viewer_url}/downloads"


def test_the_viewer_fits_a_phone_screen(phone, recorder, artifacts):
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert phone.locator("#kaart").bounding_box()["width"] >= 380
    phone.screenshot(path=str(artifacts / "viewer-phone.png"), full_page=True)
    assert recorder.errors == []


def test_the_map_still_works_when_the_basemap_is_unreachable(browser, serve, viewer_reader,
                                                             monkeypatch, tmp_path):
    """A configured basemap that does not answer (here a closed loopback port) costs tiles only:
    the markers, the layers and the search keep working and no script error occurs."""
    from starlette.applications import Starlette

    from publisher.serving import lookup, viewer

    monkeypatch.setenv("VLOK_BASEMAP_URL", "http://127.0.0.1:9/grb/{z}/{x}/{y}.png")
    app = Starlette(routes=[*lookup.routes(viewer_reader), *viewer.routes(viewer_reader)])
    with serve(app) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        errors, tiles = [], []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", lambda req: "/grb/" in req.url and tiles.append(req.url))
        page.on("console", lambda msg: msg.type == "error"
                and "Failed to load resource" not in msg.text and errors.append(msg.text))
        page.goto(f"{url}/")
        page.wait_for_selector("body[data-geladen='ja']", timeout=20_000)
        assert tiles, "the configured basemap was not asked for tiles"
        assert _markers(page, "ca") > 0
        page.screenshot(path=str(tmp_path / "no-basemap.png"))
        context.close()
    assert errors == []


def test_the_page_never_loads_a_whole_product(page, recorder):
    """Every point request is bounded by the view; zoomed out, the server's clusters come first."""
    kaart = [u for u in recorder.requests if "/api/v1/kaart" in u and "gemeenten" not in u]
    assert kaart
    assert all("bbox=" in u for u in kaart), kaart
    assert any("/api/v1/kaart/clusters?" in u and "zoom=" in u for u in kaart)


def test_zoomed_out_the_map_draws_the_servers_clusters_not_every_point(browser, serve,
                                                                        viewer_reader,
                                                                        known_address):
    """With more points in view than the page loads (here 5, at Flanders scale 3,000), each
    product comes as a few counted clusters: small responses, counts that add up to the
    published totals, a click zooms in, and a searched address still opens its popup."""
    from starlette.applications import Starlette

    from publisher.serving import lookup, viewer

    counts = viewer_reader.current("poi").meta["counts"]
    assert min(counts.values()) > 5
    app = Starlette(routes=[*lookup.routes(viewer_reader),
                            *viewer.routes(viewer_reader, max_points=5)])
    with serve(app) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        errors, loads = [], []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        page.on("requestfinished", lambda req: "/api/v1/kaart" in req.url
                and "gemeenten" not in req.url and loads.append(req))
        page.goto(f"{url}/")
        page.wait_for_selector("body[data-geladen='ja']", timeout=20_000)
        initial = [(r.url, r.response().json()) for r in loads]
        assert {u.split("?")[0] for u, _ in initial} == {f"{url}/api/v1/kaart/clusters"}
        assert len(initial) == len(counts)
        for _, body in initial:  # a bounded number of features, each a cluster
            assert 0 < body["numberReturned"] <= 300
            assert all(f["properties"]["count"] >= 1 for f in body["features"])
        assert sum(r.sizes()["responseBodySize"] for r in loads) < 100_000
        for product, n in counts.items():  # the default view holds all of Flanders
            code = {"Conformiteitsattest": "ca", VIVOO: "vivoo"}.get(product, "hv")
            shown = page.locator(f"#kaart .groep.server.{code}")
            assert shown.count() > 0
            assert page.locator(f"#kaart .punt.{code}").count() == 0
            labels = shown.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
            assert sum(int(a.split(" ×")[0].split(": ")[-1].replace(".", ""))
                       for a in labels) == n
        # A click on a cluster zooms in: the next requests are for a higher zoom or points.
        zoom = int(initial[0][0].split("zoom=")[1])
        page.locator("#kaart .groep.server.ca").first.dispatch_event("click")
        for _ in range(100):
            if len(loads) > len(initial):
                break
            page.wait_for_timeout(50)
        after = loads[len(initial)].url
        assert "/api/v1/kaart?" in after or int(after.split("zoom=")[1]) > zoom
        page.get_by_role("combobox").fill(known_address["typed"])
        page.get_by_role("option", name=known_address["label"]).click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert known_address["label"] in popup.inner_text()
        page.wait_for_selector("#kaart .punt", timeout=10_000)  # its points, loaded around it
        assert known_address["label"] in popup.inner_text()
        assert any("/api/v1/kaart?" in r.url and "bbox=" in r.url for r in loads)
        context.close()
    assert errors == []
