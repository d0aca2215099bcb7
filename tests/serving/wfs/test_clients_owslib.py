"""OWSLib's WFS 2.0 client as a second opinion (its 2.0 support has known gaps)."""

from __future__ import annotations

from lxml import etree
from owslib.fes2 import Filter, PropertyIsEqualTo
from owslib.wfs import WebFeatureService

from .conftest import NS


def product_filter(product: str) -> str:
    return etree.tostring(Filter(PropertyIsEqualTo(propertyname="PRODUCT",
                                                   literal=product)).toXML()).decode()


def members(response) -> list[etree._Element]:
    return etree.fromstring(response.read()).findall("wfs:member/POI:POI", NS)


def test_owslib_reads_contents_crs_and_bbox(server):
    wfs = WebFeatureService(server, version="2.0.0", timeout=60)
    assert list(wfs.contents) == ["POI:POI", "POI:Woningkwaliteitsbeleid"]
    poi = wfs.contents["POI:POI"]
    assert "urn:ogc:def:crs:EPSG::31370" in [c.getcodeurn() for c in poi.crsOptions]
    lon0, lat0, lon1, lat1 = poi.boundingBoxWGS84[:4]
    assert 2 < lon0 < lon1 < 6 and 50 < lat0 < lat1 < 52


def test_owslib_getfeature_without_filter_pages_by_count(server):
    wfs = WebFeatureService(server, version="2.0.0", timeout=60)
    assert len(members(wfs.getfeature(typename=["POI:POI"], maxfeatures=5))) == 5


def test_owslib_getfeature_with_filter_by_post(server, poi_meta):
    wfs = WebFeatureService(server, version="2.0.0", timeout=60)
    got = members(wfs.getfeature(typename=["POI:POI"], method="POST",
                                 filter=product_filter("RegisterHerstelvorderingen")))
    assert len(got) == poi_meta["counts"]["RegisterHerstelvorderingen"]


def test_owslib_getfeature_with_filter_by_get(server, poi_meta):
    # OWSLib disagrees with the standard and GDAL here: its GET getfeature sends the FES
    # filter in a non-standard ``query`` parameter (GDAL and the WFS 2.0 KVP encoding use
    # FILTER). GeoServer would ignore it and return everything; we accept it as FILTER.
    wfs = WebFeatureService(server, version="2.0.0", timeout=60)
    got = members(wfs.getfeature(typename=["POI:POI"],
                                 filter=product_filter("RegisterHerstelvorderingen")))
    assert len(got) == poi_meta["counts"]["RegisterHerstelvorderingen"]


def test_owslib_stored_query_getfeaturebyid(server, poi_db):
    poid = poi_db.execute("SELECT POID FROM poi ORDER BY fid LIMIT 1").fetchone()[0]
    wfs = WebFeatureService(server, version="2.0.0", timeout=60)
    assert [q.id for q in wfs.storedqueries] == ["urn:ogc:def:query:OGC-WFS::GetFeatureById"]
    response = wfs.getfeature(storedQueryID="urn:ogc:def:query:OGC-WFS::GetFeatureById",
                              storedQueryParams={"ID": f"POI.{poid}"})
    root = etree.fromstring(response.read())
    assert root.findtext("POI:POID", namespaces=NS) == poid
