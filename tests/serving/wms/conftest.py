"""WMS test fixtures: the app over the session publication, a live server, known features.

``isolated`` gives, per product, a published point with no other point within 800 m, and
where it is in EPSG:31370, so a map around it can be checked pixel by pixel. The schemas
(WMS 1.3.0 XSD, 1.1.1 DTD) are the repository's copies in ``tests/ogc_schemas``.
"""

from __future__ import annotations

import io
import sqlite3
import sys
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from PIL import Image
from pyproj import Transformer
from starlette.applications import Starlette

from publisher.serving.publications import PublicationReader
from publisher.serving.wms import routes
from publisher.serving.wms.render.symbols import colours

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SCHEMAS = Path(__file__).resolve().parents[2] / "ogc_schemas"
if str(SCHEMAS) not in sys.path:
    sys.path.insert(0, str(SCHEMAS))
import validate  # noqa: E402

OGC = "http://schemas.opengis.net"
WMS13 = {"wms": "http://www.opengis.net/wms", "ogc": "http://www.opengis.net/ogc",
         "xlink": "http://www.w3.org/1999/xlink", "sld": "http://www.opengis.net/sld"}
CODES = {"Conformiteitsattest": "ca", "VlaamseInventarisOngeschikteOnbewoonbareWoningen": "vivoo",
         "RegisterHerstelvorderingen": "hv"}


@pytest.fixture(scope="session")
def reader(publication_dir) -> PublicationReader:
    return PublicationReader(publication_dir)


@pytest.fixture(scope="session")
def client(reader) -> Iterator[TestClient]:
    with TestClient(Starlette(routes=routes(reader)), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def server(reader, serve_app) -> Iterator[str]:
    """``http://127.0.0.1:<port>/wms`` of a real uvicorn server."""
    with serve_app(Starlette(routes=routes(reader))) as base:
        yield f"{base}/wms"


@pytest.fixture(scope="session")
def isolated(reader) -> dict[str, tuple[float, float, float, float, str]]:
    """Per product: (x, y) in EPSG:31370, lon, lat and POID of a point alone within 800 m."""
    pub = reader.current("poi")
    with sqlite3.connect(f"file:{pub.path}?mode=ro", uri=True) as db:
        rows = db.execute('SELECT p."PRODUCT", p."POID", f.lon, f.lat FROM poi p '
                          "JOIN poi_fragment f ON f.fid = p.fid ORDER BY p.fid").fetchall()
    lon = np.array([r[2] for r in rows])
    lat = np.array([r[3] for r in rows])
    x, y = Transformer.from_crs(4326, 31370, always_xy=True).transform(lon, lat)
    out = {}
    for i, (product, poid, _, _) in enumerate(rows):
        if product in out:
            continue
        d = np.hypot(x - x[i], y - y[i])
        d[i] = np.inf
        if d.min() > 800:
            out[product] = (float(x[i]), float(y[i]), float(lon[i]), float(lat[i]), poid)
        if len(out) == 3:
            break
    assert len(out) == 3, "the demo has no isolated point of some product"
    return out


def get(client, **params: str):
    """GET /wms with the given parameters (upper-case keys), SERVICE=WMS added."""
    return client.get("/wms", params={"SERVICE": "WMS", **params})


def getmap(client, bbox: str, crs: str = "EPSG:31370", version: str = "1.3.0",
           layers: str = "POI", size: int = 256, **extra: str):
    key = "CRS" if version == "1.3.0" else "SRS"
    params = {"VERSION": version, "REQUEST": "GetMap", "LAYERS": layers, "STYLES": "",
              key: crs, "BBOX": bbox, "WIDTH": str(size), "HEIGHT": str(size),
              "FORMAT": "image/png", "TRANSPARENT": "TRUE", **extra}
    return get(client, **params)


def around(x: float, y: float, half: float = 500.0) -> str:
    return f"{x - half},{y - half},{x + half},{y + half}"


def image(response) -> Image.Image:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("image/")
    return Image.open(io.BytesIO(response.content))


def coloured_near(img: Image.Image, product: str, cx: float, cy: float,
                  radius: int = 9) -> int:
    """How many opaque pixels within ``radius`` of (cx, cy) have ``product``'s colour."""
    rgba = np.asarray(img.convert("RGBA")).astype(int)
    want = np.array(colours()[CODES[product]])
    yy, xx = np.mgrid[0:rgba.shape[0], 0:rgba.shape[1]]
    near = np.hypot(xx - cx, yy - cy) <= radius
    match = (np.abs(rgba[..., :3] - want).max(axis=-1) <= 12) & (rgba[..., 3] > 200)
    return int((near & match).sum())


@cache
def _xsd(locations: tuple[tuple[str, str], ...]):
    return validate.schema_from_locations(list(locations))


def assert_valid_13(content: bytes) -> etree._Element:
    """Validate a WMS 1.3.0 document against the schemas its schemaLocation names."""
    root = etree.fromstring(content)
    locs = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation").split()
    schema = _xsd(tuple(zip(locs[::2], locs[1::2], strict=True)))
    if not schema.validate(root):
        raise AssertionError(f"invalid: {schema.error_log}")
    return root


@cache
def _dtd(name: str) -> etree.DTD:
    return etree.DTD(str(SCHEMAS / "schemas.opengis.net" / "wms" / "1.1.1" / name))


def assert_valid_111(content: bytes, dtd: str) -> etree._Element:
    """Validate a WMS 1.1.1 document against the repository's copy of its DTD."""
    parser = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False)
    root = etree.fromstring(content, parser)
    schema = _dtd(dtd)
    if not schema.validate(root):
        raise AssertionError(f"invalid against {dtd}: {schema.error_log}")
    return root


def assert_exception(response, code: str | None, locator: str | None = None,
                     version: str = "1.3.0", status: int = 400) -> str:
    """A schema-valid ServiceExceptionReport with ``code`` (and ``locator``); its text."""
    assert response.status_code == status, (response.status_code, response.text[:400])
    assert "Traceback" not in response.text
    if version == "1.3.0":
        assert response.headers["content-type"].startswith("text/xml")
        root = assert_valid_13(response.content)
        exc = root.find("ogc:ServiceException", WMS13)
    else:
        assert response.headers["content-type"].startswith("application/vnd.ogc.se_xml")
        root = assert_valid_111(response.content, "WMS_exception_1_1_1.dtd")
        exc = root.find("ServiceException")
    assert exc is not None
    assert exc.get("code") == code, response.text
    if locator is not None and version == "1.3.0":
        assert exc.get("locator") == locator, response.text
    return exc.text or ""
