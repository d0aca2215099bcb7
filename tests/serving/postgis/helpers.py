"""Helpers of the PostGIS serving tests (compare, request, validate)."""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path

import httpx
from lxml import etree

SCHEMAS = Path(__file__).resolve().parents[3].parent / "shared" / "ogc-schemas"
sys.path.insert(0, str(SCHEMAS))
import validate  # noqa: E402

XSI = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
NS = {"wfs": "http://www.opengis.net/wfs/2.0", "gml": "http://www.opengis.net/gml/3.2",
      "ows": "http://www.opengis.net/ows/1.1", "POI": "https://geo.api.vlaanderen.be/POI"}
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


_TIMESTAMP = re.compile(rb'timeStamp="[^"]*"|"timeStamp":"[^"]*"')


def normalised(content: bytes, base: str) -> bytes:
    """A response with its host and time stamp neutralised (the rest must be equal)."""
    return _TIMESTAMP.sub(b"timeStamp", content.replace(base.encode(), b"http://server"))


def wfs(client: httpx.Client, request: str, **params: str) -> httpx.Response:
    """GET /wfs with SERVICE/VERSION and properly encoded parameters."""
    return client.get("/wfs", params={"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": request,
                                      **params})


@cache
def _schema(locations: tuple[tuple[str, str], ...], extra: tuple[tuple[str, bytes], ...]):
    return validate.schema_from_locations(list(locations), dict(extra))


def assert_valid(content: bytes, client: httpx.Client) -> etree._Element:
    """Validate against the schemas xsi:schemaLocation names (our DFT fetched via client).

    The same pattern as ``tests/serving/wfs/conftest.py``.
    """
    root = etree.fromstring(content)
    locs = (root.get(XSI) or "").split()
    pairs = tuple(zip(locs[::2], locs[1::2], strict=True))
    extra, resolved = [], []
    for ns, loc in pairs:
        if "REQUEST=DescribeFeatureType" in loc:
            response = client.get("/wfs" + loc.split("/wfs", 1)[1])
            assert response.status_code == 200
            local = f"http://describefeaturetype.invalid/{len(extra)}.xsd"
            extra.append((local, response.content))
            loc = local
        resolved.append((ns, loc.replace("owsExceptionReport.xsd", "owsAll.xsd")))
    schema = _schema(tuple(resolved), tuple(extra))
    if not schema.validate(root):
        raise AssertionError(f"invalid against {pairs}: {schema.error_log}")
    return root
