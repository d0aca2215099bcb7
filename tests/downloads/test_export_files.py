"""The download files: every format read back by GDAL and pyogrio, intact and complete."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pyogrio
import pytest
from lxml import etree
from pyproj import Transformer

from publisher.downloads.ogr_writers import fit_text
from publisher.downloads.sets import file_digest
from publisher.mapping import load_mapping
from publisher.publication.gpkg import read_meta
from publisher.publication.render import POI_NS
from publisher.synthetic.people import canary_values

# The OGC schemas live in the repository (tests/ogc_schemas), loaded by path.
SCHEMAS = Path(__file__).resolve().parents[1] / "ogc_schemas"
if str(SCHEMAS) not in sys.path:
    sys.path.insert(0, str(SCHEMAS))
from validate import parser, schema_from_locations  # noqa: E402

WFS = ("http://www.opengis.net/wfs/2.0", "http://schemas.opengis.net/wfs/2.0/wfs.xsd")
GML = ("http://www.opengis.net/gml/3.2", "http://schemas.opengis.net/gml/3.2.1/gml.xsd")
FEATURE_FORMATS = ("gml", "shapefile", "csv", "geopackage", "geojson")
CSV_OPTIONS = ["-oo", "X_POSSIBLE_NAMES=X", "-oo", "Y_POSSIBLE_NAMES=Y",
               "-oo", "KEEP_GEOM_COLUMNS=NO"]


def feature_files(manifest: dict) -> list[dict]:
    return [e for e in manifest["files"] if e["format"] in FEATURE_FORMATS]


def expected_count(published: Path, entry: dict) -> int:
    pointers = json.loads((published / "current.json").read_text())
    meta = read_meta(published / pointers[entry["dataset"]]["file"])
    return meta["counts"][entry["product"]] if entry["product"] else meta["features"]


def ogrinfo_count(path: Path, fmt: str) -> int:
    extra = CSV_OPTIONS if fmt == "csv" else []
    out = subprocess.run(["ogrinfo", "-ro", "-so", "-al", *extra, str(path)],
                         capture_output=True, text=True, check=True).stdout
    return int(next(line for line in out.splitlines()
                    if line.startswith("Feature Count:")).split(":")[1])


def accented_street(published: Path) -> str:
    import sqlite3

    pointers = json.loads((published / "current.json").read_text())
    with sqlite3.connect(published / pointers["poi"]["file"]) as db:
        streets = [s for (s,) in db.execute('SELECT DISTINCT "STRAAT" FROM poi')]
    accented = sorted(s for s in streets if any(c in s for c in "éëüèïö"))
    assert accented, "the synthetic street list should have accented names"
    return accented[0]


def test_every_file_has_the_publication_feature_count_for_gdal_and_pyogrio(
        exported, manifest, published):
    for entry in feature_files(manifest):
        path = exported / entry["name"]
        want = expected_count(published, entry)
        assert entry["features"] == want, entry["name"]
        assert ogrinfo_count(path, entry["format"]) == want, entry["name"]
        if entry["format"] != "csv":
            assert pyogrio.read_info(path)["features"] == want, entry["name"]


def test_each_format_declares_its_crs(exported, manifest):
    for entry in feature_files(manifest):
        if entry["format"] == "csv":
            continue
        crs = pyogrio.read_info(exported / entry["name"])["crs"]
        assert crs == ("EPSG:4326" if entry["format"] == "geojson" else "EPSG:31370"), \
            entry["name"]


def test_every_format_keeps_the_mapping_fields(exported, manifest):
    for entry in feature_files(manifest):
        mapping = load_mapping(entry["dataset"])
        if entry["format"] == "csv":
            with open(exported / entry["name"], encoding="utf-8-sig") as fh:
                fields = next(csv.reader(fh, delimiter=";"))
            assert fields == [*mapping.names, "X", "Y", "LAT", "LON"]
            continue
        fields = list(pyogrio.read_info(exported / entry["name"])["fields"])
        if entry["format"] == "shapefile":
            assert fields == [f.short for f in mapping.fields]
            assert all(len(f) <= 10 and f.isascii() for f in fields)
        elif entry["format"] == "gml":
            assert [f for f in fields if f != "gml_id"] == list(mapping.names)
        else:
            assert [f for f in fields if f != "id"] == list(mapping.names)


def test_shapefile_zip_holds_the_five_parts_with_a_utf8_cpg(exported, manifest):
    for entry in (e for e in manifest["files"] if e["format"] == "shapefile"):
        with zipfile.ZipFile(exported / entry["name"]) as zf:
            names = sorted(zf.namelist())
            stem = entry["name"].removesuffix(".shp.zip")
            assert names == sorted(stem + s for s in (".cpg", ".dbf", ".prj", ".shp", ".shx"))
            assert zf.read(stem + ".cpg").strip() == b"UTF-8"


def test_an_accented_street_survives_in_shapefile_csv_gml_and_geojson(
        exported, manifest, published):
    street = accented_street(published)
    by_format = {e["format"]: exported / e["name"] for e in manifest["files"]
                 if e["dataset"] == "poi" and e["product"] is None}
    _, _, _, fields = pyogrio.raw.read(by_format["shapefile"], columns=["STRAAT"],
                                       read_geometry=False)
    assert street in set(fields[0].tolist())
    for fmt in ("csv", "gml", "geojson"):
        assert street in by_format[fmt].read_text(encoding="utf-8-sig"), fmt
    doc = json.loads(by_format["geojson"].read_text(encoding="utf-8"))
    assert street in {f["properties"]["STRAAT"] for f in doc["features"]}


def test_text_is_cut_by_characters_never_inside_a_character():
    assert fit_text("Sint-Raphaëlstraat", 120) == "Sint-Raphaëlstraat"
    assert fit_text("ë" * 20, 5) == "ëëëëë"
    cut = fit_text("é" * 200, 254)
    assert cut == "é" * 127 and len(cut.encode()) == 254
    cut = fit_text("a" + "ü" * 200, 254)
    assert len(cut.encode()) <= 254 and cut.encode().decode() == cut
    assert fit_text(None, 10) is None


def test_gml_files_validate_against_their_xsd_and_gml_321(exported, manifest):
    for entry in (e for e in manifest["files"] if e["format"] == "gml"):
        path = exported / entry["name"]
        xsd = path.with_suffix(".xsd")
        assert xsd.exists()
        tree = etree.parse(str(path), parser())
        root = tree.getroot()
        assert root.get("numberMatched") == str(entry["features"])
        schema = schema_from_locations([WFS, GML, (POI_NS, str(xsd))])
        assert schema.validate(tree), (entry["name"], schema.error_log)


def test_geojson_is_an_rfc7946_feature_collection_in_crs84(exported, manifest):
    for entry in (e for e in manifest["files"] if e["format"] == "geojson"):
        doc = json.loads((exported / entry["name"]).read_text(encoding="utf-8"))
        assert doc["type"] == "FeatureCollection" and "crs" not in doc
        assert len(doc["features"]) == entry["features"]
        for feature in doc["features"][:50]:
            lon, lat = (feature["geometry"]["coordinates"] if entry["dataset"] == "poi"
                        else feature["geometry"]["coordinates"][0][0][0])
            assert 2.5 < lon < 6.0 and 50.6 < lat < 51.6


def test_csv_is_utf8_with_bom_semicolons_and_both_coordinate_pairs(exported, manifest):
    to_wgs84 = Transformer.from_crs(31370, 4326, always_xy=True)
    for entry in (e for e in manifest["files"] if e["format"] == "csv"):
        raw = (exported / entry["name"]).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        assert len(rows) == entry["features"]
        for row in rows[:100]:
            x, y, lat, lon = (float(row[c].replace(",", ".")) for c in ("X", "Y", "LAT", "LON"))
            tlon, tlat = to_wgs84.transform(x, y)
            assert abs(tlon - lon) < 1e-6 and abs(tlat - lat) < 1e-6


def test_manifest_bytes_and_sha256_match_the_files(exported, manifest):
    listed = {e["name"] for e in manifest["files"]}
    on_disk = {p.name for p in exported.iterdir()} - {"manifest.json"}
    assert listed == on_disk
    for entry in manifest["files"]:
        assert file_digest(exported / entry["name"]) == (entry["bytes"], entry["sha256"])
        assert entry["as_of"] == "2026-11-23" and entry["generated_at"]
        assert entry["media_type"]


def test_file_names_carry_dataset_product_and_date(manifest):
    names = {e["name"] for e in manifest["files"]}
    assert "vlok-poi-conformiteitsattest-2026-11-23.gml" in names
    assert "vlok-poi-register-herstelvorderingen-2026-11-23.shp.zip" in names
    assert "vlok-poi-2026-11-23.geojson" in names
    assert "vlok-woningkwaliteitsbeleid-2026-11-23.gpkg" in names
    assert "vlok-poi-wijzigingen-2026-11-23.json" in names
    assert all("2026-11-23" in n for n in names)


def _all_bytes(path: Path) -> list[bytes]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return [zf.read(n) for n in zf.namelist()]
    return [path.read_bytes()]


def test_no_canary_personal_value_in_any_file_zipped_or_not(exported):
    canaries = [c.encode() for c in canary_values()]
    files = list(exported.iterdir())
    assert len(files) > 30
    for path in files:
        for blob in _all_bytes(path):
            for canary in canaries:
                assert canary not in blob, (path.name, canary)


def test_change_files_list_the_runs_additions_per_product(exported, manifest, published):
    entry = next(e for e in manifest["files"]
                 if e["name"] == "vlok-poi-wijzigingen-2026-11-23.json")
    doc = json.loads((exported / entry["name"]).read_text(encoding="utf-8"))
    pointers = json.loads((published / "current.json").read_text())
    counts = read_meta(published / pointers["poi"]["file"])["counts"]
    # the first publication adds every feature
    assert {p: len(c["added"]) for p, c in doc["changes"].items()} == counts
    with open(exported / "vlok-poi-wijzigingen-2026-11-23.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert len(rows) == sum(counts.values()) == entry["changes"]
    assert {r["WIJZIGING"] for r in rows} == {"added"}


@pytest.mark.parametrize("fmt", ["geopackage", "shapefile"])
def test_policy_file_keeps_types_and_nulls(exported, manifest, fmt):
    entry = next(e for e in manifest["files"]
                 if e["dataset"] == "woningkwaliteitsbeleid" and e["format"] == fmt)
    info = pyogrio.read_info(exported / entry["name"])
    assert info["geometry_type"] in ("MultiPolygon", "Polygon")
    assert info["features"] == entry["features"] == 285
