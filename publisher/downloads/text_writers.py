"""GML, GeoJSON and CSV download files: streamed, one pass for all products at once.

GML and GeoJSON are concatenations of the fragments the services send (see
:func:`publisher.downloads.source.fragments`): one read of the fragment table feeds the
all-products file and the file of the feature's product together, so a daily export reads
every fragment once and never holds a whole document in memory.

CSV is UTF-8 with a byte-order mark (Excel only detects UTF-8 with it; GDAL, pandas and
Python's ``utf-8-sig`` skip it), ``;`` as delimiter (Excel in a Belgian/Dutch locale splits on
it), ``.`` as decimal separator (machine-readable; coordinates are not meant for Excel
arithmetic), CRLF line ends (RFC 4180), a header row, then X/Y in EPSG:31370 and LAT/LON in
WGS84 (EPSG:4326) as the last four columns.
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
from publisher.publication.render import GML_NS, POI_NS, STORED_SRS, to_crs84

WFS_NS = "http://www.opengis.net/wfs/2.0"
WFS_SCHEMA = "http://schemas.opengis.net/wfs/2.0/wfs.xsd"
#: Buffer per open output file: large writes, few system calls.
BUFFER = 1 << 20
CSV_DELIMITER = ";"
COORDINATE_COLUMNS = ("X", "Y", "LAT", "LON")


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
    """X/Y (Lambert 72, cm) and LAT/LON (WGS84, 7 decimals) text of every feature.

    Points use the stored lon/lat (the same numbers as the GeoJSON); polygons get a point
    guaranteed inside them (``point_on_surface``), which is what a spreadsheet can plot.
    """
    if layer.mapping.geometry_type == "Point":
        xy = shapely.get_coordinates(layer.geometries)
        lonlat = point_lonlat(layer)
    else:
        xy = shapely.get_coordinates(shapely.point_on_surface(layer.geometries))
        lonlat = to_crs84(np.round(xy, 2)) if len(xy) else np.empty((0, 2))
    return ([f"{v:.2f}" for v in xy[:, 0].tolist()], [f"{v:.2f}" for v in xy[:, 1].tolist()],
            [f"{v:.7f}" for v in lonlat[:, 1].tolist()],
            [f"{v:.7f}" for v in lonlat[:, 0].tolist()])


def write_csv(layer: Layer, paths: dict[str | None, Path]) -> None:
    """Write the CSV file of every product key (None = all products)."""
    coords = _coordinates(layer)
    columns: Sequence[list[str]] = [layer.cells[n] for n in layer.mapping.names] + list(coords)
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
