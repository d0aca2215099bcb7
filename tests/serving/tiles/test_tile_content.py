"""What a vector tile holds: every point where it is, or clusters that add up, on both backends."""

from __future__ import annotations

import math

import morecantile
import pytest
from pyproj import Transformer

from publisher.serving.tiles import content
from publisher.serving.tiles import routes as tile_routes
from publisher.serving.tiles.matrixsets import EXTENT, LAMBERT, WEB_MERCATOR, grids

from .conftest import decode

WM = morecantile.tms.get(WEB_MERCATOR)
TO_LAMBERT = Transformer.from_crs(4326, 31370, always_xy=True)


def _lonlat_of(tile: morecantile.Tile, x: float, y: float) -> tuple[float, float]:
    b = WM.xy_bounds(tile)
    mx = b.left + x / EXTENT * (b.right - b.left)
    my = b.top - y / EXTENT * (b.top - b.bottom)
    return WM.lnglat(mx, my)


def test_every_point_is_in_its_web_mercator_tile_where_the_ogc_api_puts_it(http, poi_items):
    sample = poi_items[:: max(1, len(poi_items) // 25)]
    for feature in sample:
        lon, lat = feature["geometry"]["coordinates"]
        tile = WM.tile(lon, lat, 16)
        r = http.get(f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/16/{tile.y}/{tile.x}")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
        found = [f for f in decode(r.content) if f["properties"].get("POID") == feature["id"]]
        assert len(found) == 1, feature["id"]
        got = _lonlat_of(tile, *found[0]["geometry"]["coordinates"])
        # one tile unit at z16 is ~0.6 m: the position survives to within two units
        assert math.dist(got, (lon, lat)) < 2e-5, (feature["id"], got, (lon, lat))
        props = found[0]["properties"]
        assert props["PRODUCT"] == feature["properties"]["PRODUCT"]
        assert props["count"] == 1 and props["adres"]


def test_lambert_tiles_put_points_at_their_lambert_72_position(http, poi_items):
    grid = grids()[LAMBERT]
    for feature in poi_items[:: max(1, len(poi_items) // 10)]:
        x, y = TO_LAMBERT.transform(*feature["geometry"]["coordinates"])
        tile = grid.tms._tile(x, y, 12)  # 0.25 m per pixel
        r = http.get(f"/ogc/collections/poi/tiles/{LAMBERT}/{tile.z}/{tile.y}/{tile.x}")
        assert r.status_code == 200, r.text
        found = [f for f in decode(r.content) if f["properties"].get("POID") == feature["id"]]
        assert len(found) == 1
        b = grid.tms.xy_bounds(tile)
        tx, ty = found[0]["geometry"]["coordinates"]
        got = (b.left + tx / EXTENT * (b.right - b.left), b.top - ty / EXTENT * (b.top - b.bottom))
        assert math.dist(got, (x, y)) < 0.2, (feature["id"], got, (x, y))


def test_a_product_collection_tiles_only_that_product(http, poi_items):
    lon, lat = poi_items[0]["geometry"]["coordinates"]
    tile = WM.tile(lon, lat, 12)
    path = f"tiles/{WEB_MERCATOR}/12/{tile.y}/{tile.x}"
    everything = decode(http.get(f"/ogc/collections/poi/{path}").content)
    ca = decode(http.get(f"/ogc/collections/conformiteitsattest/{path}").content)
    assert ca and {f["properties"]["PRODUCT"] for f in ca} == {"Conformiteitsattest"}
    assert len(ca) == sum(f["properties"]["PRODUCT"] == "Conformiteitsattest"
                          for f in everything)


@pytest.mark.parametrize("zoom", [6, 9])
def test_zoomed_out_tiles_hold_clusters_that_add_up_to_every_point(http, poi_items,
                                                                   monkeypatch, zoom):
    monkeypatch.setattr(content, "MAX_TILE_POINTS", 50)  # the demo is small: force clusters
    monkeypatch.setattr(tile_routes, "KEEP_UP_TO_ZOOM", -1)  # render, not what a test kept
    lons = [f["geometry"]["coordinates"][0] for f in poi_items]
    lats = [f["geometry"]["coordinates"][1] for f in poi_items]
    total, by_product, largest = 0, {}, 0
    home = {f["id"]: WM.tile(*f["geometry"]["coordinates"], zoom) for f in poi_items}
    for t in WM.tiles(min(lons), min(lats), max(lons), max(lats), [zoom]):
        r = http.get(f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/{zoom}/{t.y}/{t.x}")
        assert r.status_code == 200
        largest = max(largest, len(r.content))
        for f in decode(r.content):
            x, y = f["geometry"]["coordinates"]
            inside = 0 <= x < EXTENT and 0 <= y < EXTENT
            if "POID" in f["properties"]:  # a sparse tile: points, its buffer repeats some
                if home[f["properties"]["POID"]] != t:
                    continue
            else:
                assert inside  # a cluster never leaves its tile
            total += f["properties"]["count"]
            product = f["properties"]["PRODUCT"]
            by_product[product] = by_product.get(product, 0) + f["properties"]["count"]
    assert total == len(poi_items)
    expected = {}
    for f in poi_items:
        expected[f["properties"]["PRODUCT"]] = expected.get(f["properties"]["PRODUCT"], 0) + 1
    assert by_product == expected
    assert largest < 8 * 8 * 3 * 40  # at most one small feature per cell and product


def test_a_tile_outside_flanders_is_empty(http):
    r = http.get(f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/10/100/100")
    assert r.status_code == 200 and decode(r.content) == []


def test_from_z16_a_tile_always_holds_points_so_a_map_may_overzoom_it(http, poi_items,
                                                                     monkeypatch):
    monkeypatch.setattr(content, "MAX_TILE_POINTS", 0)  # every tile that may cluster does
    lon, lat = poi_items[0]["geometry"]["coordinates"]
    for zoom, clustered in ((15, True), (16, False), (18, False)):
        t = WM.tile(lon, lat, zoom)
        found = decode(http.get(f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/{zoom}/{t.y}/"
                                f"{t.x}").content)
        assert found and all(("POID" not in f["properties"]) == clustered for f in found)
    tilejson = http.get(f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/tilejson.json").json()
    assert tilejson["maxzoom"] == 16


@pytest.mark.postgis
def test_both_publication_flavours_send_the_same_tiles(gpkg_tiles, pg_tiles, poi_items):
    import httpx

    lon, lat = poi_items[0]["geometry"]["coordinates"]
    with httpx.Client(timeout=60) as client:
        for zoom in (7, 12, 16):
            t = WM.tile(lon, lat, zoom)
            path = f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/{zoom}/{t.y}/{t.x}"
            gpkg, pg = client.get(gpkg_tiles + path), client.get(pg_tiles + path)
            assert gpkg.status_code == pg.status_code == 200
            assert decode(gpkg.content) == decode(pg.content) != []
