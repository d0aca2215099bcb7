"""The OpenAPI document: valid JSON, limit default and maximum declared (GDAL reads them)."""

from __future__ import annotations


def test_openapi_is_json_and_declares_limit_default_and_maximum(ogc):
    r = ogc.get("/openapi", params={"f": "json"})
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.0")
    params = doc["paths"]["/collections/poi/items"]["get"]["parameters"]
    limit = next(p for p in params if p.get("name") == "limit")
    assert limit["schema"]["default"] == 100
    assert limit["schema"]["maximum"] == 10000
    assert any(p.get("name") == "filter" for p in params)


def test_openapi_lists_only_served_paths(ogc):
    paths = ogc.get("/openapi", params={"f": "json"}).json()["paths"]
    assert not any(p.startswith("/jobs") for p in paths)
    assert "/collections/woningkwaliteitsbeleid/items/{featureId}" in paths


def test_generated_config_is_valid_for_pygeoapi(publication_dir):
    from pygeoapi.config import validate_config

    from publisher.serving.ogcapi.config import build_config

    assert validate_config(build_config(publication_dir, "http://localhost:5000/ogc"))


def test_every_items_operation_declares_a_limit_gdal_can_page_by_a_thousand(ogc):
    # GDAL >= 3.8 reads the limit's default/maximum from here (GDAL #8566) and pages by
    # min(1000, maximum); GDAL 3.6 (Debian 12) pages by 10 unless -oo PAGE_SIZE is given.
    paths = ogc.get("/openapi", params={"f": "json"}).json()["paths"]
    items = {p: item for p, item in paths.items() if p.endswith("/items")}
    assert len(items) == 5
    for item in items.values():
        for method in ("get", "post"):
            limit = next(p for p in item[method]["parameters"] if p.get("name") == "limit")
            assert limit["schema"]["default"] == 100 and limit["schema"]["maximum"] >= 1000
