"""GML, GeoJSON and CSV download files: streamed, one pass for all products at once.

GML and GeoJSON are concatenations of the fragments the services send (see
:func:`publisher.downloads.source.fragments`): one read of the fragment table feeds the
all-products file and the file of the feature's product together, so a daily export reads
every fragment once and never holds a whole document in memory.

CSV is UTF-8 with a byte-order mark (Excel only detects UTF-8 with it; GDAL, pandas and
Python's ``utf-8-sig`` skip it), ``;`` as delimiter (Excel and LibreOffice in a Belgian/Dutch
locale split on it), ``,`` as decimal separator for every real number (the coordinates and
the policy's fees), CRLF line ends (RFC 4180), a header row, then X/Y in EPSG:31370 and
LAT/LON in WGS84 (EPSG:4326) as the last four columns. The decimal comma is what makes a
spreadsheet in the nl-BE locale read the coordinates as numbers: with a decimal point
LibreOffice (locale nl-BE) keeps ``152000.25`` as text. Beside each CSV a ``.csvt`` (GDAL's
CSV driver column types) says which columns are Integer, Real, Date or Boolean; GDAL reads a
decimal comma in Real columns and in ``X_POSSIBLE_NAMES``/``Y_POSSIBLE_NAMES`` columns of a
``;``-separated file (checked with GDAL 3.6), so ``ogrinfo -oo X_POSSIBLE_NAMES=X -oo
Y_POSSIBLE_NAMES=Y`` still builds the points.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import IO

import numpy as np
import shapely

from publisher.downloads.source import Layer, fragments, point_lonlat
from publisher.mapping import Mapping
from publisher.publication.render import GML_NS, POI_NS, STORED_SRS, to_crs84

WFS_NS = "http://www.opengis.net/wfs/2.0"
WFS_SCHEMA = "http://schemas.opengis.net/wfs/2.0/wfs.xsd"
#: Buffer per open output file: large writes, few system calls.
BUFFER = 1 << 20
CSV_DELIMITER = ";"
COORDINATE_COLUMNS = ("X", "Y", "LAT", "LON")
#: GDAL CSV driver type (``.csvt``) of each mapping field type.
CSVT_TYPES = {"string": "String", "integer": "Integer", "real": "Real", "date": "Date",
              "boolean": "Integer(Boolean)"}


def decimal_comma(text: str) -> str:
    """``152000.25`` → ``152000,25``: the nl-BE decimal separator (no thousands separator)."""
    return text.replace(".", ",")


def csvt_line(mapping: Mapping) -> str:
    """The ``.csvt`` of a CSV file: one quoted GDAL type per column, in column order.

    Strings carry their width (``String(24)``) so ``ogr2ogr`` to a Shapefile or a database
    keeps it; the four coordinate columns are Real.
    """
    types = [CSVT_TYPES[f.type] + (f"({f.width})" if f.type == "string" and f.width else "")
             for f in mapping.fields] + ["Real"] * len(COORDINATE_COLUMNS)
    return ",".join(f'"{t}"' for t in types) + "\r\n"


def _open_all(stack: ExitStack, paths: dict[str | None, Path]) -> dict[str | None, IO[str]]:
    return {key: stack.enter_context(open(path, "w", encoding="utf-8", newline="",
                                          buffering=BUFFER))
            for key, path in paths.items()}


def _bounded_by(layer: Layer, key: str | None) -> str:
    """``wfs:boundedBy`` of a subset: GDAL takes the layer CRS from its ``srsName``."""
    rows = layer.selection(key)
    if not len(rows):
        return ""
    x0, y0, x1, y1 = shapely.total_bounds(layer.geometries[rows]).tolist()
    return (f'<wfs:boundedBy><gml:Envelope srsName="{STORED_SRS}"><gml:lowerCorner>'
            f"{x0:.2f} {y0:.2f}</gml:lowerCorner><gml:upperCorner>{x1:.2f} {y1:.2f}"
            "</gml:upperCorner></gml:Envelope></wfs:boundedBy>\n")


def write_gml_and_geojson(layer: Layer, gml: dict[str | None, Path],
                          geojson: dict[str | None, Path], schemas: dict[str | None, str],
                          generated_at: str) -> None:
    """Write the GML and GeoJSON file of every product key (None = all products).

    ``wfs:FeatureCollection`` is the root because GDAL, QGIS and FME read it as a WFS
    response; its ``xsi:schemaLocation`` names the XSD beside the file (relative, same base
    name, which GDAL picks up by itself), so the file validates wherever it is saved.
    """
    counts = {key: len(layer.selection(key)) for key in gml}
    with ExitStack() as stack:
        gml_out, json_out = _open_all(stack, gml), _open_all(stack, geojson)
        for key, fh in gml_out.items():
            fh.write(
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<wfs:FeatureCollection xmlns:wfs="{WFS_NS}" xmlns:gml="{GML_NS}" '
                f'xmlns:POI="{POI_NS}" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                f'xsi:schemaLocation="{WFS_NS} {WFS_SCHEMA} {POI_NS} {schemas[key]}" '
                f'timeStamp="{generated_at}" numberMatched="{counts[key]}" '
                f'numberReturned="{counts[key]}">\n{_bounded_by(layer, key)}')
        first = dict.fromkeys(json_out, True)
        for fh in json_out.values():
            fh.write('{"type":"FeatureCollection","features":[\n')
        for product, member, feature in fragments(layer):
            for key in (None, product) if product is not None else (None,):
                out = gml_out.get(key)
                if out is None:
                    continue
                out.write("<wfs:member>")
                out.write(member)
                out.write("</wfs:member>\n")
                jfh = json_out[key]
                if not first[key]:
                    jfh.write(",\n")
                first[key] = False
                jfh.write(feature)
        for fh in gml_out.values():
            fh.write("</wfs:FeatureCollection>\n")
        for fh in json_out.values():
            fh.write("\n]}\n")


def _coordinates(layer: Layer) -> tuple[list[str], list[str], list[str], list[str]]:
    """X/Y (Lambert 72, cm) and LAT/LON (WGS84, 7 decimals) of every feature, decimal comma.

    Points use the stored lon/lat (the same numbers as the GeoJSON); polygons get a point
    guaranteed inside them (``point_on_surface``), which is what a spreadsheet can plot.
    """
    if layer.mapping.geometry_type == "Point":
        xy = shapely.get_coordinates(layer.geometries)
        lonlat = point_lonlat(layer)
    else:
        xy = shapely.get_coordinates(shapely.point_on_surface(layer.geometries))
        lonlat = to_crs84(np.round(xy, 2)) if len(xy) else np.empty((0, 2))
    return ([decimal_comma(f"{v:.2f}") for v in xy[:, 0].tolist()],
            [decimal_comma(f"{v:.2f}") for v in xy[:, 1].tolist()],
            [decimal_comma(f"{v:.7f}") for v in lonlat[:, 1].tolist()],
            [decimal_comma(f"{v:.7f}") for v in lonlat[:, 0].tolist()])


def write_csv(layer: Layer, paths: dict[str | None, Path],
              csvt: dict[str | None, Path] | None = None) -> None:
    """Write the CSV file of every product key (None = all products), and its ``.csvt``."""
    coords = _coordinates(layer)
    columns: Sequence[list[str]] = [
        [decimal_comma(c) for c in layer.cells[f.name]] if f.type == "real"
        else layer.cells[f.name] for f in layer.mapping.fields] + list(coords)
    for path in (csvt or {}).values():
        path.write_text(csvt_line(layer.mapping), encoding="ascii", newline="")
    header = [*layer.mapping.names, *COORDINATE_COLUMNS]
    for key, path in paths.items():
        rows = layer.selection(key).tolist()
        with open(path, "w", encoding="utf-8-sig", newline="", buffering=BUFFER) as fh:
            writer = csv.writer(fh, delimiter=CSV_DELIMITER, lineterminator="\r\n")
            writer.writerow(header)
            if key is None:
                writer.writerows(zip(*columns, strict=True))
            else:
                writer.writerows(zip(*([c[i] for i in rows] for c in columns), strict=True))
