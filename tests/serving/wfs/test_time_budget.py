"""The per-request time budget: 503 with Retry-After instead of a held worker (issue 11)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from publisher.serving.wfs import routes, settings

from .conftest import assert_ows_exception, parse

FES = 'xmlns:fes="http://www.opengis.net/fes/2.0"'
LIKE = (f'<fes:Filter {FES}><fes:PropertyIsLike wildCard="*" singleChar="?" escapeChar="\\">'
        "<fes:ValueReference>STRAAT</fes:ValueReference><fes:Literal>*a*</fes:Literal>"
        "</fes:PropertyIsLike></fes:Filter>")


@pytest.fixture(scope="module")
def spent(reader, serve_app) -> Iterator[str]:
    """A real server whose WFS has no time left for any query (a budget of 0 s)."""
    with serve_app(Starlette(routes=routes(reader, time_budget=0.0))) as base:
        yield f"{base}/wfs"


def test_a_request_past_its_time_budget_gets_503_with_retry_after(spent):
    response = httpx.get(spent, params={"SERVICE": "WFS", "VERSION": "2.0.0",
                                        "REQUEST": "GetFeature", "TYPENAMES": "POI:POI",
                                        "RESULTTYPE": "hits", "FILTER": LIKE}, timeout=10)
    assert_ows_exception(response, "NoApplicableCode", status=503)
    assert response.headers["Retry-After"] == str(settings.RETRY_AFTER_SECONDS)
    assert "time budget" in response.text


def test_the_budget_covers_the_work_before_the_first_byte_only(spent):
    """An unfiltered page needs no counting query: it streams even with no budget left."""
    response = httpx.get(spent, params={"SERVICE": "WFS", "VERSION": "2.0.0",
                                        "REQUEST": "GetFeature", "TYPENAMES": "POI:POI",
                                        "COUNT": "5"}, timeout=10)
    assert response.status_code == 200
    root = parse(response.content)
    assert root.get("numberReturned") == "5"

