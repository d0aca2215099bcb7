"""ListStoredQueries / DescribeStoredQueries: the one mandatory stored query, GetFeatureById."""

from __future__ import annotations

from publisher.publication.render import POI_NS
from publisher.serving.wfs.featuretypes import feature_types
from publisher.serving.wfs.output.gml import WFS_NS, WFS_XSD
from publisher.serving.wfs.parsers.kvp import GET_FEATURE_BY_ID

MEDIA_TYPE = "application/xml; charset=utf-8"
_HEAD = (f'<?xml version="1.0" encoding="UTF-8"?>\n<wfs:{{tag}} xmlns:wfs="{WFS_NS}" '
         f'xmlns:POI="{POI_NS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
         f'xsi:schemaLocation="{WFS_NS} {WFS_XSD}">')
_TITLE = "Get feature by identifier"


def _return_types() -> str:
    return " ".join(ft.name for ft in feature_types())


def list_stored_queries() -> bytes:
    """wfs:ListStoredQueriesResponse."""
    types = "".join(f"<wfs:ReturnFeatureType>{ft.name}</wfs:ReturnFeatureType>"
                    for ft in feature_types())
    return (_HEAD.format(tag="ListStoredQueriesResponse")
            + f'<wfs:StoredQuery id="{GET_FEATURE_BY_ID}"><wfs:Title>{_TITLE}</wfs:Title>'
            + types + "</wfs:StoredQuery></wfs:ListStoredQueriesResponse>\n").encode()


def describe_stored_queries() -> bytes:
    """wfs:DescribeStoredQueriesResponse for GetFeatureById."""
    return (_HEAD.format(tag="DescribeStoredQueriesResponse")
            + f'<wfs:StoredQueryDescription id="{GET_FEATURE_BY_ID}">'
            f"<wfs:Title>{_TITLE}</wfs:Title>"
            "<wfs:Abstract>Returns the single feature whose gml:id (POI.&lt;POID&gt;, "
            "Woningkwaliteitsbeleid.&lt;NISCODE&gt;) or POID is given.</wfs:Abstract>"
            '<wfs:Parameter name="ID" type="xsd:string"><wfs:Title>Identifier</wfs:Title>'
            "</wfs:Parameter>"
            f'<wfs:QueryExpressionText returnFeatureTypes="{_return_types()}" '
            'language="urn:ogc:def:queryLanguage:OGC-WFS::WFSQueryExpression" '
            'isPrivate="true"/></wfs:StoredQueryDescription>'
            "</wfs:DescribeStoredQueriesResponse>\n").encode()
