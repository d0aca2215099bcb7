"""Bounded cost: a box's size never decides how long a request takes (issue 11).

A world box used to be densified every 0.001° before transforming (127 s, and a wrong count
of 0); projected numbers written as degrees grew a worker to 6.5 GB. Now boxes are clipped
to where data can be and transformed by a fixed number of points.
"""

from __future__ import annotations

import time

import pytest
import shapely

from publisher.serving.crs import CoordinateError, native_bounds

from .conftest import assert_ows_exception, parse, wfs_get

FES = 'xmlns:fes="http://www.opengis.net/fes/2.0"'
GML = 'xmlns:gml="http://www.opengis.net/gml/3.2"'
#: Generous for a 2-core CI box; the old code took minutes.
QUICK = 2.0


def hits(client, **params) -> tuple[int, float]:
    start = time.perf_counter()
    response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", RESULTTYPE="hits", **params)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.text
    return int(parse(response.content).get("numberMatched")), elapsed


@pytest.fixture(scope="module")
def total(client) -> int:
    return hits(client)[0]


@pytest.mark.parametrize("bbox", [
    "-90,-180,90,180,urn:ogc:def:crs:EPSG::4326",
    "-180,-90,180,90,http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "-180,-90,180,90,EPSG:4326",
    "-20037508.34,-20048966.1,20037508.34,20048966.1,urn:ogc:def:crs:EPSG::3857",
    "-1e300,-1e300,1e300,1e300,urn:ogc:def:crs:EPSG::3812",
])
def test_world_bbox_in_lat_lon_counts_every_feature_quickly(client, total, bbox):
    count, elapsed = hits(client, BBOX=bbox)
    assert count == total > 0
    assert elapsed < QUICK, elapsed


@pytest.mark.parametrize("bbox", ["50.6,2.5,51.55,5.95,urn:ogc:def:crs:EPSG::4326",
                                  "2.5,50.6,5.95,51.55,EPSG:4326"])
def test_flanders_bbox_selects_everything_quickly(client, total, bbox):
    count, elapsed = hits(client, BBOX=bbox)
    assert count == total
    assert elapsed < QUICK, elapsed


def test_box_far_from_belgium_matches_nothing_without_work(client):
    count, elapsed = hits(client, BBOX="-40,-60,-10,-30,urn:ogc:def:crs:EPSG::4326")
    assert count == 0
    assert elapsed < QUICK


@pytest.mark.parametrize(("bbox", "value"), [
    ("22000,153000,258000,245000,urn:ogc:def:crs:EPSG::4326", "153000"),
    ("22000,153000,258000,245000,EPSG:4326", "22000"),
    ("-91,0,0,1,urn:ogc:def:crs:EPSG::4326", "-91"),
    ("0,0,1,1e9,urn:ogc:def:crs:EPSG::3857", "1000000000"),
])
def test_projected_numbers_in_a_geographic_bbox_are_refused_naming_the_value(client, bbox,
                                                                            value):
    response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", BBOX=bbox)
    assert_ows_exception(response, "InvalidParameterValue", "bbox")
    assert value in response.text


def _fes_envelope(srs: str, lower: str, upper: str) -> str:
    return (f"<fes:Filter {FES} {GML}><fes:BBOX><fes:ValueReference>SHAPE</fes:ValueReference>"
            f'<gml:Envelope srsName="{srs}"><gml:lowerCorner>{lower}</gml:lowerCorner>'
            f"<gml:upperCorner>{upper}</gml:upperCorner></gml:Envelope></fes:BBOX></fes:Filter>")


def test_world_envelope_inside_a_filter_counts_everything_quickly(client, total):
    flt = _fes_envelope("urn:ogc:def:crs:EPSG::4326", "-90 -180", "90 180")
    count, elapsed = hits(client, FILTER=flt)
    assert count == total
    assert elapsed < QUICK


def test_world_polygon_inside_a_filter_costs_no_more_than_a_small_one(client, total):
    polygon = ('<gml:Polygon gml:id="w" srsName="urn:ogc:def:crs:OGC:1.3:CRS84"><gml:exterior>'
               "<gml:LinearRing><gml:posList>-180 -90 180 -90 180 90 -180 90 -180 -90"
               "</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>")
    flt = (f"<fes:Filter {FES} {GML}><fes:Intersects><fes:ValueReference>SHAPE"
           f"</fes:ValueReference>{polygon}</fes:Intersects></fes:Filter>")
    count, elapsed = hits(client, FILTER=flt)
    assert count == total
    assert elapsed < QUICK


def test_impossible_envelope_inside_a_filter_is_refused(client):
    flt = _fes_envelope("urn:ogc:def:crs:EPSG::4326", "22000 153000", "258000 245000")
    response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", FILTER=flt)
    assert_ows_exception(response, "InvalidParameterValue", "filter")
    assert "153000" in response.text


def test_native_bounds_is_a_pure_reusable_function():
    """The OGC API can call it: EPSG code + axis order + 4 numbers → Lambert 72 bounds."""
    world = native_bounds(4326, True, -90, -180, 90, 180)
    belgium = native_bounds(4326, False, 2.5, 49.5, 6.4, 51.51)
    assert world is not None and belgium is not None
    assert shapely.box(*world).contains(shapely.box(*belgium))
    assert native_bounds(31370, False, 1, 2, 3, 4) == (1, 2, 3, 4)
    assert native_bounds(4326, False, 100, -40, 120, -10) is None  # nothing can be there
    with pytest.raises(ValueError, match="153000"):
        native_bounds(4326, True, 22000, 153000, 258000, 245000)
    with pytest.raises(CoordinateError):
        native_bounds(4326, False, 0, 0, float("nan"), 1)
    start = time.perf_counter()
    for _ in range(100):
        native_bounds(3857, False, -2e7, -2e7, 2e7, 2e7)
    assert time.perf_counter() - start < QUICK
