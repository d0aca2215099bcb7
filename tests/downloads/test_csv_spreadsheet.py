"""The CSV downloads in a Belgian spreadsheet and in GDAL: numbers, not text.

A spreadsheet in the nl-BE locale reads ``,`` as the decimal separator and ``.`` as the
thousands separator, so ``152000.25`` stays text there (LibreOffice 7.4, locale nl-BE, checked)
and only ``152000,25`` is a number. The Python test applies those rules to every CSV; with
LibreOffice (``soffice``, installed by scripts/system-deps.sh; the test skips only where it
cannot be installed) the CSV is also converted headlessly with the nl-BE import filter and
the cell types are read back from the workbook. GDAL reads the same files through the
``.csvt`` beside them.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from publisher.mapping import load_mapping

COORDINATES = ("X", "Y", "LAT", "LON")
#: A number as a nl-BE spreadsheet reads it: optional thousands dots, decimal comma.
NL_BE_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
#: LibreOffice's CSV import options: separator ';' (59), quote '"' (34), UTF-8 (76), from
#: line 1, default column formats, language 2067 (0x0813 = nl-BE).
LO_FILTER = "CSV:59,34,76,1,,2067"
XLSX = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
BOUNDS = {"X": (20_000, 300_000), "Y": (150_000, 250_000), "LAT": (50.6, 51.6),
          "LON": (2.5, 6.0)}


def nl_be_number(text: str) -> float | None:
    """The value a nl-BE spreadsheet gives ``text``, or None when it keeps it as text."""
    if not NL_BE_NUMBER.match(text):
        return None
    return float(text.replace(".", "").replace(",", "."))


def csv_entries(manifest: dict) -> list[dict]:
    return [e for e in manifest["files"] if e["format"] == "csv"]


def read_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_the_nl_be_rules_are_the_spreadsheets():
    assert nl_be_number("152000,25") == 152000.25
    assert nl_be_number("1.202") == 1202
    assert nl_be_number("51,2194475") == 51.2194475
    assert nl_be_number("152000.25") is None  # what the old files held: text in nl-BE
    assert nl_be_number("Merksem") is None


def test_every_csv_coordinate_is_a_number_under_nl_be_rules(exported, manifest):
    for entry in csv_entries(manifest):
        header, *rows = read_rows(exported / entry["name"])
        assert header[-4:] == list(COORDINATES)
        assert len(rows) == entry["features"] > 0
        for row in rows:
            for name, text in zip(COORDINATES, row[-4:], strict=True):
                value = nl_be_number(text)
                assert value is not None, (entry["name"], name, text)
                low, high = BOUNDS[name]
                assert low < value < high, (entry["name"], name, text)


def test_policy_fees_are_numbers_under_nl_be_rules(exported, manifest):
    mapping = load_mapping("woningkwaliteitsbeleid")
    reals = [f.name for f in mapping.fields if f.type == "real"]
    entry = next(e for e in csv_entries(manifest) if e["dataset"] == "woningkwaliteitsbeleid")
    header, *rows = read_rows(exported / entry["name"])
    seen = 0
    for row in rows:
        cells = dict(zip(header, row, strict=True))
        for name in reals:
            if cells[name]:
                assert nl_be_number(cells[name]) is not None, (name, cells[name])
                seen += 1
    assert seen


def test_a_csvt_beside_every_csv_types_its_columns(exported, manifest):
    names = {e["name"]: e for e in manifest["files"]}
    for entry in csv_entries(manifest):
        csvt = entry["name"].removesuffix(".csv") + ".csvt"
        assert csvt in names and names[csvt]["format"] == "csvt", csvt
        assert names[csvt]["product"] == entry["product"]
        types = next(csv.reader(io.StringIO((exported / csvt).read_text("ascii"))))
        header = read_rows(exported / entry["name"])[0]
        assert len(types) == len(header)
        assert types[-4:] == ["Real"] * 4
        mapping = load_mapping(entry["dataset"])
        assert types[0].startswith("String(")
        for f, t in zip(mapping.fields, types, strict=False):
            assert t.split("(")[0] == {"string": "String", "integer": "Integer",
                                       "real": "Real", "date": "Date",
                                       "boolean": "Integer"}[f.type], (f.name, t)


def test_gdal_types_the_columns_and_builds_the_points_from_the_decimal_comma(
        exported, manifest):
    for entry in csv_entries(manifest):
        path = exported / entry["name"]
        out = subprocess.run(
            ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(path), "-limit", "20",
             "-oo", "X_POSSIBLE_NAMES=X", "-oo", "Y_POSSIBLE_NAMES=Y"],
            capture_output=True, text=True, check=True).stdout
        features = json.loads(out)["features"]
        assert len(features) == min(20, entry["features"])
        rows = read_rows(path)[1:21]
        for feature, row in zip(features, rows, strict=True):
            props = feature["properties"]
            assert isinstance(props["LAT"], float) and isinstance(props["LON"], float)
            x, y = (nl_be_number(v) for v in row[-4:-2])
            assert feature["geometry"]["type"] == "Point"
            assert feature["geometry"]["coordinates"] == pytest.approx([x, y], abs=1e-6)
            assert props["PEILDATUM"] == "2026-11-23"
        if entry["dataset"] == "woningkwaliteitsbeleid":
            assert isinstance(features[0]["properties"]["CA_VERPLICHT"], bool)


def _xlsx_columns(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Header name → [(cell type, value)] of the first sheet of an .xlsx file."""
    with zipfile.ZipFile(path) as zf:
        shared = [("".join(si.itertext()))
                  for si in etree.fromstring(zf.read("xl/sharedStrings.xml"))
                  .iter(f"{XLSX}si")]
        sheet = etree.fromstring(zf.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(f"{XLSX}row"):
        cells = {}  # column letters → cell (empty cells are absent, so go by reference)
        for c in row.iter(f"{XLSX}c"):
            kind, v = c.get("t", "n"), c.findtext(f"{XLSX}v") or ""
            cells[c.get("r").rstrip("0123456789")] = (kind, shared[int(v)] if kind == "s" else v)
        rows.append(cells)
    header = {col: v for col, (_, v) in rows[0].items()}
    return {name: [r[col] for r in rows[1:] if col in r] for col, name in header.items()}


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed; the nl-BE rules are "
                           "checked in Python above")
def test_libreoffice_in_nl_be_reads_the_coordinates_as_numbers(exported, manifest, tmp_path):
    entry = min((e for e in csv_entries(manifest) if e["dataset"] == "poi"),
                key=lambda e: e["features"])
    source = exported / entry["name"]
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "xlsx", f"--infilter={LO_FILTER}", "--outdir", str(tmp_path),
         str(source)], capture_output=True, check=True, timeout=180)
    columns = _xlsx_columns(tmp_path / (source.stem + ".xlsx"))
    rows = read_rows(source)[1:]
    for i, name in enumerate(COORDINATES):
        cells = columns[name]
        assert len(cells) == len(rows) == entry["features"]
        assert {kind for kind, _ in cells} == {"n"}, (name, cells[:3])
        for (_, value), row in zip(cells, rows, strict=True):
            assert float(value) == pytest.approx(nl_be_number(row[-4 + i]))
    assert {kind for kind, _ in columns["GEMEENTE"]} == {"s"}
