"""Shapefile (zipped) and GeoPackage download files, written by GDAL through pyogrio.

Columns go to ``pyogrio.raw.write`` as numpy arrays (no geopandas): GDAL writes the binary
formats at C speed while we keep control of what it is given. For the Shapefile that matters
twice: field names are the ≤10-character ASCII short names of ``mappings/`` (not GDAL's
automatic truncation, which would rename fields differently from run to run as fields are
added), and text is cut by whole characters *before* GDAL sees it, because a DBF field width
counts bytes and GDAL (like pyshp before 3.1, pyshp #416) cuts at a byte.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pyogrio.raw

from publisher.downloads.source import Layer

#: A DBF character field holds at most 254 bytes.
DBF_MAX_BYTES = 254
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def fit_text(value: str | None, width: int | None) -> str | None:
    """Cut ``value`` to ``width`` characters and, whole characters only, to 254 UTF-8 bytes.

    The mapping's width is in characters (what a person counts in a street name); the DBF
    limit is in bytes. Never cutting inside a character keeps every value valid UTF-8, so
    QGIS and ArcGIS never show a replacement character at the end of "Sint-Raphaëlstraat".
    """
    if value is None:
        return None
    if width is not None and len(value) > width:
        value = value[:width]
    if len(value) * 4 > DBF_MAX_BYTES and len(value.encode("utf-8")) > DBF_MAX_BYTES:
        encoded = value.encode("utf-8")[:DBF_MAX_BYTES]
        value = encoded.decode("utf-8", errors="ignore")
    return value


def _columns(layer: Layer, rows: np.ndarray, shapefile: bool
             ) -> tuple[list[np.ndarray], list[np.ndarray | None], list[str]]:
    data, masks, names = [], [], []
    for f in layer.mapping.fields:
        values = layer.values[f.name][rows]
        if shapefile and f.type == "string":
            values = np.array([fit_text(v, f.width) for v in values.tolist()], dtype=object)
        mask = layer.masks[f.name]
        data.append(values)
        masks.append(None if mask is None else mask[rows])
        names.append(f.short if shapefile else f.name)
    return data, masks, names


def write_shapefile_zip(layer: Layer, rows: np.ndarray, path: Path, member_stem: str) -> None:
    """Write ``rows`` as a zipped Shapefile (.shp/.shx/.dbf/.prj/.cpg, UTF-8) at ``path``."""
    work = path.with_name(f".{path.name}.parts")
    work.mkdir()
    shp = work / f"{member_stem}.shp"
    data, masks, names = _columns(layer, rows, shapefile=True)
    pyogrio.raw.write(str(shp), layer.wkb[rows], data, names, field_mask=masks,
                      driver="ESRI Shapefile", geometry_type=layer.mapping.geometry_type,
                      crs="EPSG:31370", encoding="UTF-8", layer_options={"RESIZE": "YES"})
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for suffix in SHAPEFILE_PARTS:
            part = shp.with_suffix(suffix)
            zf.write(part, part.name)
            part.unlink()
    for leftover in work.iterdir():
        leftover.unlink()
    work.rmdir()


def write_geopackage(layer: Layer, rows: np.ndarray, path: Path) -> None:
    """Write ``rows`` as a GeoPackage with the publication's layer name, fields and SHAPE."""
    data, masks, names = _columns(layer, rows, shapefile=False)
    pyogrio.raw.write(str(path), layer.wkb[rows], data, names, field_mask=masks,
                      layer=layer.dataset, driver="GPKG",
                      dataset_options={"VERSION": "1.3"},
                      geometry_type=layer.mapping.geometry_type, crs="EPSG:31370",
                      layer_options={"GEOMETRY_NAME": layer.mapping.geometry_name,
                                     "FID": "fid", "SPATIAL_INDEX": "YES",
                                     "IDENTIFIER": f"{layer.mapping.layer} "
                                                   f"{layer.as_of.isoformat()}"})
