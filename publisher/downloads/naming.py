"""File names, formats and media types of the download files: one table, used everywhere.

A download's name says what it holds and for which day (``vlok-poi-conformiteitsattest-
2026-11-23.gml``), so a file saved to a desktop still makes sense a year later; names are
derived from the product value in ``mappings/``, never kept in a second list that could drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

PREFIX = "vlok"
POI = "poi"
POLICY = "woningkwaliteitsbeleid"
#: The products of a dataset file that holds every product (the all-in-one POI files).
ALL = None


@dataclass(frozen=True)
class Format:
    """One download format: how its files are named and announced."""

    key: str
    suffix: str
    media_type: str
    #: Whether HTTP compression helps (text) or only costs CPU (zip, GeoPackage).
    compressible: bool
    label: str


FORMATS: dict[str, Format] = {f.key: f for f in (
    Format("gml", ".gml", "application/gml+xml; version=3.2", True, "GML 3.2"),
    Format("xsd", ".xsd", "application/xml", True, "XML Schema (GML-applicatieschema)"),
    Format("shapefile", ".shp.zip", "application/zip", False, "Shapefile (zip)"),
    Format("csv", ".csv", "text/csv; charset=utf-8", True, "CSV"),
    Format("csvt", ".csvt", "text/plain; charset=utf-8", True, "Kolomtypes van de CSV (GDAL)"),
    Format("geopackage", ".gpkg", "application/geopackage+sqlite3", False, "GeoPackage"),
    Format("geojson", ".geojson", "application/geo+json", True, "GeoJSON"),
    Format("changes-json", ".json", "application/json", True, "Wijzigingen (JSON)"),
    Format("changes-csv", ".csv", "text/csv; charset=utf-8", True, "Wijzigingen (CSV)"),
)}
#: The feature formats written for every dataset and product, in the order of the index page.
FEATURE_FORMATS = ("gml", "shapefile", "csv", "geopackage", "geojson")
#: CRS of each format's coordinates (GeoJSON is CRS84 by RFC 7946).
CRS = {"gml": "EPSG:31370", "xsd": None, "shapefile": "EPSG:31370",
       "csv": "EPSG:31370 (X/Y) + EPSG:4326 (LAT/LON)", "csvt": None, "geopackage": "EPSG:31370",
       "geojson": "OGC:CRS84", "changes-json": None, "changes-csv": None}


def slug(product: str) -> str:
    """``VlaamseInventarisOngeschikteOnbewoonbareWoningen`` → ``vlaamse-inventaris-…``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", product).lower()


def stem(dataset: str, product: str | None, as_of: date) -> str:
    """File name without suffix: dataset, product (when split) and the as-of date."""
    parts = [PREFIX, dataset] + ([slug(product)] if product else []) + [as_of.isoformat()]
    return "-".join(parts)


def file_name(dataset: str, product: str | None, as_of: date, fmt: str) -> str:
    """The published name of one file."""
    return stem(dataset, product, as_of) + FORMATS[fmt].suffix


def schema_name(dataset: str, product: str | None, as_of: date) -> str:
    """The application schema beside a GML file: same name, ``.xsd``.

    GDAL (and so QGIS) finds an XSD with the GML file's base name without being told, so
    every GML file gets its own copy of the (small) dataset schema.
    """
    return file_name(dataset, product, as_of, "xsd")


def csvt_name(dataset: str, product: str | None, as_of: date) -> str:
    """The column types beside a CSV file: same name, ``.csvt`` (GDAL's CSV driver reads it)."""
    return file_name(dataset, product, as_of, "csvt")


def changes_name(dataset: str, as_of: date, fmt: str) -> str:
    """The change file of one run (``changes-json`` or ``changes-csv``)."""
    return f"{PREFIX}-{dataset}-wijzigingen-{as_of.isoformat()}{FORMATS[fmt].suffix}"
