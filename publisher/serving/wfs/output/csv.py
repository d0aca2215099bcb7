"""CSV output: one row per feature, the geometry as WKT in the requested CRS.

Delimiter ``,``, UTF-8, RFC 4180 quoting; the first column ``FID`` is the ``gml:id`` so rows
can be matched with the GML and GeoJSON outputs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import shapely

from publisher.serving.wfs.output.page import Page

MEDIA_TYPE = "text/csv; charset=utf-8"


def feature_collection(page: Page) -> Iterator[bytes]:
    """Header then rows, one encoded chunk per batch."""
    ft = page.ft
    wanted = [p for p in page.properties if p != ft.geometry_name]
    with_geometry = ft.geometry_name in page.properties
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["FID", *wanted, *([ft.geometry_name] if with_geometry else [])])
    yield buffer.getvalue().encode()
    if page.req.hits:
        return
    decimals = page.crs.decimals
    for batch in page.features():
        buffer.seek(0)
        buffer.truncate()
        for gid, props, geom in batch:
            row = ["" if props[p] is None else _text(props[p]) for p in wanted]
            if with_geometry:
                if isinstance(geom, tuple):
                    row.append(f"POINT ({geom[0]:.{decimals}f} {geom[1]:.{decimals}f})")
                else:
                    row.append(shapely.to_wkt(geom, rounding_precision=decimals))
            writer.writerow([gid, *row])
        yield buffer.getvalue().encode()


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
