"""Malformed requests get a schema-valid ExceptionReport with the right code and a 4xx."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import assert_ows_exception, wfs_get

EQ = ("<Filter><PropertyIsEqualTo><PropertyName>{}</PropertyName><Literal>x</Literal>"
      "</PropertyIsEqualTo></Filter>")

CORPUS = [
    # (params, exceptionCode, locator)
    ({"TYPENAMES": "POI:Nope"}, "InvalidParameterValue", "typeNames"),
    ({"TYPENAMES": "POI:POI", "FILTER": EQ.format("WACHTWOORD")}, "InvalidParameterValue",
     "filter"),
    ({"TYPENAMES": "POI:POI", "FILTER": "<Filter><PropertyIsEqualTo>"},
     "OperationParsingFailed", "filter"),
    ({"TYPENAMES": "POI:POI", "FILTER": "not xml"}, "OperationParsingFailed", "filter"),
    ({"TYPENAMES": "POI:POI", "FILTER": "<Filter><Foo/></Filter>"}, "OperationParsingFailed",
     "filter"),
    ({"TYPENAMES": "POI:POI", "SORTBY": "WACHTWOORD ASC"}, "InvalidParameterValue", "sortBy"),
    ({"TYPENAMES": "POI:POI", "SORTBY": "NAAM SIDEWAYS"}, "InvalidParameterValue", "sortBy"),
    ({"TYPENAMES": "POI:POI", "PROPERTYNAME": "NAAM,RIJKSREGISTERNUMMER"},
     "InvalidParameterValue", "propertyName"),
    ({"TYPENAMES": "POI:POI", "SRSNAME": "EPSG:28992"}, "InvalidParameterValue", "srsName"),
    ({"TYPENAMES": "POI:POI", "SRSNAME": "EPSG:abc"}, "InvalidParameterValue", "srsName"),
    ({"TYPENAMES": "POI:POI", "BBOX": "1,2,3"}, "InvalidParameterValue", "bbox"),
    ({"TYPENAMES": "POI:POI", "BBOX": "a,b,c,d"}, "InvalidParameterValue", "bbox"),
    ({"TYPENAMES": "POI:POI", "BBOX": "10,10,0,0"}, "InvalidParameterValue", "bbox"),
    ({"TYPENAMES": "POI:POI", "BBOX": "0,0,1,1,EPSG:9999"}, "InvalidParameterValue", "bbox"),
    ({"TYPENAMES": "POI:POI", "COUNT": "-1"}, "InvalidParameterValue", "count"),
    ({"TYPENAMES": "POI:POI", "COUNT": "ten"}, "InvalidParameterValue", "count"),
    ({"TYPENAMES": "POI:POI", "STARTINDEX": "-5"}, "InvalidParameterValue", "startIndex"),
    ({"TYPENAMES": "POI:POI", "RESULTTYPE": "everything"}, "InvalidParameterValue",
     "resultType"),
    ({"TYPENAMES": "POI:POI", "OUTPUTFORMAT": "application/x-shapefile"},
     "InvalidParameterValue", "outputFormat"),
    ({"TYPENAMES": "POI:POI", "CQL_FILTER": "PRODUCT ==== x"}, "InvalidParameterValue",
     "CQL_FILTER"),
    ({"TYPENAMES": "POI:POI", "CQL_FILTER": "WACHTWOORD = 'x'"}, "InvalidParameterValue",
     "filter"),
    ({}, "MissingParameterValue", "typeNames"),
    ({"TYPENAMES": "POI:POI,POI:Woningkwaliteitsbeleid"}, "OptionNotSupported", "typeNames"),
]


@pytest.mark.parametrize(("params", "code", "locator"), CORPUS)
def test_malformed_getfeature_gets_the_right_exception(client, params, code, locator):
    assert_ows_exception(wfs_get(client, "GetFeature", **params), code, locator)


def test_wrong_version_is_version_negotiation_failed(client):
    response = client.get("/wfs?SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAMES=POI:POI")
    assert_ows_exception(response, "VersionNegotiationFailed", "version")
    response = client.get("/wfs?SERVICE=WFS&REQUEST=GetCapabilities&ACCEPTVERSIONS=1.0.0")
    assert_ows_exception(response, "VersionNegotiationFailed", "acceptVersions")


def test_missing_or_unknown_request(client):
    assert_ows_exception(client.get("/wfs?SERVICE=WFS"), "MissingParameterValue", "request")
    assert_ows_exception(client.get("/wfs?SERVICE=WFS&REQUEST=Transaction"),
                         "OperationNotSupported", "request")
    assert_ows_exception(client.get("/wfs?SERVICE=WFS&REQUEST=Dance"),
                         "OperationNotSupported", "request")
    assert_ows_exception(client.get("/wfs?SERVICE=WMS&REQUEST=GetCapabilities"),
                         "InvalidParameterValue", "service")


def test_broken_xml_post(client):
    for body in (b"<wfs:GetFeature", b"", b"<a><b></a>",
                 b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                 b"<x>&e;</x>"):
        response = client.post("/wfs", content=body, headers={"Content-Type": "text/xml"})
        assert_ows_exception(response, "OperationParsingFailed", "request")
        assert "root:" not in response.text


def test_xml_post_unknown_operation_and_unknown_type(client):
    response = client.post("/wfs", content=b'<wfs:Transaction xmlns:wfs="http://www.opengis.net/'
                                           b'wfs/2.0" service="WFS" version="2.0.0"/>')
    assert_ows_exception(response, "OperationNotSupported", "request")
    response = client.post("/wfs", content=b'<wfs:GetFeature xmlns:wfs="http://www.opengis.net/'
                                           b'wfs/2.0" service="WFS" version="2.0.0"><wfs:Query '
                                           b'typeNames="POI:Nope"/></wfs:GetFeature>')
    assert_ows_exception(response, "InvalidParameterValue", "typeNames")


def test_describefeaturetype_of_an_unknown_type(client):
    response = wfs_get(client, "DescribeFeatureType", TYPENAMES="POI:Personen")
    assert_ows_exception(response, "InvalidParameterValue", "typeNames")


def test_getpropertyvalue_needs_a_known_valuereference(client):
    assert_ows_exception(wfs_get(client, "GetPropertyValue", TYPENAMES="POI:POI"),
                         "MissingParameterValue", "valueReference")
    assert_ows_exception(wfs_get(client, "GetPropertyValue", TYPENAMES="POI:POI",
                                 VALUEREFERENCE="NOPE"), "InvalidParameterValue",
                         "valueReference")


KEYS = st.sampled_from(["TYPENAMES", "TYPENAME", "COUNT", "STARTINDEX", "SRSNAME", "BBOX",
                        "FILTER", "SORTBY", "PROPERTYNAME", "RESULTTYPE", "OUTPUTFORMAT",
                        "RESOURCEID", "CQL_FILTER", "VALUEREFERENCE", "NAMESPACES",
                        "STOREDQUERY_ID", "ID", "VERSION", "MAXFEATURES"])
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["POI:POI", "POI", "-1", "0", "1e9", "EPSG:4326", "urn:ogc:def:crs:EPSG::",
                     "1,2,3,4", "1,2,3,4,EPSG:4326", "<Filter/>", "<Filter><And/></Filter>",
                     "NAAM DESC", "hits", "application/json", "text/csv", "(", ")", "'",
                     "<Filter><PropertyIsLike><PropertyName>NAAM</PropertyName><Literal>a"
                     "</Literal></PropertyIsLike></Filter>", "POID IN ()", "BBOX(SHAPE,1,2)",
                     "<Filter><ResourceId/></Filter>", "xmlns(a,b)"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(KEYS, VALUES, max_size=5),
       request=st.sampled_from(["GetFeature", "GetPropertyValue", "DescribeFeatureType",
                                "GetCapabilities", "DescribeStoredQueries"]))
def test_random_kvp_never_gives_a_server_error(client, params, request):
    response = client.get("/wfs", params={"SERVICE": "WFS", "REQUEST": request, **params})
    assert response.status_code < 500, (params, response.text[:500])
    if response.status_code >= 400:
        assert "<ows:ExceptionReport" in response.text
        assert "Traceback" not in response.text
