"""``/api/v1/kaart/clusters``: counts per grid cell that add up to the points in the bbox."""

from __future__ import annotations

import httpx
import pytest

from publisher.serving.viewer import mapdata

CA = "Conformiteitsattest"
FLANDERS = "2.3,50.5,6.1,51.7"


@pytest.fixture(scope="module")
def client(viewer_url):
    with httpx.Client(base_url=viewer_url, timeout=30) as c:
        yield c


def _in_bbox(reader, product: str, bbox: str) -> int:
    box = [float(v) for v in bbox.split(",")]
    return reader.current("poi").connect().execute(
        'SELECT count(*) FROM poi p JOIN poi_fragment f ON f.fid = p.fid WHERE p."PRODUCT" = ? '
        "AND f.lon BETWEEN ? AND ? AND f.lat BETWEEN ? AND ?",
        (product, box[0], box[2], box[1], box[3])).fetchone()[0]


@pytest.mark.parametrize("zoom", [7, 9, 12])
def test_the_counts_per_cell_sum_to_the_products_points_in_the_bbox(client, viewer_reader,
                                                                     zoom):
    counts = viewer_reader.current("poi").meta["counts"]
    for product, total in counts.items():
        r = client.get("/api/v1/kaart/clusters",
                       params={"product": product, "bbox": FLANDERS, "zoom": zoom})
        assert r.status_code == 200, r.text
        body = r.json()
        cells = [f["properties"]["count"] for f in body["features"]]
        assert sum(cells) == body["numberMatched"] == total
        assert body["numberReturned"] == len(cells) and all(n > 0 for n in cells)
    # A smaller bbox: only its points, each cell inside the bbox of its points.
    lon, lat = client.get("/api/v1/kaart", params={"product": CA}).json()["features"][0][
        "geometry"]["coordinates"]
    bbox = f"{lon - 0.2},{lat - 0.1},{lon + 0.2},{lat + 0.1}"
    body = client.get("/api/v1/kaart/clusters",
                      params={"product": CA, "bbox": bbox, "zoom": zoom}).json()
    assert sum(f["properties"]["count"] for f in body["features"]) == \
        _in_bbox(viewer_reader, CA, bbox) == body["numberMatched"] > 0
    for f in body["features"]:
        x, y = f["geometry"]["coordinates"]
        b = f["properties"]["bbox"]
        assert b[0] - 1e-6 <= x <= b[2] + 1e-6 and b[1] - 1e-6 <= y <= b[3] + 1e-6


def test_more_zoom_gives_smaller_cells(client):
    n = [len(client.get("/api/v1/kaart/clusters", params={
        "product": CA, "bbox": FLANDERS, "zoom": z}).json()["features"]) for z in (6, 9, 12)]
    assert n[0] <= n[1] <= n[2] and n[0] < n[2]


def test_clusters_are_small_and_gzipped(client):
    r = client.get("/api/v1/kaart/clusters", headers={"Accept-Encoding": "gzip"},
                   params={"product": CA, "bbox": FLANDERS, "zoom": 8})
    assert r.headers["content-encoding"] == "gzip"
    assert len(r.content) < 50_000


@pytest.mark.parametrize("params, parameter", [
    ({"product": CA, "zoom": "8"}, "bbox"),
    ({"product": CA, "bbox": "4,51,3,50", "zoom": "8"}, "bbox"),
    ({"product": CA, "bbox": "4,51,nan,52", "zoom": "8"}, "bbox"),
    ({"product": CA, "bbox": "3,50,4", "zoom": "8"}, "bbox"),
    ({"product": CA, "bbox": FLANDERS}, "zoom"),
    ({"product": CA, "bbox": FLANDERS, "zoom": "8.5"}, "zoom"),
    ({"product": CA, "bbox": FLANDERS, "zoom": "-1"}, "zoom"),
    ({"product": CA, "bbox": FLANDERS, "zoom": str(mapdata.MAX_ZOOM + 1)}, "zoom"),
    ({"product": CA, "bbox": FLANDERS, "zoom": "16"}, "bbox"),  # too many cells
    ({"product": "nope", "bbox": FLANDERS, "zoom": "8"}, "product"),
])
def test_a_bad_request_is_a_400_problem(client, params, parameter):
    r = client.get("/api/v1/kaart/clusters", params=params)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 400 and body["parameter"] == parameter
