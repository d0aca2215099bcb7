"""The OGC API over a PostGIS publication answers as over the same GeoPackage one."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from .helpers import CRS84, EPSG, without_host_and_run

needs_gdal = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL not installed")


def _doc(client, path: str, **params: str) -> tuple[dict, dict]:
    r = client.get(f"/ogc{path}", params=params)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    return r.json(), dict(r.headers)


def _same(pg, gp, path: str, **params: str) -> dict:
    """JSON-equal once each server's own host is taken out of the links."""
    a, ha = _doc(pg, path, **params)
    b, hb = _doc(gp, path, **params)
    ta = without_host_and_run(json.dumps(a, sort_keys=True).encode(),
                              str(pg.base_url).rstrip("/"))
    tb = without_host_and_run(json.dumps(b, sort_keys=True).encode(),
                              str(gp.base_url).rstrip("/"))
    assert json.loads(ta).pop("timeStamp", None) is not None or True
    da, db = json.loads(ta), json.loads(tb)
    da.pop("timeStamp", None)
    db.pop("timeStamp", None)
    assert da == db
    assert ha.get("content-crs") == hb.get("content-crs")
    return a


@pytest.mark.parametrize("params", [
    {"limit": "100", "offset": "200"},
    {"limit": "50", "crs": f"{EPSG}31370"},
    {"limit": "50", "crs": f"{EPSG}4326", "offset": "7"},
    {"limit": "30", "bbox": "3.6,50.9,4.0,51.2"},
    {"limit": "30", "bbox": "100000,150000,160000,200000", "bbox-crs": f"{EPSG}31370"},
    {"limit": "30", "sortby": "-POSTCODE,STRAAT"},
    {"limit": "30", "properties": "POID,PRODUCT"},
    {"resulttype": "hits"},
])
def test_poi_items_pages_are_equal(pg, gp, params):
    doc = _same(pg, gp, "/collections/poi/items", **params)
    if params.get("resulttype") != "hits":
        assert doc["numberReturned"] > 0


@pytest.mark.parametrize("cid", ["conformiteitsattest", "herstelvorderingen",
                                 "woningkwaliteitsbeleid"])
def test_other_collections_are_equal(pg, gp, cid):
    _same(pg, gp, f"/collections/{cid}/items", limit="20", offset="3")
    _same(pg, gp, f"/collections/{cid}/queryables")
    _same(pg, gp, f"/collections/{cid}")


@pytest.mark.parametrize("cql", [
    "PRODUCT = 'Conformiteitsattest'",
    "STRAAT LIKE 'K%'",
    "CASEI(GEMEENTE) LIKE '%gent%'",
    "POSTCODE > '8500' AND PRODUCT <> 'RegisterHerstelvorderingen'",
    "POSTCODE IN ('9000', '2000', '3000') OR POSTCODE BETWEEN '1500' AND '1600'",
    "S_INTERSECTS(SHAPE, POLYGON((3.6 50.9, 4.2 50.9, 4.2 51.3, 3.6 50.9)))",
    "S_INTERSECTS(geometry, BBOX(3.6, 50.9, 4.0, 51.2))",
    "NOT S_INTERSECTS(geometry, BBOX(3.6, 50.9, 4.0, 51.2)) AND PRODUCT = 'Conformiteitsattest'",
])
def test_cql2_filters_count_the_same(pg, gp, cql):
    hits = _same(pg, gp, "/collections/poi/items", filter=cql, resulttype="hits")
    assert hits["numberMatched"] > 0
    _same(pg, gp, "/collections/poi/items", filter=cql, limit="25")


def test_single_item_is_equal(pg, gp):
    first, _ = _doc(pg, "/collections/poi/items", limit="1")
    poid = first["features"][0]["id"]
    _same(pg, gp, f"/collections/poi/items/{poid}")
    _same(pg, gp, f"/collections/poi/items/{poid}", crs=f"{EPSG}3812")
    assert pg.get("/ogc/collections/poi/items/does-not-exist").status_code == 404


def test_hits_match_the_published_count(pg, poi_meta):
    doc, headers = _doc(pg, "/collections/poi/items", resulttype="hits")
    assert doc["numberMatched"] == poi_meta["features"]
    assert headers["content-crs"] == f"<{CRS84}>"


@pytest.mark.parametrize("params", [
    {"filter": "PRODUCT = "},
    {"filter": "NOPE = 1"},
    {"bbox": "1,2,x,4"},
    {"bbox": "1,2,3,4", "bbox-crs": "EPSG:999"},
    {"crs": "http://www.opengis.net/def/crs/EPSG/0/999"},
    {"limit": "-3"},
    {"sortby": ","},
    {"filter": "POSTCODE = 'x' AND", "filter-lang": "cql2-text"},
])
def test_malformed_items_requests_get_a_400(pg, gp, params):
    a = pg.get("/ogc/collections/poi/items", params=params)
    b = gp.get("/ogc/collections/poi/items", params=params)
    assert 400 <= a.status_code < 500, a.text[:300]
    assert a.status_code == b.status_code
    assert "Traceback" not in a.text


@needs_gdal
def test_gdal_oapif_copies_every_feature_and_filters(pg, gp, pg_base, poi_meta, tmp_path):
    target = tmp_path / "poi.geojson"
    subprocess.run(["ogr2ogr", "-f", "GeoJSON", str(target), f"OAPIF:{pg_base}/ogc", "poi",
                    "-oo", "PAGE_SIZE=500"], capture_output=True, text=True, timeout=300,
                   check=True)
    ids = [f["properties"]["POID"] for f in json.loads(target.read_text())["features"]]
    assert len(ids) == len(set(ids)) == poi_meta["features"]
    out = subprocess.run(["ogrinfo", "-ro", "-so", f"OAPIF:{pg_base}/ogc", "poi", "-where",
                          "PRODUCT = 'Conformiteitsattest'"], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    hits = _same(pg, gp, "/collections/poi/items", filter="PRODUCT = 'Conformiteitsattest'",
                 resulttype="hits")
    assert f"Feature Count: {hits['numberMatched']}" in out
