"""DescribeFeatureType: one flat XSD generated from ``mappings/`` (names, types, widths).

Flat on purpose: QGIS does not follow ``xsd:include``, so the document imports GML 3.2.1 only
and uses concrete geometry property types (``gml:PointPropertyType``,
``gml:MultiSurfacePropertyType``) that GDAL and QGIS map to a geometry column.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from publisher.publication.render import GML_NS, POI_NS
from publisher.serving.wfs.featuretypes import FeatureType

MEDIA_TYPE = "application/xml; charset=utf-8"
GML_XSD = "http://schemas.opengis.net/gml/3.2.1/gml.xsd"
_XSD_TYPES = {"string": "xsd:string", "integer": "xsd:integer", "real": "xsd:double",
              "date": "xsd:date", "boolean": "xsd:boolean"}
_GEOMETRY_TYPES = {"point": "gml:PointPropertyType",
                   "multipolygon": "gml:MultiSurfacePropertyType"}


def _element(name: str, kind: str, width: int | None) -> str:
    if kind == "string" and width:
        return (f'<xsd:element name="{name}" minOccurs="0" maxOccurs="1" nillable="true">'
                '<xsd:simpleType><xsd:restriction base="xsd:string">'
                f'<xsd:maxLength value="{width}"/></xsd:restriction></xsd:simpleType>'
                "</xsd:element>")
    return (f'<xsd:element name="{name}" type="{_XSD_TYPES[kind]}" minOccurs="0" '
            'maxOccurs="1" nillable="true"/>')


def _type(ft: FeatureType) -> str:
    fields = "".join(_element(f.name, f.type, f.width) for f in ft.mapping.fields)
    geometry = _GEOMETRY_TYPES[ft.mapping.geometry_type.lower()]
    name = ft.local_name
    return (f'<xsd:complexType name="{name}Type"><xsd:complexContent>'
            '<xsd:extension base="gml:AbstractFeatureType"><xsd:sequence>'
            f'{fields}<xsd:element name="{ft.geometry_name}" type="{geometry}" '
            'minOccurs="0" maxOccurs="1" nillable="true"/>'
            "</xsd:sequence></xsd:extension></xsd:complexContent></xsd:complexType>"
            f'<xsd:element name="{name}" type="POI:{name}Type" '
            'substitutionGroup="gml:AbstractFeature"/>')


def schema(types: tuple[FeatureType, ...]) -> bytes:
    """The XSD for ``types`` (all POI-namespace types share one target namespace)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:gml="{GML_NS}" '
        f'xmlns:POI="{POI_NS}" targetNamespace={quoteattr(POI_NS)} '
        'elementFormDefault="qualified" version="2.0.0">'
        f'<xsd:import namespace="{GML_NS}" schemaLocation="{GML_XSD}"/>'
        + "".join(_type(ft) for ft in types)
        + "</xsd:schema>\n"
    ).encode()
