"""One module per WFS operation; :func:`dispatch` is the only entry the adapter calls."""

from __future__ import annotations

from publisher.serving.publications import PublicationReader, PublicationUnreadable
from publisher.serving.wfs.errors import ServiceUnavailable
from publisher.serving.wfs.operations.getfeature import get_feature
from publisher.serving.wfs.operations.metadata import (
    describe_feature_type,
    describe_stored_queries,
    get_capabilities,
    list_stored_queries,
)
from publisher.serving.wfs.parsers import kvp as parse
from publisher.serving.wfs.response import Response


def dispatch(kvp: dict[str, str], reader: PublicationReader, service_url: str,
             deadline: float | None = None) -> Response:
    """Validate ``kvp`` (upper-case keys) and run the operation it names.

    ``deadline`` (``time.monotonic()``) is the time budget of the work before the first byte.

    Raises
    ------
    WFSError
        Any client error; the adapter renders it as an ExceptionReport.
    """
    op = parse.operation(kvp)
    if op == "GetCapabilities":
        try:
            return get_capabilities(reader, service_url)
        except PublicationUnreadable as exc:
            raise ServiceUnavailable("the publication cannot be read now; retry later") from exc
    if op == "DescribeFeatureType":
        return describe_feature_type(parse.describe_feature_type(kvp))
    if op == "ListStoredQueries":
        return list_stored_queries()
    if op == "DescribeStoredQueries":
        return describe_stored_queries(parse.describe_stored_queries(kvp))
    request = parse.get_feature(kvp, value_reference=op == "GetPropertyValue")
    return get_feature(request, reader, service_url, deadline)
