"""Fixtures for the viewer: a live server with the viewer and lookup routes, and Chromium.

Chromium is Debian's ``/usr/bin/chromium`` driven by Playwright (never ``playwright install``).
Every request the page makes is recorded, so a test can prove nothing leaves 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from starlette.applications import Starlette

from publisher.serving import lookup, viewer
from publisher.serving.publications import PublicationReader
from publisher.serving.viewer import build

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"




@pytest.fixture(scope="session")
def serve(serve_app):
    """The session's ``serve_app`` under the name these tests use."""
    return serve_app


@pytest.fixture(scope="session")
def viewer_reader(publication_dir) -> PublicationReader:
    return PublicationReader(publication_dir)


@pytest.fixture(scope="session")
def viewer_url(serve, viewer_reader) -> Iterator[str]:
    """A live server with the viewer (and the lookup) over the demo publication."""
    if not build.is_built():  # the Makefile builds it; a fresh checkout builds it here once
        build.build()
    app = Starlette(routes=[*lookup.routes(viewer_reader), *viewer.routes(viewer_reader)])
    with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser(playwright) -> Iterator[object]:
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


@dataclass
class Recorder:
    """What a page asked for and complained about."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def _open(browser, viewer_url: str, recorder: Recorder, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-BE")
    page = context.new_page()
    page.on("request", lambda req: recorder.requests.append(req.url))
    page.on("console", lambda msg: msg.type == "error" and recorder.errors.append(msg.text))
    page.on("pageerror", lambda exc: recorder.errors.append(str(exc)))
    page.goto(f"{viewer_url}/")
    page.wait_for_selector("body[data-geladen='ja']", timeout=20_000)
    return context, page


@pytest.fixture
def page(browser, viewer_url, recorder) -> Iterator[object]:
    """The viewer loaded in a desktop-sized window, all markers in place."""
    context, page = _open(browser, viewer_url, recorder, 1280, 860)
    yield page
    context.close()


@pytest.fixture
def phone(browser, viewer_url, recorder) -> Iterator[object]:
    """The viewer on a phone-sized screen."""
    context, page = _open(browser, viewer_url, recorder, 390, 844)
    yield page
    context.close()


def _unfold(scope) -> int:
    """Open every folded section (``<details>``) under ``scope``; how many were opened."""
    folded = scope.locator("details:not([open]) > summary")
    opened = 0
    while folded.count() and opened < 50:
        folded.first.click()
        opened += 1
    return opened


@pytest.fixture(scope="session")
def unfold():
    """``unfold(locator)``: open the folded facts of a popup or list, as a reader clicks them."""
    return _unfold


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def known_address(viewer_reader) -> dict:
    """A published dwelling with an inventory entry (VIVOO) and a box number, from the demo."""
    row = viewer_reader.current("poi").connect().execute(
        'SELECT "STRAAT", "HUISNUMMER", "BUSNUMMER", "POSTCODE", "GEMEENTE", "POID" FROM poi '
        "WHERE \"PRODUCT\" = 'VlaamseInventarisOngeschikteOnbewoonbareWoningen' "
        "AND \"BUSNUMMER\" IS NOT NULL ORDER BY fid LIMIT 1").fetchone()
    s, n, b, p, g, poid = row
    return {"typed": f"{s} {n} bus {b}", "label": f"{s} {n} bus {b}, {p} {g}", "poid": poid}
