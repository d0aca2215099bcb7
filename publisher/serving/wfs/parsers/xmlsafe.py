"""One hardened XML parser for everything a client sends (POST bodies, FILTER values)."""

from __future__ import annotations

from lxml import etree

from publisher.serving.wfs.errors import OperationParsingFailed

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, dtd_validation=False,
                          load_dtd=False, huge_tree=False, remove_comments=True)


def parse_xml(data: bytes, locator: str) -> etree._Element:
    """Parse untrusted XML: no entities, no DTD, no network.

    Raises
    ------
    OperationParsingFailed
        With the parser's reason, for anything not well-formed or carrying a DOCTYPE.
    """
    if b"<!DOCTYPE" in data[:2048].upper():
        raise OperationParsingFailed("DOCTYPE is not allowed", locator)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise OperationParsingFailed(f"not well-formed XML: {exc.msg}", locator) from exc
    if root is None:
        raise OperationParsingFailed("empty XML document", locator)
    return root
