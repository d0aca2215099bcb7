"""SRSNAME: the axis-order table of CLIENTS.md, srsName echoed as sent."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from .conftest import NS, assert_valid, wfs_get


def positions(client, srs: str | None, count: int = 20) -> tuple[np.ndarray, set[str]]:
    params = {"TYPENAMES": "POI:POI", "COUNT": str(count)}
    if srs:
        params["SRSNAME"] = srs
    response = wfs_get(client, "GetFeature", **params)
    root = assert_valid(response.content, client)
    pos = [list(map(float, p.split())) for p in root.xpath("//gml:pos/text()", namespaces=NS)]
    return np.array(pos), set(root.xpath("//gml:Point/@srsName", namespaces=NS))


@pytest.fixture(scope="module")
def lambert(client):
    return positions(client, None)[0]


@pytest.mark.parametrize(("srs", "lat_first"), [
    ("EPSG:4326", False),
    ("http://www.opengis.net/gml/srs/epsg.xml#4326", False),
    ("urn:ogc:def:crs:EPSG::4326", True),
    ("http://www.opengis.net/def/crs/EPSG/0/4326", True),
    ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", False),
    ("urn:ogc:def:crs:OGC:1.3:CRS84", False),
])
def test_wgs84_axis_order_follows_the_form_the_client_wrote(client, lambert, srs, lat_first):
    got, echoed = positions(client, srs)
    assert echoed == {srs}
    lon, lat = Transformer.from_crs(31370, 4326, always_xy=True).transform(
        lambert[:, 0], lambert[:, 1])
    expected = np.column_stack([lat, lon] if lat_first else [lon, lat])
    assert np.allclose(got, expected, atol=1e-6)


@pytest.mark.parametrize("code", [3812, 3857])
def test_projected_crs_are_easting_northing(client, lambert, code):
    got, echoed = positions(client, f"urn:ogc:def:crs:EPSG::{code}")
    assert echoed == {f"urn:ogc:def:crs:EPSG::{code}"}
    x, y = Transformer.from_crs(31370, code, always_xy=True).transform(
        lambert[:, 0], lambert[:, 1])
    assert np.allclose(got, np.column_stack([x, y]), atol=0.01)


def test_qgis_srsname_epsg_4326_is_lon_lat_like_geoserver(client):
    got, _ = positions(client, "EPSG:4326", 5)
    assert (got[:, 0] < 7).all() and (got[:, 1] > 49).all()


def test_default_srs_is_lambert_72_in_urn_form(client):
    got, echoed = positions(client, None, 3)
    assert echoed == {"urn:ogc:def:crs:EPSG::31370"}
    assert (got[:, 0] > 20000).all()
