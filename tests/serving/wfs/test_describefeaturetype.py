"""DescribeFeatureType: one flat XSD from mappings/, usable by QGIS and GDAL."""

from __future__ import annotations

from lxml import etree

from publisher.mapping import load_mapping

from .conftest import KVP, NS, validate


def dft(client, query: str) -> etree._Element:
    response = client.get(f"/wfs?{KVP}DescribeFeatureType&{query}")
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    # The XSD itself is a valid schema that compiles with GML 3.2.1 resolved offline.
    etree.XMLSchema(etree.fromstring(response.content, validate.parser()))
    return root


def test_schema_is_flat_and_imports_gml_only(client):
    root = dft(client, "TYPENAMES=POI:POI")
    assert root.findall("xsd:include", NS) == []
    imports = root.findall("xsd:import", NS)
    assert [i.get("namespace") for i in imports] == ["http://www.opengis.net/gml/3.2"]
    assert root.get("targetNamespace") == "https://geo.api.vlaanderen.be/POI"


def test_poi_schema_lists_mapping_fields_in_order_with_point_geometry_last(client):
    root = dft(client, "TYPENAME=POI:POI")
    elements = root.findall(".//xsd:complexType[@name='POIType']//xsd:element", NS)
    names = [e.get("name") for e in elements]
    assert names == [*load_mapping("poi").names, "SHAPE"]
    assert elements[-1].get("type") == "gml:PointPropertyType"
    width = root.find(".//xsd:element[@name='POID']//xsd:maxLength", NS).get("value")
    assert width == str(load_mapping("poi").field("POID").width)


def test_policy_schema_uses_multisurface_and_typed_fields(client):
    root = dft(client, "TYPENAMES=Woningkwaliteitsbeleid")
    shape = root.find(".//xsd:element[@name='SHAPE']", NS)
    assert shape.get("type") == "gml:MultiSurfacePropertyType"
    assert root.find(".//xsd:element[@name='CA_VERPLICHT']", NS).get("type") == "xsd:boolean"
    assert root.find(".//xsd:element[@name='GELDIG_VANAF']", NS).get("type") == "xsd:date"


def test_without_typenames_every_type_is_described(client):
    root = dft(client, "")
    assert {e.get("name") for e in root.findall("xsd:element", NS)} == {
        "POI", "Woningkwaliteitsbeleid"}


def test_plain_poi_and_declared_namespace_prefix_are_accepted(client):
    dft(client, "TYPENAMES=POI")
    dft(client, "TYPENAMES=p:POI&NAMESPACES=xmlns(p,https://geo.api.vlaanderen.be/POI)")
