"""What the map keeps per worker: shared coordinate columns, a whole product only gzipped."""

from __future__ import annotations

import gzip

import httpx
import numpy as np
import pytest

from publisher.serving.viewer import mapdata

CA = "Conformiteitsattest"


@pytest.mark.parametrize("product", [CA, None])
def test_a_whole_product_is_the_same_json_rendered_feature_by_feature(viewer_reader, product):
    pub = viewer_reader.current("poi")
    body = mapdata.whole_product(pub, product)
    assert body.plain is None  # cached gzipped only
    assert gzip.decompress(body.gz) == body.raw == \
        mapdata.Body.of(mapdata.points(pub, product, None)).raw


def test_a_whole_product_is_served_plain_and_gzipped_alike(viewer_url):
    with httpx.Client(base_url=viewer_url, timeout=60) as client:
        plain = client.get("/api/v1/kaart", params={"product": "ca"},
                           headers={"Accept-Encoding": "identity"})
        zipped = client.get("/api/v1/kaart", params={"product": "ca"},
                            headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == zipped.status_code == 200
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert plain.content == zipped.content  # httpx decodes the gzip
    assert plain.json()["numberReturned"] == len(plain.json()["features"]) > 0


def test_the_coordinate_columns_are_mapped_and_equal_to_the_publication(viewer_reader,
                                                                        tmp_path, monkeypatch):
    monkeypatch.setenv("VLOK_INDEX_DIR", str(tmp_path))
    pub = viewer_reader.current("poi")
    cols = mapdata.columns(pub, CA)
    assert isinstance(cols.lon, np.memmap)
    rows = np.array(pub.connect().execute(
        'SELECT f.lon, f.lat FROM poi p JOIN poi_fragment f ON f.fid = p.fid '
        'WHERE p."PRODUCT" = ? ORDER BY p.fid', [CA]).fetchall())
    assert np.array_equal(cols.lon, rows[:, 0]) and np.array_equal(cols.lat, rows[:, 1])
    again = mapdata.columns(pub, CA)  # read from the files, not rebuilt
    assert np.array_equal(again.x, cols.x) and np.array_equal(again.y, cols.y)
