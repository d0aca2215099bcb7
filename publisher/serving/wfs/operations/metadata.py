"""The metadata operations: GetCapabilities, DescribeFeatureType and the stored-query pair.

None of them touches features; they describe what :mod:`.getfeature` serves, from the same
sources (``mappings/`` and the current publications' metadata).
"""

from __future__ import annotations

from publisher.serving.publications import PublicationReader
from publisher.serving.wfs import request as rq
from publisher.serving.wfs.featuretypes import feature_types
from publisher.serving.wfs.output import capabilities, storedqueries, xsd
from publisher.serving.wfs.response import Response


def get_capabilities(reader: PublicationReader, service_url: str) -> Response:
    """Capabilities listing the feature types that have a current publication."""
    types = []
    for ft in feature_types():
        pub = reader.current(ft.dataset)
        if pub is not None:
            extent = pub.meta.get("extent_31370")
            types.append((ft, extent if extent and extent[2] > extent[0] else None))
    return Response(200, capabilities.MEDIA_TYPE,
                    capabilities.capabilities(service_url, types))


def describe_feature_type(req: rq.DescribeFeatureType) -> Response:
    """The flat XSD of the requested types."""
    return Response(200, xsd.MEDIA_TYPE, xsd.schema(req.types))


def list_stored_queries() -> Response:
    """ListStoredQueriesResponse."""
    return Response(200, storedqueries.MEDIA_TYPE, storedqueries.list_stored_queries())


def describe_stored_queries(req: rq.DescribeStoredQueries) -> Response:
    """DescribeStoredQueriesResponse (GetFeatureById is the only stored query)."""
    return Response(200, storedqueries.MEDIA_TYPE, storedqueries.describe_stored_queries())
