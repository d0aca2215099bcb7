"""The WFS over a PostGIS publication answers exactly as over the same GeoPackage one."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import numpy as np
import pytest
from lxml import etree
from pyproj import Transformer

from .helpers import NS, assert_valid, normalised, wfs

needs_gdal = pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="gdal-bin missing")
PAGE = {"TYPENAMES": "POI:POI", "COUNT": "100", "STARTINDEX": "200"}
GML_POINT = '<gml:Point gml:id="x" srsName="urn:ogc:def:crs:EPSG::31370"><gml:pos>{}</gml:pos>'


def _same(pg, gp, request: str, **params: str) -> bytes:
    a, b = wfs(pg, request, **params), wfs(gp, request, **params)
    assert a.status_code == b.status_code == 200, (a.status_code, a.text[:500])
    assert a.headers["content-type"] == b.headers["content-type"]
    assert normalised(a.content, str(pg.base_url).rstrip("/")) == \
        normalised(b.content, str(gp.base_url).rstrip("/"))
    return a.content


def _matched(client, **params: str) -> int:
    r = wfs(client, "GetFeature", TYPENAMES="POI:POI", RESULTTYPE="hits", **params)
    assert r.status_code == 200, r.text[:500]
    return int(etree.fromstring(r.content).get("numberMatched"))


@pytest.mark.parametrize("fmt", [None, "application/json"])
def test_getfeature_page_is_byte_identical_to_the_geopackage_one(pg, gp, fmt):
    params = {**PAGE, **({"OUTPUTFORMAT": fmt} if fmt else {})}
    body = _same(pg, gp, "GetFeature", **params)
    if fmt is None:
        root = assert_valid(body, pg)
        assert root.get("numberReturned") == "100"
        assert len(root.findall("wfs:member", NS)) == 100


@pytest.mark.parametrize("params", [
    {"SRSNAME": "urn:ogc:def:crs:EPSG::4326"},
    {"SRSNAME": "EPSG:3812", "OUTPUTFORMAT": "csv"},
    {"PROPERTYNAME": "POID,PRODUCT,SHAPE"},
    {"SORTBY": "POSTCODE DESC,STRAAT"},
    {"RESULTTYPE": "hits"},
    {"TYPENAMES": "POI:Woningkwaliteitsbeleid", "COUNT": "5", "STARTINDEX": "3"},
    {"TYPENAMES": "POI:Woningkwaliteitsbeleid", "COUNT": "5", "OUTPUTFORMAT": "application/json"},
])
def test_other_getfeature_shapes_are_identical(pg, gp, params):
    _same(pg, gp, "GetFeature", **{**PAGE, **params})


def test_metadata_operations_are_identical(pg, gp):
    assert_valid(_same(pg, gp, "GetCapabilities"), pg)
    _same(pg, gp, "DescribeFeatureType", TYPENAMES="POI:POI")
    _same(pg, gp, "ListStoredQueries")
    _same(pg, gp, "DescribeStoredQueries")


def test_getpropertyvalue_and_stored_query(pg, gp):
    _same(pg, gp, "GetPropertyValue", TYPENAMES="POI:POI", VALUEREFERENCE="POSTCODE",
          COUNT="50")
    first = etree.fromstring(wfs(pg, "GetFeature", TYPENAMES="POI:POI", COUNT="1").content)
    gid = first.find("wfs:member/*", NS).get("{http://www.opengis.net/gml/3.2}id")
    body = _same(pg, gp, "GetFeature", STOREDQUERY_ID=
                 "urn:ogc:def:query:OGC-WFS::GetFeatureById", ID=gid)
    assert gid.encode() in body
    missing = wfs(pg, "GetFeature", STOREDQUERY_ID=
                  "urn:ogc:def:query:OGC-WFS::GetFeatureById", ID="POI.nope")
    assert missing.status_code == 404


FES = "http://www.opengis.net/fes/2.0"
GML = "http://www.opengis.net/gml/3.2"


def _fes(body: str) -> str:
    return f'<fes:Filter xmlns:fes="{FES}" xmlns:gml="{GML}">{body}</fes:Filter>'


@pytest.mark.parametrize("body", [
    "<fes:PropertyIsEqualTo><fes:ValueReference>PRODUCT</fes:ValueReference>"
    "<fes:Literal>Conformiteitsattest</fes:Literal></fes:PropertyIsEqualTo>",
    '<fes:PropertyIsLike wildCard="*" singleChar="." escapeChar="!">'
    "<fes:ValueReference>STRAAT</fes:ValueReference><fes:Literal>K*</fes:Literal>"
    "</fes:PropertyIsLike>",
    '<fes:PropertyIsLike wildCard="*" singleChar="." escapeChar="!" matchCase="false">'
    "<fes:ValueReference>GEMEENTE</fes:ValueReference><fes:Literal>*GE.T*</fes:Literal>"
    "</fes:PropertyIsLike>",
    "<fes:PropertyIsGreaterThan><fes:ValueReference>POSTCODE</fes:ValueReference>"
    "<fes:Literal>8500</fes:Literal></fes:PropertyIsGreaterThan>",
    "<fes:BBOX><fes:ValueReference>SHAPE</fes:ValueReference><gml:Envelope "
    'srsName="urn:ogc:def:crs:EPSG::31370"><gml:lowerCorner>100000 150000</gml:lowerCorner>'
    "<gml:upperCorner>160000 200000</gml:upperCorner></gml:Envelope></fes:BBOX>",
    "<fes:Intersects><fes:ValueReference>SHAPE</fes:ValueReference><gml:Polygon gml:id='p' "
    'srsName="urn:ogc:def:crs:EPSG::31370"><gml:exterior><gml:LinearRing><gml:posList>'
    "100000 150000 170000 150000 170000 210000 100000 150000</gml:posList></gml:LinearRing>"
    "</gml:exterior></gml:Polygon></fes:Intersects>",
    "<fes:DWithin><fes:ValueReference>SHAPE</fes:ValueReference><gml:Point gml:id='q' "
    'srsName="urn:ogc:def:crs:EPSG::31370"><gml:pos>150000 190000</gml:pos></gml:Point>'
    '<fes:Distance uom="m">20000</fes:Distance></fes:DWithin>',
    "<fes:Not><fes:Disjoint><fes:ValueReference>SHAPE</fes:ValueReference>"
    '<gml:Envelope srsName="urn:ogc:def:crs:EPSG::4326"><gml:lowerCorner>50.9 3.6'
    "</gml:lowerCorner><gml:upperCorner>51.2 4.0</gml:upperCorner></gml:Envelope>"
    "</fes:Disjoint></fes:Not>",
])
def test_fes_filters_match_the_same_features(pg, gp, body):
    n = _matched(pg, FILTER=_fes(body))
    assert n == _matched(gp, FILTER=_fes(body))
    assert n > 0
    page = {**PAGE, "FILTER": _fes(body), "STARTINDEX": "0", "COUNT": "30"}
    _same(pg, gp, "GetFeature", **page)


def test_resource_id_and_bbox_parameters(pg, gp):
    root = etree.fromstring(wfs(pg, "GetFeature", TYPENAMES="POI:POI", COUNT="3").content)
    ids = [m.get(f"{{{GML}}}id") for m in root.findall("wfs:member/*", NS)]
    flt = _fes("".join(f'<fes:ResourceId rid="{i}"/>' for i in ids))
    assert _matched(pg, FILTER=flt) == _matched(gp, FILTER=flt) == 3
    box = "3.6,50.9,4.0,51.2,EPSG:4326"
    assert _matched(pg, BBOX=box) == _matched(gp, BBOX=box) > 0


def test_product_filter_count_is_the_published_count(pg, poi_meta):
    flt = _fes("<fes:PropertyIsEqualTo><fes:ValueReference>PRODUCT</fes:ValueReference>"
               "<fes:Literal>Conformiteitsattest</fes:Literal></fes:PropertyIsEqualTo>")
    assert _matched(pg, FILTER=flt) > 0
    assert _matched(pg) == poi_meta["features"]


@pytest.mark.parametrize("params", [
    {"REQUEST": "GetFeature", "TYPENAMES": "POI:Nope"},
    {"REQUEST": "GetFeature", "TYPENAMES": "POI:POI", "COUNT": "-1"},
    {"REQUEST": "GetFeature", "TYPENAMES": "POI:POI", "FILTER": "<fes:Filter"},
    {"REQUEST": "GetFeature", "TYPENAMES": "POI:POI", "SORTBY": "NOPE"},
    {"REQUEST": "GetFeature", "TYPENAMES": "POI:POI", "SRSNAME": "EPSG:999999"},
    {"REQUEST": "GetFeature", "TYPENAMES": "POI:POI", "BBOX": "1,2,x,4"},
    {"REQUEST": "GetFeature", "TYPENAMES": "POI:POI", "FILTER": _fes(
        "<fes:PropertyIsEqualTo><fes:ValueReference>NOPE</fes:ValueReference>"
        "<fes:Literal>1</fes:Literal></fes:PropertyIsEqualTo>")},
    {"REQUEST": "Nope"},
])
def test_malformed_requests_get_a_4xx_exception_report(pg, gp, params):
    params = {"SERVICE": "WFS", "VERSION": "2.0.0", **params}
    a, b = pg.get("/wfs", params=params), gp.get("/wfs", params=params)
    assert 400 <= a.status_code < 500, a.text[:300]
    assert a.status_code == b.status_code
    assert a.content == b.content
    assert_valid(a.content, pg)


# -- GDAL -----------------------------------------------------------------------------------

def _ogr2ogr(tmp_path, url: str, *args: str, name: str = "out.gpkg") -> sqlite3.Connection:
    out = tmp_path / name
    cmd = ["ogr2ogr", "-f", "GPKG", str(out), f"WFS:{url}", "POI:POI", "-nln", "copy",
           "--config", "OGR_WFS_PAGE_SIZE", "1000", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return sqlite3.connect(out)


def _xy(db: sqlite3.Connection) -> dict[str, tuple[float, float]]:
    out = {}
    for poid, blob in db.execute('SELECT POID, "geom" FROM copy'):
        env = (0, 32, 48, 48, 64)[(blob[3] >> 1) & 7]
        x, y = np.frombuffer(blob[8 + env + 5: 8 + env + 21], dtype="<f8")
        out[poid] = (float(x), float(y))
    return out


@needs_gdal
def test_gdal_copies_the_whole_layer_and_filters_by_product(tmp_path, pg_base, poi_meta):
    copy = _ogr2ogr(tmp_path, f"{pg_base}/wfs", "-lco", "GEOMETRY_NAME=geom")
    assert copy.execute("SELECT count(*), count(DISTINCT POID) FROM copy").fetchone() == (
        poi_meta["features"], poi_meta["features"])
    ca = _ogr2ogr(tmp_path, f"{pg_base}/wfs", "-where", "PRODUCT='Conformiteitsattest'",
                  name="ca.gpkg")
    (n,) = ca.execute("SELECT count(*) FROM copy").fetchone()
    assert n == _matched_product(pg_base, "Conformiteitsattest") > 0
    assert ca.execute("SELECT DISTINCT PRODUCT FROM copy").fetchall() == [
        ("Conformiteitsattest",)]
    wgs = _ogr2ogr(tmp_path, f"{pg_base}/wfs?SRSNAME=EPSG:4326", "-lco", "GEOMETRY_NAME=geom",
                   name="wgs.gpkg")
    lambert, lonlat = _xy(copy), _xy(wgs)
    assert lambert.keys() == lonlat.keys()
    keys = sorted(lambert)
    xy = np.array([lambert[k] for k in keys])
    lon, lat = Transformer.from_crs(31370, 4326, always_xy=True).transform(xy[:, 0], xy[:, 1])
    assert np.allclose(np.array([lonlat[k] for k in keys]), np.column_stack([lon, lat]),
                       atol=1e-6)


def _matched_product(base: str, product: str) -> int:
    import httpx

    with httpx.Client(base_url=base, timeout=60) as client:
        flt = _fes("<fes:PropertyIsEqualTo><fes:ValueReference>PRODUCT</fes:ValueReference>"
                   f"<fes:Literal>{product}</fes:Literal></fes:PropertyIsEqualTo>")
        return _matched(client, FILTER=flt)
