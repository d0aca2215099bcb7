"""GDAL's WFS driver (ogrinfo/ogr2ogr) against the real server on 127.0.0.1."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import numpy as np
import pytest
from pyproj import Transformer

from publisher.mapping import load_mapping
from publisher.serving.wfs.settings import COUNT_DEFAULT

pytestmark = pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="gdal-bin missing")
FIELDS = load_mapping("poi").names


def ogr2ogr(tmp_path, server: str, *args: str, name: str = "out.gpkg",
            url_params: str = "") -> sqlite3.Connection:
    out = tmp_path / name
    # a small page size makes GDAL page through the layer like QGIS does
    cmd = ["ogr2ogr", "-f", "GPKG", str(out), f"WFS:{server}{url_params}", "POI:POI",
           "-nln", "copy", "--config", "OGR_WFS_PAGE_SIZE", "400", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return sqlite3.connect(out)


def points(db: sqlite3.Connection, table: str) -> dict[str, tuple[float, float]]:
    out = {}
    for poid, blob in db.execute(f'SELECT POID, "{_geom(db, table)}" FROM {table}'):
        flags = blob[3]
        env = (0, 32, 48, 48, 64)[(flags >> 1) & 7]
        x, y = np.frombuffer(blob[8 + env + 5: 8 + env + 21], dtype="<f8")
        out[poid] = (float(x), float(y))
    return out


def _geom(db: sqlite3.Connection, table: str) -> str:
    return db.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                      (table,)).fetchone()[0]


def test_ogrinfo_lists_both_layers(server):
    result = subprocess.run(["ogrinfo", "-ro", f"WFS:{server}"], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "1: POI:POI (title: " in result.stdout
    assert result.stdout.splitlines()[-2].endswith("(Point)")
    assert "2: POI:Woningkwaliteitsbeleid (title: " in result.stdout
    assert result.stdout.rstrip().endswith("(Multi Surface)")


def test_ogr2ogr_copies_the_whole_layer_with_the_same_attributes(tmp_path, server, poi_db):
    copy = ogr2ogr(tmp_path, server)
    cols = ", ".join(f'"{f}"' for f in FIELDS)
    got = sorted(copy.execute(f"SELECT {cols} FROM copy"))
    expected = sorted(poi_db.execute(f"SELECT {cols} FROM poi"))
    assert len(got) == len(expected)
    assert got == expected


def test_ogr2ogr_where_product_returns_exactly_that_product(tmp_path, server, poi_meta):
    copy = ogr2ogr(tmp_path, server, "-where", "PRODUCT='Conformiteitsattest'")
    (n,) = copy.execute("SELECT count(*) FROM copy").fetchone()
    assert n == poi_meta["counts"]["Conformiteitsattest"]
    assert copy.execute("SELECT DISTINCT PRODUCT FROM copy").fetchall() == [
        ("Conformiteitsattest",)]


@pytest.mark.parametrize("srs", ["EPSG:4326", "urn:ogc:def:crs:EPSG::4326"])
def test_layer_in_wgs84_lands_where_lambert_puts_it(tmp_path, server, poi_db, srs):
    copy = ogr2ogr(tmp_path, server, name=f"wgs84-{srs[-6:]}.gpkg".replace(":", "_"),
                   url_params=f"?SRSNAME={srs}")
    got = points(copy, "copy")
    lambert = points(poi_db, "poi")
    assert got.keys() == lambert.keys()
    keys = sorted(lambert)
    xy = np.array([lambert[k] for k in keys])
    lon, lat = Transformer.from_crs(31370, 4326, always_xy=True).transform(xy[:, 0], xy[:, 1])
    # GDAL stores lon/lat (GIS order) in the GeoPackage whichever axis order the server used
    assert np.allclose(np.array([got[k] for k in keys]), np.column_stack([lon, lat]),
                       atol=1e-6)


def test_gdal_pages_by_count_default_not_by_its_own_100(tmp_path, server, poi_db):
    """GDAL reads CountDefault from the GetFeature operation: one page, not one per 100."""
    out = tmp_path / "paged.gpkg"
    result = subprocess.run(["ogr2ogr", "-f", "GPKG", str(out), f"WFS:{server}", "POI:POI",
                             "--debug", "on"], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert f"Paging support with page size {COUNT_DEFAULT}" in result.stderr
    fetches = [line for line in result.stderr.splitlines()
               if line.startswith("VSICURL: Start download") and "GetFeature" in line]
    (total,) = poi_db.execute("SELECT count(*) FROM poi").fetchone()
    assert 100 < total <= COUNT_DEFAULT  # GDAL's own page of 100 would take several
    assert len(fetches) == 1, fetches
