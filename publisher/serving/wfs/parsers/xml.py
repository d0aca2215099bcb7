"""XML POST requests → the KVP dictionary :mod:`.kvp` validates.

Turning a POST into KVP keeps one validation path and gives POST responses ``next`` and
``previous`` links a client can follow with GET (the filter travels as FES XML in FILTER).
"""

from __future__ import annotations

from lxml import etree

from publisher.serving.wfs.errors import OperationParsingFailed, OptionNotSupported, short
from publisher.serving.wfs.parsers.xmlsafe import parse_xml

WFS20 = "http://www.opengis.net/wfs/2.0"

_ATTRIBUTES = {"service": "SERVICE", "version": "VERSION", "count": "COUNT",
               "maxFeatures": "MAXFEATURES", "startIndex": "STARTINDEX",
               "resultType": "RESULTTYPE", "outputFormat": "OUTPUTFORMAT",
               "valueReference": "VALUEREFERENCE"}


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _namespaces(el: etree._Element) -> str:
    return ",".join(f"xmlns({p},{uri})" for p, uri in el.nsmap.items() if p)


def _query(query: etree._Element, kvp: dict[str, str]) -> None:
    if _local(query) == "StoredQuery":
        kvp["STOREDQUERY_ID"] = query.get("id", "")
        for param in query:
            if _local(param) == "Parameter":
                kvp[param.get("name", "").upper()] = (param.text or "").strip()
        return
    if query.get("typeNames") or query.get("typeName"):
        kvp["TYPENAMES"] = query.get("typeNames") or query.get("typeName") or ""
    if query.get("srsName"):
        kvp["SRSNAME"] = query.get("srsName", "")
    ns = _namespaces(query)
    if ns:
        kvp["NAMESPACES"] = ns
    props, sort = [], []
    for child in query:
        name = _local(child)
        if name == "PropertyName":
            props.append((child.text or "").strip())
        elif name == "Filter":
            kvp["FILTER"] = etree.tostring(child, encoding="unicode")
        elif name == "SortBy":
            for prop in child:
                ref = next((c.text or "" for c in prop if _local(c) in ("ValueReference",
                                                                        "PropertyName")), "")
                order = next((c.text or "" for c in prop if _local(c) == "SortOrder"), "ASC")
                sort.append(f"{ref.strip()} {order.strip()}")
    if props:
        kvp["PROPERTYNAME"] = ",".join(props)
    if sort:
        kvp["SORTBY"] = ",".join(sort)


def xml_to_kvp(body: bytes) -> dict[str, str]:
    """Parse a POSTed WFS request into KVP form (upper-case keys).

    Raises
    ------
    OperationParsingFailed
        For a body that is not well-formed XML or not a WFS 2.0 request (root element
        outside the WFS 2.0 namespace).
    OptionNotSupported
        For several queries in one request.
    """
    root = parse_xml(body, "request")
    namespace = etree.QName(root).namespace
    if namespace != WFS20:
        raise OperationParsingFailed(
            f"the request element must be in the WFS 2.0 namespace {WFS20}, not "
            f"{short(namespace or 'no namespace')}", "request")
    # the namespace already names the service: a missing service attribute means WFS
    kvp = {"REQUEST": _local(root), "SERVICE": "WFS"}
    for attr, key in _ATTRIBUTES.items():
        if root.get(attr) is not None:
            kvp[key] = root.get(attr, "")
    request = kvp["REQUEST"]
    if request == "GetCapabilities":
        versions = [v.text or "" for v in root.iter() if _local(v) == "Version"]
        if versions:
            kvp["ACCEPTVERSIONS"] = ",".join(v.strip() for v in versions)
        kvp.pop("VERSION", None)
    elif request == "DescribeFeatureType":
        kvp["TYPENAMES"] = ",".join((t.text or "").strip() for t in root
                                    if _local(t) == "TypeName")
        ns = _namespaces(root)
        if ns:
            kvp["NAMESPACES"] = ns
    elif request in ("GetFeature", "GetPropertyValue"):
        queries = [q for q in root if _local(q) in ("Query", "StoredQuery")]
        if not queries:
            raise OperationParsingFailed(f"{request} without a wfs:Query", "request")
        if len(queries) > 1:
            raise OptionNotSupported("one query per request", "request")
        _query(queries[0], kvp)
    elif request == "DescribeStoredQueries":
        kvp["STOREDQUERY_ID"] = ",".join((t.text or "").strip() for t in root
                                         if _local(t) == "StoredQueryId")
    return kvp
