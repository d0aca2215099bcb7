"""Helpers of the PostGIS serving tests (compare, request, validate)."""

from __future__ import annotations

import re

import httpx

# The WFS tests' validator (schemas resolved offline, our DescribeFeatureType fetched through the
# client): one implementation for both backends.
from wfs.conftest import assert_valid  # noqa: F401

NS = {"wfs": "http://www.opengis.net/wfs/2.0", "gml": "http://www.opengis.net/gml/3.2",
      "ows": "http://www.opengis.net/ows/1.1", "POI": "https://geo.api.vlaanderen.be/POI"}
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


_TIMESTAMP = re.compile(rb'timeStamp="[^"]*"|"timeStamp":"[^"]*"')
#: The run id paging links pin (each backend's publication has its own run).
_RUN = re.compile(rb"(?i)(publication=)[0-9]{8}T[0-9]{6,12}Z")


def without_host_and_run(content: bytes, base: str) -> bytes:
    """A response with its host and its links' pinned run id neutralised."""
    return _RUN.sub(rb"\1RUN", content.replace(base.encode(), b"http://server"))


def normalised(content: bytes, base: str) -> bytes:
    """A response with its host, time stamp and pinned run id neutralised (the rest equal)."""
    return _TIMESTAMP.sub(b"timeStamp", without_host_and_run(content, base))


def wfs(client: httpx.Client, request: str, **params: str) -> httpx.Response:
    """GET /wfs with SERVICE/VERSION and properly encoded parameters."""
    return client.get("/wfs", params={"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": request,
                                      **params})

