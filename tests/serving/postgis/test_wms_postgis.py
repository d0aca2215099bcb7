"""The WMS over a PostGIS publication draws and answers exactly as over the GeoPackage one.

Same store, same date (see ``conftest.py``): every map must be byte-identical, filters
included (CQL_FILTER is compiled for PostGIS by the one filter compiler), and feature info
must name the same features.
"""

from __future__ import annotations

import json

import pytest

FLANDERS = "20000,150000,260000,250000"
GENT = "100000,185000,112000,200000"


def _map(client, **params: str):
    base = {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap", "STYLES": "",
            "CRS": "EPSG:31370", "WIDTH": "512", "HEIGHT": "384", "FORMAT": "image/png",
            "TRANSPARENT": "TRUE"}
    return client.get("/wms", params={**base, **params})


@pytest.mark.parametrize("params", [
    {"LAYERS": "Woningkwaliteitsbeleid,POI", "BBOX": FLANDERS},
    {"LAYERS": "POI", "BBOX": GENT, "STYLES": "punten"},
    {"LAYERS": "POI", "BBOX": FLANDERS, "CQL_FILTER": "PRODUCT='RegisterHerstelvorderingen'"},
    {"LAYERS": "Woningkwaliteitsbeleid", "BBOX": FLANDERS, "CQL_FILTER": "CA_VERPLICHT=true",
     "STYLES": "ca-verplicht"},
    {"LAYERS": "POI", "BBOX": "51.0,3.65,51.12,3.80", "CRS": "EPSG:4326"},
])
def test_getmap_is_byte_identical_on_both_publication_flavours(pg, gp, params):
    a, b = _map(pg, **params), _map(gp, **params)
    assert a.status_code == b.status_code == 200, a.text[:500]
    assert a.headers["content-type"] == "image/png"
    assert a.content == b.content
    assert a.headers["etag"] != b.headers["etag"]  # each publication's own run ids


def test_getfeatureinfo_names_the_same_features_on_both(pg, gp):
    params = {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetFeatureInfo",
              "LAYERS": "POI,Woningkwaliteitsbeleid", "QUERY_LAYERS": "POI,Woningkwaliteitsbeleid",
              "STYLES": "", "CRS": "EPSG:31370", "BBOX": FLANDERS, "WIDTH": "256", "HEIGHT": "256",
              "INFO_FORMAT": "application/json", "FEATURE_COUNT": "5", "I": "92", "J": "147"}
    a, b = pg.get("/wms", params=params), gp.get("/wms", params=params)
    assert a.status_code == b.status_code == 200, a.text[:500]
    assert json.loads(a.content) == json.loads(b.content)
    assert len(json.loads(a.content)["features"]) >= 2  # points near the click and the town
