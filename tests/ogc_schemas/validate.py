"""Validate XML documents against the OGC schemas in this folder, offline.

Usage as a library:   from validate import schema_for; schema_for(doc_bytes).assertValid(tree)
Usage from a shell:   python validate.py FILE.xml [SCHEMA_URL]

Every schemaLocation of the form http://schemas.opengis.net/... or http://www.w3.org/...
(https too) is resolved to the copy under this folder; nothing is fetched from the network.
A document's own xsi:schemaLocation may also point at the service that produced it
(a DescribeFeatureType URL): pass `extra={url: xsd_bytes}` to resolve such URLs.

Copied from the team's shared folder into the repository so that a fresh clone tests itself
(issue 11); tests load it by path (see tests/serving/wfs/conftest.py), never as `tests.…`.
"""
import os
import sys
from urllib.parse import urlparse

from lxml import etree

HERE = os.path.dirname(os.path.abspath(__file__))
XSI = "http://www.w3.org/2001/XMLSchema-instance"


class _LocalResolver(etree.Resolver):
    def __init__(self, extra=None):
        super().__init__()
        self.extra = extra or {}

    def resolve(self, url, pubid, context):
        if url in self.extra:
            return self.resolve_string(self.extra[url], context)
        parsed = urlparse(url)
        if parsed.scheme in ("http", "https"):
            local = os.path.join(HERE, parsed.netloc, parsed.path.lstrip("/"))
            if os.path.exists(local):
                return self.resolve_filename(local, context)
            raise etree.XMLSchemaParseError(f"no offline copy of {url}")
        return None


def parser(extra=None):
    p = etree.XMLParser(no_network=True)
    p.resolvers.add(_LocalResolver(extra))
    return p


def schema_from_locations(pairs, extra=None):
    """Build one schema importing every (namespace, location) pair."""
    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{loc}"/>' for ns, loc in pairs
    )
    wrapper = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'targetNamespace="urn:x-validate:wrapper">' + imports + "</xs:schema>"
    )
    doc = etree.fromstring(wrapper.encode(), parser(extra),
                           base_url=os.path.join(HERE, "wrapper.xsd"))
    return etree.XMLSchema(doc)


def schema_for(tree, extra=None):
    """The schema named by a document's xsi:schemaLocation."""
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    locs = (root.get(f"{{{XSI}}}schemaLocation") or "").split()
    return schema_from_locations(list(zip(locs[::2], locs[1::2], strict=False)), extra)


if __name__ == "__main__":
    doc = etree.parse(sys.argv[1], parser())
    if len(sys.argv) > 2:
        schema = schema_from_locations([(None, sys.argv[2])])
    else:
        schema = schema_for(doc)
    ok = schema.validate(doc)
    for e in schema.error_log:
        print(e)
    print("valid" if ok else "INVALID")
    sys.exit(0 if ok else 1)
