"""GetFeature as GeoJSON: CRS84 always, the stored fragments as published, WFS counts."""

from __future__ import annotations

import json

from .conftest import wfs_get


def features(client, **params):
    response = wfs_get(client, "GetFeature", OUTPUTFORMAT="application/json", **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return json.loads(response.content)


def test_geojson_members_are_the_stored_fragments(client, poi_db):
    doc = features(client, TYPENAMES="POI:POI", COUNT="3")
    stored = [json.loads(r[0]) for r in
              poi_db.execute("SELECT geojson FROM poi_fragment ORDER BY fid LIMIT 3")]
    assert doc["features"] == stored
    assert doc["numberReturned"] == 3
    assert doc["type"] == "FeatureCollection"


def test_geojson_is_crs84_whatever_srsname_says(client):
    plain = features(client, TYPENAMES="POI:POI", COUNT="2")
    asked = features(client, TYPENAMES="POI:POI", COUNT="2", SRSNAME="EPSG:31370")
    assert plain["features"] == asked["features"]
    lon, lat = plain["features"][0]["geometry"]["coordinates"]
    assert 2 < lon < 6 and 50 < lat < 52


def test_geojson_next_link_keeps_the_output_format(client):
    doc = features(client, TYPENAMES="POI:POI", COUNT="2")
    (link,) = [x for x in doc["links"] if x["rel"] == "next"]
    assert "OUTPUTFORMAT=application%2Fjson" in link["href"]


def test_geojson_propertyname_subset_renders_on_the_fly(client):
    doc = features(client, TYPENAMES="POI:POI", COUNT="2", PROPERTYNAME="PRODUCT,SHAPE")
    assert set(doc["features"][0]["properties"]) == {"PRODUCT"}
    assert doc["features"][0]["geometry"]["type"] == "Point"


def test_geojson_policy_layer_has_multipolygons_and_booleans(client):
    doc = features(client, TYPENAMES="POI:Woningkwaliteitsbeleid", COUNT="2")
    feature = doc["features"][0]
    assert feature["geometry"]["type"] in ("MultiPolygon", "Polygon")
    assert isinstance(feature["properties"]["CA_VERPLICHT"], bool)
    assert feature["id"] == feature["properties"]["NISCODE"]


def test_geojson_hits_has_counts_and_no_features(client, poi_meta):
    doc = features(client, TYPENAMES="POI:POI", RESULTTYPE="hits")
    assert doc["numberMatched"] == poi_meta["features"]
    assert doc["numberReturned"] == 0
    assert doc["features"] == []


def test_csv_has_a_header_fid_and_wkt_geometry(client, poi_meta):
    response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", OUTPUTFORMAT="text/csv",
                       COUNT="3", SRSNAME="EPSG:4326")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.strip().splitlines()
    assert lines[0].startswith("FID,POID,PRODUCT")
    assert lines[0].endswith(",SHAPE")
    assert len(lines) == 4
    assert lines[1].startswith("POI.")
    assert "POINT (4." in lines[1] or "POINT (3." in lines[1] or "POINT (5." in lines[1]
