"""One module per WMS operation; :func:`dispatch` is the only entry the adapter calls."""

from __future__ import annotations

from publisher.serving.publications import PublicationReader
from publisher.serving.wms.operations.capabilities import get_capabilities
from publisher.serving.wms.operations.getfeatureinfo import get_feature_info
from publisher.serving.wms.operations.getmap import get_map
from publisher.serving.wms.operations.legend import get_legend_graphic
from publisher.serving.wms.parsers import kvp as parse
from publisher.serving.wms.response import Response


def dispatch(kvp: dict[str, str], reader: PublicationReader, service_url: str,
             if_none_match: str | None = None, deadline: float | None = None) -> Response:
    """Validate ``kvp`` (upper-case keys) and run the operation it names.

    Raises
    ------
    WMSError
        Any client error; the adapter renders it as the client asked (EXCEPTIONS).
    """
    op = parse.operation(kvp)
    if op == "GetCapabilities":
        version = parse.negotiate(kvp.get("VERSION") or kvp.get("WMTVER") or "")
        return get_capabilities(version, service_url, reader)
    version = parse.version_of(kvp)
    if op == "GetMap":
        return get_map(parse.get_map(kvp, version), reader, if_none_match, deadline)
    if op == "GetFeatureInfo":
        return get_feature_info(parse.get_feature_info(kvp, version), reader, if_none_match,
                                deadline)
    return get_legend_graphic(parse.get_legend_graphic(kvp, version))
