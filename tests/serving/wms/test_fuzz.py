"""An in-suite fuzzer: hypothesis-made WMS requests against the real server.

Like the WFS and OGC API fuzzers: every answer must be below 500, in time, a well-formed
``ServiceExceptionReport`` (or an image, when INIMAGE/BLANK was asked) when it is an error,
a decodable image when it is a map, and free of stack traces and paths. Bounded for the
suite (200 examples); values mix what QGIS, GDAL and OWSLib send with hostile ones.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image

FUZZ = settings(max_examples=200, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LEAKS = ("Traceback", "/work/", '.py"', "site-packages")
_HOSTILE = st.one_of(st.text(max_size=30), st.sampled_from(
    ["\x00", "%00", "9" * 4301, "NaN", "-0", "1e309", "inf", "' OR 1=1 --", "<x>", "\ufffe",
     "9223372036854775808", "", " "]))
_NUMBER = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.sampled_from(["20000", "150000", "260000", "250000", "51.0", "3.7",
                                     "-90", "90", "1e300", "x", ""]))
_SIZE = st.one_of(st.integers(-5, 5000).map(str),
                  st.sampled_from(["0", "NaN", "4096", "256", "1" * 30, "+5", "٣", ""]))
VALUES = {
    "VERSION": st.one_of(st.sampled_from(["1.3.0", "1.1.1", "1.1.0", "2.0.0"]), _HOSTILE),
    "REQUEST": st.one_of(st.sampled_from(["GetMap", "GetFeatureInfo", "GetCapabilities",
                                          "GetLegendGraphic", "getmap", "DescribeLayer"]),
                         _HOSTILE),
    "LAYERS": st.one_of(st.sampled_from(["POI", "Conformiteitsattest", "hv", "POI,POI",
                                         "Woningkwaliteitsbeleid,POI", "POI,", "Nergens"]),
                        _HOSTILE),
    "STYLES": st.one_of(st.sampled_from(["", "default", "punten", ",", "ca-verplicht"]),
                        _HOSTILE),
    "CRS": st.one_of(st.sampled_from(["EPSG:31370", "EPSG:4326", "CRS:84", "EPSG:3857",
                                      "EPSG:3812", "EPSG:9999", "EPSG:" + "4" * 400]),
                     _HOSTILE),
    "BBOX": st.one_of(st.tuples(_NUMBER, _NUMBER, _NUMBER, _NUMBER).map(",".join),
                      st.sampled_from(["20000,150000,260000,250000", "50.5,2.5,51.5,6",
                                       "-180,-90,180,90"]), _HOSTILE),
    "WIDTH": _SIZE, "HEIGHT": _SIZE, "I": _SIZE, "J": _SIZE, "FEATURE_COUNT": _SIZE,
    "FORMAT": st.one_of(st.sampled_from(["image/png", "image/png8", "image/jpeg",
                                         "image/gif"]), _HOSTILE),
    "INFO_FORMAT": st.one_of(st.sampled_from(["text/html", "application/json",
                                              "application/vnd.ogc.gml", "text/plain"]),
                             _HOSTILE),
    "EXCEPTIONS": st.one_of(st.sampled_from(["XML", "INIMAGE", "BLANK",
                                             "application/vnd.ogc.se_inimage"]), _HOSTILE),
    "TRANSPARENT": st.one_of(st.sampled_from(["TRUE", "FALSE"]), _HOSTILE),
    "BGCOLOR": st.one_of(st.sampled_from(["0xFFFFFF", "0x000000"]), _HOSTILE),
    "CQL_FILTER": st.one_of(st.sampled_from(["PRODUCT='Conformiteitsattest'", "POSTCODE LIKE '9%'",
                                             "BBOX(SHAPE,100000,180000,110000,190000)",
                                             "NOPE=1", "((((", "INCLUDE"]), _HOSTILE),
    "QUERY_LAYERS": st.sampled_from(["POI", "Woningkwaliteitsbeleid", "x"]),
    "LAYER": st.sampled_from(["POI", "x", ""]),
}


@st.composite
def requests(draw) -> dict[str, str]:
    keys = draw(st.lists(st.sampled_from(sorted(VALUES)), max_size=len(VALUES), unique=True))
    params = {"SERVICE": "WMS", "REQUEST": "GetMap", "VERSION": "1.3.0", "LAYERS": "POI",
              "CRS": "EPSG:31370", "BBOX": "20000,150000,260000,250000", "WIDTH": "64",
              "HEIGHT": "64", "FORMAT": "image/png"}
    for key in keys:
        params[key] = draw(VALUES[key])
    return params


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=20) as client:
        yield client


@FUZZ
@given(params=requests())
def test_fuzzed_requests_never_fail_the_server(http, server, params):
    response = http.get(server, params=params)
    assert response.status_code < 500, (params, response.text[:300])
    text = response.content[:4000].decode("utf-8", "replace")
    assert not any(leak in text for leak in LEAKS), text
    ctype = response.headers.get("content-type", "")
    if ctype.startswith("image/"):
        Image.open(io.BytesIO(response.content)).load()
    elif response.status_code >= 400:
        root = etree.fromstring(response.content)
        assert etree.QName(root).localname == "ServiceExceptionReport"
