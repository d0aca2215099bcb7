"""Stored queries: GetFeatureById listed, described and answered with the bare feature."""

from __future__ import annotations

from .conftest import NS, assert_ows_exception, assert_valid, parse, wfs_get

BY_ID = "urn:ogc:def:query:OGC-WFS::GetFeatureById"


def test_list_stored_queries_is_valid_and_names_getfeaturebyid(client):
    root = assert_valid(wfs_get(client, "ListStoredQueries").content)
    assert root.xpath("wfs:StoredQuery/@id", namespaces=NS) == [BY_ID]


def test_describe_stored_queries_is_valid_with_an_id_parameter(client):
    for params in ({}, {"STOREDQUERY_ID": BY_ID}):
        root = assert_valid(wfs_get(client, "DescribeStoredQueries", **params).content)
        assert root.xpath("//wfs:Parameter/@name", namespaces=NS) == ["ID"]


def test_getfeaturebyid_returns_the_bare_feature_valid_against_our_schema(client, poi_db):
    poid = poi_db.execute("SELECT POID FROM poi ORDER BY fid LIMIT 1").fetchone()[0]
    for ident in (f"POI.{poid}", poid):
        response = wfs_get(client, "GetFeature", STOREDQUERY_ID=BY_ID, ID=ident)
        assert response.status_code == 200
        root = assert_valid(response.content, client)
        assert root.tag == "{https://geo.api.vlaanderen.be/POI}POI"
        assert root.get("{http://www.opengis.net/gml/3.2}id") == f"POI.{poid}"


def test_getfeaturebyid_of_a_municipality_policy(client):
    response = wfs_get(client, "GetFeature", STOREDQUERY_ID=BY_ID,
                       ID="Woningkwaliteitsbeleid.44021")
    root = assert_valid(response.content, client)
    assert root.findtext("POI:GEMEENTE", namespaces=NS) == "Gent"


def test_getfeaturebyid_unknown_is_not_found(client):
    response = wfs_get(client, "GetFeature", STOREDQUERY_ID=BY_ID, ID="POI.nope")
    assert_ows_exception(response, "NotFound", "ID", status=404)


def test_unknown_stored_query_is_invalid(client):
    response = wfs_get(client, "GetFeature", STOREDQUERY_ID="urn:x:nope", ID="1")
    assert_ows_exception(response, "InvalidParameterValue", "storedQuery_Id")


def test_getfeaturebyid_by_post(client, poi_db):
    poid = poi_db.execute("SELECT POID FROM poi ORDER BY fid LIMIT 1").fetchone()[0]
    body = (f'<wfs:GetFeature service="WFS" version="2.0.0" '
            f'xmlns:wfs="http://www.opengis.net/wfs/2.0"><wfs:StoredQuery id="{BY_ID}">'
            f'<wfs:Parameter name="ID">POI.{poid}</wfs:Parameter></wfs:StoredQuery>'
            "</wfs:GetFeature>")
    response = client.post("/wfs", content=body)
    assert parse(response.content).findtext("POI:POID", namespaces=NS) == poid
