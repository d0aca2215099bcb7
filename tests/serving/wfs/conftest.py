"""WFS test fixtures: an app over the session publication, a live server, XSD validation.

``assert_valid`` validates any response against the real OGC schemas in
``tests/ogc_schemas`` (offline, inside the repository); a FeatureCollection's own
schemaLocation names our DescribeFeatureType URL, which is resolved to the XSD the service
itself returned.
"""

from __future__ import annotations

import sqlite3
import sys
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from lxml import etree
from starlette.applications import Starlette

from publisher.serving.publications import PublicationReader
from publisher.serving.wfs import routes

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

# By path, not as ``tests.ogc_schemas``: site-packages holds other top-level ``tests`` packages.
SCHEMAS = Path(__file__).resolve().parents[2] / "ogc_schemas"
if str(SCHEMAS) not in sys.path:
    sys.path.insert(0, str(SCHEMAS))
import validate  # noqa: E402

NS = {"wfs": "http://www.opengis.net/wfs/2.0", "gml": "http://www.opengis.net/gml/3.2",
      "ows": "http://www.opengis.net/ows/1.1", "fes": "http://www.opengis.net/fes/2.0",
      "POI": "https://geo.api.vlaanderen.be/POI", "xsd": "http://www.w3.org/2001/XMLSchema",
      "xlink": "http://www.w3.org/1999/xlink"}
XSI = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
KVP = "SERVICE=WFS&VERSION=2.0.0&REQUEST="


@pytest.fixture(scope="session")
def reader(publication_dir) -> PublicationReader:
    return PublicationReader(publication_dir)


@pytest.fixture(scope="session")
def app(reader) -> Starlette:
    return Starlette(routes=routes(reader))


@pytest.fixture(scope="session")
def client(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c




@pytest.fixture(scope="session")
def server(app, serve_app) -> Iterator[str]:
    """``http://127.0.0.1:<port>/wfs`` of a real uvicorn server."""
    with serve_app(app) as base:
        yield f"{base}/wfs"


@pytest.fixture(scope="session")
def poi_db(reader) -> Iterator[sqlite3.Connection]:
    pub = reader.current("poi")
    db = sqlite3.connect(f"file:{pub.path}?mode=ro", uri=True, check_same_thread=False)
    yield db
    db.close()


@pytest.fixture(scope="session")
def poi_meta(reader) -> dict:
    return reader.current("poi").meta


@cache
def _schema(locations: tuple[tuple[str, str], ...], extra: tuple[tuple[str, bytes], ...]):
    return validate.schema_from_locations(list(locations), dict(extra))


def parse(content: bytes) -> etree._Element:
    return etree.fromstring(content)


def assert_valid(content: bytes, client: TestClient | None = None) -> etree._Element:
    """Validate ``content`` against the schemas its xsi:schemaLocation names.

    Locations that point at this service (DescribeFeatureType) are fetched through
    ``client`` and handed to the validator, so features are checked against our own XSD.
    """
    root = parse(content)
    locs = (root.get(XSI) or "").split()
    pairs = tuple(zip(locs[::2], locs[1::2], strict=True))
    extra, resolved = [], []
    for ns, loc in pairs:
        if "REQUEST=DescribeFeatureType" in loc:
            assert client is not None, "a client is needed to resolve the DFT URL"
            response = client.get("/wfs" + loc.split("/wfs", 1)[1])
            assert response.status_code == 200
            # validate.py writes locations into an XML wrapper unescaped: use a URL without
            # '&' that resolves to the schema the service returned.
            local = f"http://describefeaturetype.invalid/{len(extra)}.xsd"
            extra.append((local, response.content))
            loc = local
        # owsExceptionReport.xsd includes owsAll.xsd, which includes it back: libxml2
        # rejects the cycle when it is the entry point, so enter through owsAll.xsd.
        resolved.append((ns, loc.replace("owsExceptionReport.xsd", "owsAll.xsd")))
    schema = _schema(tuple(resolved), tuple(extra))
    if not schema.validate(root):
        raise AssertionError(f"invalid against {pairs}: {schema.error_log}")
    return root


def assert_ows_exception(response, code: str, locator: str | None = None,
                         status: int = 400) -> etree._Element:
    """An ExceptionReport, schema-valid, with the expected code, locator and status."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    root = assert_valid(response.content)
    exc = root.find("ows:Exception", NS)
    assert exc is not None
    assert exc.get("exceptionCode") == code, response.text
    if locator is not None:
        assert (exc.get("locator") or "").lower() == locator.lower(), response.text
    assert "Traceback" not in response.text
    return root


def wfs_get(client, request: str, **params: str):
    """GET /wfs with properly encoded parameters (SERVICE/VERSION added)."""
    return client.get("/wfs", params={"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": request,
                                      **params})
