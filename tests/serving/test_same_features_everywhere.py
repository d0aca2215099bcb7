"""WFS and OGC API select exactly the same features for the same box, in every CRS.

Both surfaces bring a box to the storage CRS through the one CRS module and compile it with
the one filter compiler; before, they densified differently and could disagree near an edge
(issue 12). Checked over a real server, with ids compared, not only counts; the same box is
also sent as a CQL2 / ECQL filter, which must select what ``bbox`` / ``BBOX`` select.
"""

from __future__ import annotations

import httpx
import pytest
from pyproj import Transformer

from publisher.serving.app import create_app

#: A box around central Gent, in EPSG:31370 (x/y).
GENT = (100000.0, 185000.0, 112000.0, 200000.0)
OGC_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@pytest.fixture(scope="module")
def base(publication_dir, serve_app):
    with serve_app(create_app(publication_dir)) as url:
        yield url


def corners(epsg: int) -> tuple[float, float, float, float]:
    """The Gent box's corners as x/y (lon/lat for 4326) in ``epsg``: a box there too."""
    if epsg == 31370:
        return GENT
    t = Transformer.from_crs(31370, epsg, always_xy=True)
    return t.transform_bounds(*GENT)


def wfs_ids(base: str, bbox: str) -> list[str]:
    r = httpx.get(f"{base}/wfs", timeout=60, params={
        "SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature", "TYPENAMES": "POI:POI",
        "OUTPUTFORMAT": "application/json", "COUNT": "5000", "BBOX": bbox,
        "PROPERTYNAME": "POID"})
    assert r.status_code == 200, r.text[:400]
    return sorted(f["properties"]["POID"] for f in r.json()["features"])


def ogc_ids(base: str, **params: str) -> list[str]:
    r = httpx.get(f"{base}/ogc/collections/poi/items", timeout=60,
                  params={"f": "json", "limit": "5000", "properties": "POID", **params})
    assert r.status_code == 200, r.text[:400]
    return sorted(f["properties"]["POID"] for f in r.json()["features"])


@pytest.mark.parametrize("epsg", [31370, 3812, 4326, 3857])
def test_wfs_bbox_and_ogc_api_bbox_select_the_same_features(base, epsg):
    x1, y1, x2, y2 = corners(epsg)
    if epsg == 4326:  # the OGC URI and the URN of 4326 are latitude first
        wfs = f"{y1},{x1},{y2},{x2},urn:ogc:def:crs:EPSG::4326"
        ogc = {"bbox": f"{y1},{x1},{y2},{x2}", "bbox-crs": OGC_URI.format(4326)}
    else:
        wfs = f"{x1},{y1},{x2},{y2},urn:ogc:def:crs:EPSG::{epsg}"
        ogc = {"bbox": f"{x1},{y1},{x2},{y2}", "bbox-crs": OGC_URI.format(epsg)}
    from_wfs = wfs_ids(base, wfs)
    assert len(from_wfs) > 10
    assert ogc_ids(base, **ogc) == from_wfs
    if epsg == 4326:  # CRS84 is the same box, longitude first
        assert ogc_ids(base, bbox=f"{x1},{y1},{x2},{y2}", **{"bbox-crs": CRS84}) == from_wfs
        assert wfs_ids(base, f"{x1},{y1},{x2},{y2},EPSG:4326") == from_wfs


def test_the_same_box_as_a_filter_selects_the_same_features(base):
    lon1, lat1, lon2, lat2 = corners(4326)
    from_bbox = ogc_ids(base, bbox=f"{lon1},{lat1},{lon2},{lat2}")
    cql2 = f"S_INTERSECTS(geometry, BBOX({lon1}, {lat1}, {lon2}, {lat2}))"
    assert ogc_ids(base, filter=cql2) == from_bbox
    r = httpx.get(f"{base}/wfs", timeout=60, params={
        "SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature", "TYPENAMES": "POI:POI",
        "OUTPUTFORMAT": "application/json", "COUNT": "5000", "PROPERTYNAME": "POID",
        "CQL_FILTER": f"BBOX(SHAPE, {lat1}, {lon1}, {lat2}, {lon2}, "
                      "'urn:ogc:def:crs:EPSG::4326')"})
    assert r.status_code == 200, r.text[:300]
    assert sorted(f["properties"]["POID"] for f in r.json()["features"]) == from_bbox
