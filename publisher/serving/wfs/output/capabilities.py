"""GetCapabilities: a truthful WFS 2.0 capabilities document.

Clients believe what it says (GDAL pages by ``CountDefault`` when ``ImplementsResultPaging``
is TRUE; QGIS offers the listed CRSs and formats), so every constraint and operator listed
here is one the tests exercise, and the rest are declared FALSE.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import numpy as np
import shapely
from shapely.geometry import box

from publisher.downloads.catalog import CATALOG_PATH
from publisher.publication.render import GML_NS, POI_NS
from publisher.serving.crs import ADVERTISED, parse_crs
from publisher.serving.wfs.featuretypes import FeatureType
from publisher.serving.wfs.output.gml import WFS_NS, WFS_XSD
from publisher.serving.wfs.settings import (
    COUNT_DEFAULT,
    PROVIDER,
    SERVICE_ABSTRACT,
    SERVICE_TITLE,
)

MEDIA_TYPE = "application/xml; charset=utf-8"
OWS = "http://www.opengis.net/ows/1.1"
FES = "http://www.opengis.net/fes/2.0"
OUTPUT_FORMATS = ("application/gml+xml; version=3.2", "application/json", "text/csv")
_CONSTRAINTS = {
    "ImplementsBasicWFS": True, "ImplementsTransactionalWFS": False,
    "ImplementsLockingWFS": False, "KVPEncoding": True, "XMLEncoding": True,
    "SOAPEncoding": False, "ImplementsInheritance": False, "ImplementsRemoteResolve": False,
    "ImplementsResultPaging": True, "ImplementsStandardJoins": False,
    "ImplementsSpatialJoins": False, "ImplementsTemporalJoins": False,
    "ImplementsFeatureVersioning": False, "ManageStoredQueries": False,
}
_FES_CONFORMANCE = {
    "ImplementsQuery": True, "ImplementsAdHocQuery": True, "ImplementsFunctions": False,
    "ImplementsResourceId": True, "ImplementsMinStandardFilter": True,
    "ImplementsStandardFilter": True, "ImplementsMinSpatialFilter": True,
    "ImplementsSpatialFilter": True, "ImplementsMinTemporalFilter": False,
    "ImplementsTemporalFilter": False, "ImplementsVersionNav": False,
    "ImplementsSorting": True, "ImplementsExtendedOperators": False,
    "ImplementsMinimumXPath": False, "ImplementsSchemaElementFunc": False,
}
COMPARISON = ("PropertyIsEqualTo", "PropertyIsNotEqualTo", "PropertyIsLessThan",
              "PropertyIsGreaterThan", "PropertyIsLessThanOrEqualTo",
              "PropertyIsGreaterThanOrEqualTo", "PropertyIsLike", "PropertyIsNull",
              "PropertyIsNil", "PropertyIsBetween")
SPATIAL = ("BBOX", "Equals", "Disjoint", "Intersects", "Touches", "Crosses", "Within",
           "Contains", "Overlaps", "DWithin", "Beyond")
OPERANDS = ("gml:Envelope", "gml:Point", "gml:LineString", "gml:Polygon", "gml:MultiPoint",
            "gml:MultiCurve", "gml:MultiSurface")


def _constraint(name: str, value: bool | int, ns: str = "ows") -> str:
    text = str(value).upper() if isinstance(value, bool) else str(value)
    return (f'<{ns}:Constraint name="{name}"><ows:NoValues/>'
            f"<ows:DefaultValue>{text}</ows:DefaultValue></{ns}:Constraint>")


def _parameter(name: str, values: tuple[str, ...]) -> str:
    allowed = "".join(f"<ows:Value>{escape(v)}</ows:Value>" for v in values)
    return f'<ows:Parameter name="{name}"><ows:AllowedValues>{allowed}</ows:AllowedValues>' \
           "</ows:Parameter>"


def _operation(name: str, url: str, params: str = "") -> str:
    href = quoteattr(url)
    return (f'<ows:Operation name="{name}"><ows:DCP><ows:HTTP><ows:Get xlink:href={href}/>'
            f"<ows:Post xlink:href={href}/></ows:HTTP></ows:DCP>{params}</ows:Operation>")


def _wgs84_box(extent: list[float]) -> str:
    geom = shapely.segmentize(box(*extent), 1000.0)
    lonlat = parse_crs("CRS84").from_native(shapely.get_coordinates(geom))
    lo, hi = np.floor(lonlat.min(axis=0) * 1e6) / 1e6, np.ceil(lonlat.max(axis=0) * 1e6) / 1e6
    return (f"<ows:WGS84BoundingBox><ows:LowerCorner>{lo[0]:.6f} {lo[1]:.6f}</ows:LowerCorner>"
            f"<ows:UpperCorner>{hi[0]:.6f} {hi[1]:.6f}</ows:UpperCorner>"
            "</ows:WGS84BoundingBox>")


def _feature_type(ft: FeatureType, extent: list[float] | None, catalog: str) -> str:
    crs = f"<wfs:DefaultCRS>{ADVERTISED[0]}</wfs:DefaultCRS>" + "".join(
        f"<wfs:OtherCRS>{c}</wfs:OtherCRS>" for c in ADVERTISED[1:])
    formats = "".join(f"<wfs:Format>{f}</wfs:Format>" for f in OUTPUT_FORMATS)
    return (f"<wfs:FeatureType><wfs:Name>{ft.name}</wfs:Name>"
            f"<wfs:Title>{escape(ft.title)}</wfs:Title>{crs}"
            f"<wfs:OutputFormats>{formats}</wfs:OutputFormats>"
            + (_wgs84_box(extent) if extent else "")
            + f'<wfs:MetadataURL xlink:href="{escape(catalog)}"/></wfs:FeatureType>')


def capabilities(url: str, types: list[tuple[FeatureType, list[float] | None]]) -> bytes:
    """The capabilities document; ``types`` are the published types with their extents.

    Each feature type's ``MetadataURL`` is the DCAT-AP catalogue served beside the WFS.
    """
    catalog = url.split("?", 1)[0].rstrip("/").removesuffix("/wfs") + CATALOG_PATH
    ops = "".join((
        _operation("GetCapabilities", url, _parameter("AcceptVersions", ("2.0.0",))
                   + _parameter("AcceptFormats", ("text/xml",))),
        _operation("DescribeFeatureType", url, _parameter("outputFormat",
                                                          ("application/gml+xml; version=3.2",))),
        # GDAL reads CountDefault only here (GeoServer declares it in both places): without
        # it GDAL pages by 100 instead of COUNT_DEFAULT. OWS 1.1: Parameters, then Constraints.
        _operation("GetFeature", url, _parameter("outputFormat", OUTPUT_FORMATS)
                   + _parameter("resultType", ("results", "hits"))
                   + _constraint("CountDefault", COUNT_DEFAULT)),
        _operation("GetPropertyValue", url,
                   _parameter("outputFormat", ("application/gml+xml; version=3.2",))
                   + _parameter("resultType", ("results", "hits"))),
        _operation("ListStoredQueries", url),
        _operation("DescribeStoredQueries", url),
    ))
    constraints = "".join(_constraint(k, v) for k, v in _CONSTRAINTS.items())
    constraints += _constraint("CountDefault", COUNT_DEFAULT)
    constraints += ('<ows:Constraint name="QueryExpressions"><ows:AllowedValues>'
                    "<ows:Value>wfs:Query</ows:Value><ows:Value>wfs:StoredQuery</ows:Value>"
                    "</ows:AllowedValues></ows:Constraint>")
    fes_conf = "".join(_constraint(k, v, "fes") for k, v in _FES_CONFORMANCE.items())
    filter_caps = (
        f"<fes:Filter_Capabilities><fes:Conformance>{fes_conf}</fes:Conformance>"
        '<fes:Id_Capabilities><fes:ResourceIdentifier name="fes:ResourceId"/>'
        "</fes:Id_Capabilities><fes:Scalar_Capabilities><fes:LogicalOperators/>"
        "<fes:ComparisonOperators>"
        + "".join(f'<fes:ComparisonOperator name="{c}"/>' for c in COMPARISON)
        + "</fes:ComparisonOperators></fes:Scalar_Capabilities><fes:Spatial_Capabilities>"
        "<fes:GeometryOperands>"
        + "".join(f'<fes:GeometryOperand name="{o}"/>' for o in OPERANDS)
        + "</fes:GeometryOperands><fes:SpatialOperators>"
        + "".join(f'<fes:SpatialOperator name="{s}"/>' for s in SPATIAL)
        + "</fes:SpatialOperators></fes:Spatial_Capabilities></fes:Filter_Capabilities>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<wfs:WFS_Capabilities version="2.0.0" xmlns:wfs="{WFS_NS}" xmlns:ows="{OWS}" '
        f'xmlns:fes="{FES}" xmlns:gml="{GML_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'xmlns:POI="{POI_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{WFS_NS} {WFS_XSD}">'
        f"<ows:ServiceIdentification><ows:Title>{escape(SERVICE_TITLE)}</ows:Title>"
        f"<ows:Abstract>{escape(SERVICE_ABSTRACT)}</ows:Abstract>"
        "<ows:ServiceType>WFS</ows:ServiceType>"
        "<ows:ServiceTypeVersion>2.0.0</ows:ServiceTypeVersion>"
        "<ows:Fees>NONE</ows:Fees><ows:AccessConstraints>Modellicentie voor gratis "
        "hergebruik; bron: Wonen-Vlaanderen</ows:AccessConstraints>"
        "</ows:ServiceIdentification>"
        f"<ows:ServiceProvider><ows:ProviderName>{escape(PROVIDER)}</ows:ProviderName>"
        "<ows:ServiceContact/></ows:ServiceProvider>"
        f"<ows:OperationsMetadata>{ops}{_parameter('version', ('2.0.0',))}"
        f"{constraints}</ows:OperationsMetadata>"
        "<wfs:FeatureTypeList>"
        + "".join(_feature_type(ft, extent, catalog) for ft, extent in types)
        + "</wfs:FeatureTypeList>"
        + filter_caps
        + "</wfs:WFS_Capabilities>\n"
    ).encode()
