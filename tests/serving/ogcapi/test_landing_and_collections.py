"""Landing page, conformance and collections: what QGIS and GDAL need to list layers."""

from __future__ import annotations

from .conftest import CRS84, EPSG


def test_landing_page_links_service_desc_doc_conformance_and_data_absolutely(ogc, ogc_base):
    doc = ogc.get("/", params={"f": "json"}).json()
    rels = {link["rel"]: link["href"] for link in doc["links"]}
    for rel in ("service-desc", "service-doc", "conformance", "data", "self"):
        assert rels[rel].startswith(f"{ogc_base}/ogc"), rel
    assert ogc.get(rels["service-desc"]).status_code == 200
    assert ogc.get(rels["data"]).status_code == 200


def test_landing_page_without_trailing_slash_answers(ogc_base, ogc):
    assert ogc.get(f"{ogc_base}/ogc").status_code == 200


def test_conformance_declares_core_geojson_crs_and_filter(ogc):
    classes = ogc.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes


def test_collections_are_poi_the_three_products_and_the_policy(ogc):
    ids = {c["id"] for c in ogc.get("/collections").json()["collections"]}
    assert ids == {"poi", "conformiteitsattest", "vlaamse-inventaris", "herstelvorderingen",
                   "woningkwaliteitsbeleid"}


def test_collection_declares_storage_crs_and_every_served_crs(ogc):
    coll = ogc.get("/collections/poi").json()
    assert coll["storageCrs"] == f"{EPSG}31370"
    assert set(coll["crs"]) >= {CRS84, f"{EPSG}31370", f"{EPSG}3812", f"{EPSG}4326",
                                f"{EPSG}3857"}
    assert coll["extent"]["spatial"]["bbox"]


def test_html_pages_render(ogc):
    for path in ("/", "/collections", "/collections/poi", "/collections/poi/items",
                 "/collections/poi/queryables", "/openapi"):
        r = ogc.get(path, params={"f": "html"})
        assert r.status_code == 200, path
        assert "text/html" in r.headers["content-type"]
