"""The GML application schema of a download, written from ``mappings/``.

One flat XSD per dataset, importing GML 3.2.1 only, simple built-in types, every property
optional (the renderer leaves nulls out) and the geometry last, in the order the fragments
are rendered. Widths are documented, not enforced: a schema that rejected a long street name
would make the whole file invalid for one feature, and the mapping width is what the
Shapefile keeps, not a promise about the source.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from publisher.mapping import Mapping
from publisher.publication.render import GML_NS, POI_NS

GML_SCHEMA = "http://schemas.opengis.net/gml/3.2.1/gml.xsd"
XSD_TYPES = {"string": "xsd:string", "integer": "xsd:long", "real": "xsd:double",
             "date": "xsd:date", "boolean": "xsd:boolean"}
GEOMETRY_TYPES = {"Point": "gml:PointPropertyType",
                  "MultiPolygon": "gml:MultiSurfacePropertyType"}


def application_schema(mapping: Mapping) -> bytes:
    """The XSD declaring ``POI:<layer>`` as a GML 3.2 feature with the mapping's fields."""
    type_name = mapping.layer
    elements = []
    for f in mapping.fields:
        width = f" Maximaal {f.width} tekens." if f.width else ""
        elements.append(
            f'      <xsd:element name="{f.name}" type="{XSD_TYPES[f.type]}" minOccurs="0" '
            f'nillable="true">\n        <xsd:annotation><xsd:documentation>'
            f"{escape(f.description)}{width} (Shapefile: {f.short})</xsd:documentation>"
            "</xsd:annotation>\n      </xsd:element>")
    elements.append(f'      <xsd:element name="{mapping.geometry_name}" '
                    f'type="{GEOMETRY_TYPES[mapping.geometry_type]}" minOccurs="0"/>')
    body = "\n".join(elements)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:gml="{GML_NS}"
  xmlns:POI="{POI_NS}" targetNamespace="{POI_NS}" elementFormDefault="qualified"
  version="{mapping.digest}">
  <xsd:import namespace="{GML_NS}" schemaLocation="{GML_SCHEMA}"/>
  <xsd:complexType name="{type_name}Type">
    <xsd:complexContent>
      <xsd:extension base="gml:AbstractFeatureType">
        <xsd:sequence>
{body}
        </xsd:sequence>
      </xsd:extension>
    </xsd:complexContent>
  </xsd:complexType>
  <xsd:element name="{type_name}" type="POI:{type_name}Type"
    substitutionGroup="gml:AbstractFeature"/>
</xsd:schema>
""".encode()
