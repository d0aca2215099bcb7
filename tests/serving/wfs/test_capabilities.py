"""GetCapabilities: schema-valid and truthful about what the service does."""

from __future__ import annotations

from publisher.serving.wfs.settings import COUNT_DEFAULT

from .conftest import NS, assert_valid


def caps(client, query: str = "SERVICE=WFS&REQUEST=GetCapabilities"):
    response = client.get(f"/wfs?{query}")
    assert response.status_code == 200, response.text
    return assert_valid(response.content)


def test_capabilities_validate_against_wfs_2_schema(client):
    root = caps(client)
    assert root.get("version") == "2.0.0"


def test_capabilities_list_both_feature_types_with_urn_crs_and_wgs84_box(client):
    root = caps(client)
    names = root.xpath("//wfs:FeatureType/wfs:Name/text()", namespaces=NS)
    assert names == ["POI:POI", "POI:Woningkwaliteitsbeleid"]
    ft = root.find("wfs:FeatureTypeList/wfs:FeatureType", NS)
    assert ft.findtext("wfs:DefaultCRS", namespaces=NS) == "urn:ogc:def:crs:EPSG::31370"
    others = [e.text for e in ft.findall("wfs:OtherCRS", NS)]
    assert "urn:ogc:def:crs:EPSG::4326" in others
    assert "urn:ogc:def:crs:EPSG::3812" in others
    lower = ft.findtext("ows:WGS84BoundingBox/ows:LowerCorner", namespaces=NS).split()
    upper = ft.findtext("ows:WGS84BoundingBox/ows:UpperCorner", namespaces=NS).split()
    lon0, lat0, lon1, lat1 = map(float, [*lower, *upper])
    assert 2.3 < lon0 < lon1 < 6.0
    assert 50.5 < lat0 < lat1 < 51.6


def test_capabilities_declare_paging_and_count_default_like_geoserver(client):
    root = caps(client)

    def constraint(name):
        return root.xpath(f"//ows:OperationsMetadata/ows:Constraint[@name='{name}']"
                          "/ows:DefaultValue/text()", namespaces=NS)

    assert constraint("ImplementsResultPaging") == ["TRUE"]
    assert constraint("CountDefault") == ["10000"]
    assert constraint("ImplementsTransactionalWFS") == ["FALSE"]


def test_capabilities_list_the_output_formats_getfeature_accepts(client):
    root = caps(client)
    formats = root.xpath("//ows:Operation[@name='GetFeature']/ows:Parameter"
                         "[@name='outputFormat']//ows:Value/text()", namespaces=NS)
    assert formats == ["application/gml+xml; version=3.2", "application/json", "text/csv"]
    for fmt in formats:
        r = client.get("/wfs", params={"SERVICE": "WFS", "VERSION": "2.0.0",
                                       "REQUEST": "GetFeature", "TYPENAMES": "POI:POI",
                                       "COUNT": "1", "OUTPUTFORMAT": fmt})
        assert r.status_code == 200, (fmt, r.text)


def test_capabilities_filter_capabilities_name_the_operators_we_evaluate(client):
    root = caps(client)
    spatial = root.xpath("//fes:SpatialOperator/@name", namespaces=NS)
    assert {"BBOX", "Intersects", "Within", "DWithin"} <= set(spatial)
    assert root.xpath("//fes:Constraint[@name='ImplementsSorting']/ows:DefaultValue/text()",
                      namespaces=NS) == ["TRUE"]


def test_capabilities_links_are_absolute_and_honour_forwarded_headers(client):
    response = client.get("/wfs?SERVICE=WFS&REQUEST=GetCapabilities",
                          headers={"X-Forwarded-Proto": "https",
                                   "X-Forwarded-Host": "geo.example.be"})
    root = assert_valid(response.content)
    hrefs = root.xpath("//ows:Get/@xlink:href", namespaces=NS)
    assert set(hrefs) == {"https://geo.example.be/wfs"}


def test_qgis_capabilities_with_and_without_version(client):
    for query in ("SERVICE=WFS&REQUEST=GetCapabilities&VERSION=2.0.0",
                  "SERVICE=WFS&REQUEST=GetCapabilities",
                  "service=wfs&request=getcapabilities&acceptversions=2.0.0,1.1.0"):
        caps(client, query)


def test_capabilities_by_post(client):
    body = (b'<wfs:GetCapabilities xmlns:wfs="http://www.opengis.net/wfs/2.0" '
            b'xmlns:ows="http://www.opengis.net/ows/1.1" service="WFS">'
            b"<ows:AcceptVersions><ows:Version>2.0.0</ows:Version></ows:AcceptVersions>"
            b"</wfs:GetCapabilities>")
    response = client.post("/wfs", content=body, headers={"Content-Type": "text/xml"})
    assert response.status_code == 200
    assert_valid(response.content)


def test_count_default_is_also_declared_in_the_getfeature_operation_for_gdal(client):
    """GDAL reads CountDefault only from the GetFeature operation's constraints."""
    root = caps(client)  # schema-valid with the constraint in the operation
    assert root.xpath("//ows:Operation[@name='GetFeature']/ows:Constraint"
                      "[@name='CountDefault']/ows:DefaultValue/text()",
                      namespaces=NS) == [str(COUNT_DEFAULT)]
