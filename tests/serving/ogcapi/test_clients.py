"""Real clients: GDAL's OAPIF driver (primary) and OWSLib (second opinion)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

needs_gdal = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL not installed")


@needs_gdal
def test_ogrinfo_lists_every_collection(ogc_base):
    out = subprocess.run(["ogrinfo", "-ro", "-q", f"OAPIF:{ogc_base}/ogc"], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    for cid in ("poi", "conformiteitsattest", "vlaamse-inventaris", "herstelvorderingen",
                "woningkwaliteitsbeleid"):
        assert cid in out


@needs_gdal
def test_ogr2ogr_copies_poi_with_every_feature(ogc_base, poi_meta, tmp_path):
    target = tmp_path / "poi.geojson"
    # a small page size makes GDAL page: it must stop exactly at the end, no duplicates
    subprocess.run(["ogr2ogr", "-f", "GeoJSON", str(target), f"OAPIF:{ogc_base}/ogc", "poi",
                    "-oo", "PAGE_SIZE=500"], capture_output=True, text=True, timeout=300,
                   check=True)
    features = json.loads(target.read_text())["features"]
    ids = [f["properties"]["POID"] for f in features]
    assert len(ids) == len(set(ids)) == poi_meta["features"]


@needs_gdal
def test_ogrinfo_attribute_filter_counts_one_product(ogc_base, poi_meta):
    out = subprocess.run(["ogrinfo", "-ro", "-so", f"OAPIF:{ogc_base}/ogc", "poi", "-where",
                          "PRODUCT = 'RegisterHerstelvorderingen'"], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert f"Feature Count: {poi_meta['counts']['RegisterHerstelvorderingen']}" in out


def test_owslib_reads_collections_and_items(ogc_base):
    from owslib.ogcapi.features import Features

    api = Features(f"{ogc_base}/ogc")
    ids = {c["id"] for c in api.collections()["collections"]}
    assert "poi" in ids
    items = api.collection_items("herstelvorderingen", limit=5)
    assert len(items["features"]) == 5
    assert {f["properties"]["PRODUCT"] for f in items["features"]} == {
        "RegisterHerstelvorderingen"}
    assert "POID" in api.collection_queryables("poi")["properties"]


@needs_gdal
def test_ogr2ogr_paging_by_a_thousand_copies_poi_in_a_handful_of_requests(ogc_base, poi_meta,
                                                                          tmp_path):
    target = tmp_path / "poi.geojson"
    run = subprocess.run(["ogr2ogr", "-f", "GeoJSON", str(target), f"OAPIF:{ogc_base}/ogc",
                          "poi", "-oo", "PAGE_SIZE=1000", "--config", "CPL_DEBUG", "ON"],
                         capture_output=True, text=True, timeout=300, check=True)
    fetches = run.stderr.count("HTTP: Fetch(")
    pages = -(-poi_meta["features"] // 1000)
    assert fetches <= pages + 3  # collections, a probe page, the pages (+1 empty at most)
    assert len(json.loads(target.read_text())["features"]) == poi_meta["features"]
