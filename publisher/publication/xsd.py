"""The one GML application schema writer: ``POI:*`` feature types from ``mappings/``.

WFS DescribeFeatureType and the GML downloads give clients this same document, so a layer has
one schema wherever it is read. Flat on purpose: QGIS does not follow ``xsd:include``, so it
imports GML 3.2.1 only and uses concrete geometry property types (``gml:PointPropertyType``,
``gml:MultiSurfacePropertyType``) that GDAL and QGIS map to a geometry column. Every property
is optional (the renderer leaves nulls out), the geometry last, in the order the fragments are
rendered. Strings carry the mapping's width as ``maxLength``, which clients use to size their
columns: the extract quarantines a value longer than its width, so published data conforms.
Each property is documented in Dutch, with its Shapefile name.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from publisher.mapping import Field, Mapping
from publisher.publication.render import GML_NS, POI_NS

GML_SCHEMA = "http://schemas.opengis.net/gml/3.2.1/gml.xsd"
XSD_TYPES = {"string": "xsd:string", "integer": "xsd:integer", "real": "xsd:double",
             "date": "xsd:date", "boolean": "xsd:boolean"}
GEOMETRY_TYPES = {"point": "gml:PointPropertyType",
                  "multipolygon": "gml:MultiSurfacePropertyType"}


def _documentation(f: Field) -> str:
    width = f" Maximaal {f.width} tekens." if f.type == "string" and f.width else ""
    return (f"<xsd:annotation><xsd:documentation>{escape(f.description)}{width} "
            f"(Shapefile: {escape(f.short)})</xsd:documentation></xsd:annotation>")


def _element(f: Field) -> str:
    head = f'<xsd:element name="{f.name}" minOccurs="0" maxOccurs="1" nillable="true"'
    if f.type == "string" and f.width:
        return (f"{head}>{_documentation(f)}<xsd:simpleType>"
                '<xsd:restriction base="xsd:string">'
                f'<xsd:maxLength value="{f.width}"/></xsd:restriction></xsd:simpleType>'
                "</xsd:element>")
    return f'{head} type="{XSD_TYPES[f.type]}">{_documentation(f)}</xsd:element>'


def _feature_type(mapping: Mapping) -> str:
    name = mapping.layer
    fields = "\n      ".join(_element(f) for f in mapping.fields)
    geometry = GEOMETRY_TYPES[mapping.geometry_type.lower()]
    return (f'  <xsd:complexType name="{name}Type"><xsd:complexContent>'
            '<xsd:extension base="gml:AbstractFeatureType"><xsd:sequence>\n'
            f"      {fields}\n"
            f'      <xsd:element name="{mapping.geometry_name}" type="{geometry}" '
            'minOccurs="0" maxOccurs="1" nillable="true"/>\n'
            "  </xsd:sequence></xsd:extension></xsd:complexContent></xsd:complexType>\n"
            f'  <xsd:element name="{name}" type="POI:{name}Type" '
            'substitutionGroup="gml:AbstractFeature"/>\n')


def application_schema(mappings: Sequence[Mapping], version: str) -> bytes:
    """The XSD declaring each mapping's ``POI:<layer>`` as a GML 3.2 feature type.

    ``version`` is the schema's version attribute (the mappings' digest for a download).
    """
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:gml="{GML_NS}" '
        f'xmlns:POI="{POI_NS}" targetNamespace={quoteattr(POI_NS)} '
        f'elementFormDefault="qualified" version={quoteattr(version)}>\n'
        f'  <xsd:import namespace="{GML_NS}" schemaLocation="{GML_SCHEMA}"/>\n'
        + "".join(_feature_type(m) for m in mappings)
        + "</xsd:schema>\n"
    ).encode()
