"""OGC API items on a GeoPackage publication share the WFS time budget: 503, not a held worker."""

from __future__ import annotations

from publisher.serving.wfs import settings as wfs_settings

SCAN = {"filter": "STRAAT LIKE '%a%' OR GEMEENTE LIKE '%e%'", "limit": "10", "f": "json"}


def test_a_query_past_the_time_budget_answers_503_with_retry_after(ogc, monkeypatch):
    assert ogc.get("/collections/poi/items", params=SCAN).status_code == 200
    monkeypatch.setattr(wfs_settings, "TIME_BUDGET_SECONDS", 0.0)
    answer = ogc.get("/collections/poi/items", params=SCAN)
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"]
    assert "time budget" in answer.json()["description"]
    monkeypatch.setattr(wfs_settings, "TIME_BUDGET_SECONDS", 30.0)
    assert ogc.get("/collections/poi/items", params=SCAN).status_code == 200
