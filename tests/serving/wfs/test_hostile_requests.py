"""The robustness findings of issue 11, one test each: clean 4xx, well-formed XML, bounded."""

from __future__ import annotations

import pytest
from lxml import etree

from publisher.serving.wfs import settings

from .conftest import KVP, assert_ows_exception, assert_valid, parse, wfs_get

FES = 'xmlns:fes="http://www.opengis.net/fes/2.0"'
WFS = 'xmlns:wfs="http://www.opengis.net/wfs/2.0"'


def eq(value: str) -> str:
    return ("<fes:PropertyIsEqualTo><fes:ValueReference>PRODUCT</fes:ValueReference>"
            f"<fes:Literal>{value}</fes:Literal></fes:PropertyIsEqualTo>")


def test_a_4301_digit_srsname_is_refused_with_a_truncated_echo(client):
    response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", SRSNAME="EPSG:" + "9" * 4301)
    assert_ows_exception(response, "InvalidParameterValue", "srsName")
    assert len(response.content) < 2_000


def test_startindex_past_the_documented_maximum_is_refused_not_overflowed(client):
    for value in ("9223372036854775808", str(settings.MAX_START_INDEX + 1), "9" * 5000):
        response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", STARTINDEX=value)
        assert_ows_exception(response, "InvalidParameterValue", "startIndex")
        assert len(response.content) < 2_000
    response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI",
                       STARTINDEX=str(settings.MAX_START_INDEX))
    root = assert_valid(response.content, client)
    assert root.get("numberReturned") == "0"


def test_a_huge_count_is_capped_at_count_default(client):
    response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", RESULTTYPE="hits")
    total = int(parse(response.content).get("numberMatched"))
    response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI",
                       COUNT="9223372036854775808", OUTPUTFORMAT="application/json")
    assert response.status_code == 200
    assert response.json()["numberReturned"] == min(total, settings.COUNT_DEFAULT)


@pytest.mark.parametrize(("params", "locator"), [
    ({"VERSION": "\x00"}, "version"),
    ({"VERSION": "2.0.0", "SRSNAME": "EPSG:\x01\x02\x1f"}, "srsName"),
    ({"VERSION": "2.0.0", "TYPENAMES": "POI:\x0b\ufffe"}, "typeNames"),
    ({"VERSION": "2.0.0", "RESULTTYPE": "\x00hits"}, "resultType"),
])
def test_control_characters_are_never_echoed_into_xml(client, params, locator):
    query = {"SERVICE": "WFS", "REQUEST": "GetFeature", "TYPENAMES": "POI:POI", **params}
    response = client.get("/wfs", params=query)
    assert response.status_code == 400
    etree.fromstring(response.content)  # well-formed, whatever was sent
    assert b"\x00" not in response.content
    assert_ows_exception(response, response.text.split('exceptionCode="')[1].split('"')[0],
                         locator)


def test_bbox_and_filter_together_are_refused(client):
    flt = f"<fes:Filter {FES}>{eq('Conformiteitsattest')}</fes:Filter>"
    response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", FILTER=flt,
                       BBOX="140000,180000,170000,220000")
    assert_ows_exception(response, "InvalidParameterValue", "bbox")
    response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", FILTER=flt,
                       RESOURCEID="POI.1")
    assert_ows_exception(response, "InvalidParameterValue", "resourceId")


@pytest.mark.parametrize("op", ["And", "Or"])
def test_one_operand_and_or_is_refused(client, op):
    flt = f"<fes:Filter {FES}><fes:{op}>{eq('Conformiteitsattest')}</fes:{op}></fes:Filter>"
    response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", FILTER=flt)
    assert_ows_exception(response, "OperationParsingFailed", "filter")
    assert "two operands" in response.text


@pytest.mark.parametrize("query", [
    "REQUEST=GetFeature&VERSION=2.0.0&TYPENAMES=POI:POI",
    "REQUEST=GetCapabilities",
    "SERVICE=&REQUEST=GetCapabilities",
])
def test_missing_service_is_refused_for_getfeature_and_getcapabilities(client, query):
    assert_ows_exception(client.get(f"/wfs?{query}"), "MissingParameterValue", "service")


@pytest.mark.parametrize("body", [
    b'<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs" service="WFS" version="2.0.0">'
    b'<wfs:Query typeNames="POI:POI"/></wfs:GetFeature>',
    b'<GetFeature service="WFS" version="2.0.0"><Query typeNames="POI:POI"/></GetFeature>',
    b'<x:GetCapabilities xmlns:x="urn:x" service="WFS"/>',
])
def test_post_body_outside_the_wfs_namespace_is_refused(client, body):
    response = client.post("/wfs", content=body, headers={"Content-Type": "text/xml"})
    assert_ows_exception(response, "OperationParsingFailed", "request")


def test_post_in_the_wfs_namespace_without_service_attribute_is_read_as_wfs(client):
    body = f'<wfs:GetCapabilities {WFS}/>'.encode()
    response = client.post("/wfs", content=body, headers={"Content-Type": "text/xml"})
    assert response.status_code == 200
    assert_valid(response.content)


def test_a_filter_nested_past_the_depth_limit_is_refused_naming_it(client):
    depth = settings.MAX_FILTER_DEPTH
    flt = (f"<fes:Filter {FES}>" + "<fes:Not>" * depth + eq("x") + "</fes:Not>" * depth
           + "</fes:Filter>")
    response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", FILTER=flt)
    assert_ows_exception(response, "InvalidParameterValue", "filter")
    assert f"{depth} levels" in response.text


def test_a_filter_with_too_many_terms_is_refused_naming_the_limit(client):
    term = "<PropertyIsNil><ValueReference>A</ValueReference></PropertyIsNil>"
    flt = f"<Filter><Or>{term * (settings.MAX_FILTER_TERMS + 1)}</Or></Filter>"
    assert len(flt) < settings.MAX_FILTER_CHARS
    response = client.post("/wfs", data={"SERVICE": "WFS", "VERSION": "2.0.0",
                                         "REQUEST": "GetFeature", "TYPENAMES": "POI:POI",
                                         "FILTER": flt})
    assert_ows_exception(response, "InvalidParameterValue", "filter")
    assert f"{settings.MAX_FILTER_TERMS} predicates" in response.text


def test_an_overlong_cql_filter_is_refused(client):
    cql = " OR ".join(["PRODUCT = 'x'"] * (settings.MAX_CQL_CHARS // 10))
    response = client.post("/wfs", data={"SERVICE": "WFS", "VERSION": "2.0.0",
                                         "REQUEST": "GetFeature", "TYPENAMES": "POI:POI",
                                         "CQL_FILTER": cql})
    assert_ows_exception(response, "InvalidParameterValue", "CQL_FILTER")


def test_an_oversized_post_body_is_413_with_an_exception_report(client):
    body = b"<wfs:GetFeature " + WFS.encode() + b">" + b" " * settings.MAX_BODY_BYTES
    response = client.post("/wfs", content=body, headers={"Content-Type": "text/xml"})
    assert_ows_exception(response, "NoApplicableCode", "request", status=413)
    assert str(settings.MAX_BODY_BYTES) in response.text


def test_an_overlong_url_is_414_with_an_exception_report(client):
    response = client.get(f"/wfs?{KVP}GetFeature&TYPENAMES=POI:POI&X="
                          + "a" * settings.MAX_URL_BYTES)
    assert_ows_exception(response, "NoApplicableCode", status=414)
    assert "POST" in response.text
