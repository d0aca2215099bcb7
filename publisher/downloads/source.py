"""Read a publication GeoPackage into typed columns and stream its pre-rendered fragments.

Plain ``sqlite3`` reads the file the publish job wrote (no GDAL, no SpatiaLite), so the
columns carry the mapping's types exactly (an integer with nulls stays an integer with a
mask instead of becoming a float, as a GDAL read would make it). Everything a writer needs
is read once; the GML and GeoJSON text is never re-rendered for points: the fragments the
services send are streamed as they are, so a download cannot differ from a WFS response.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from publisher.mapping import Mapping, load_mapping
from publisher.publication.gpkg import wkb_of
from publisher.publication.render import (
    geojson_feature,
    gml_feature,
    gml_id,
    gml_multisurface,
    to_crs84,
)


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


@dataclass
class Layer:
    """One published layer in memory: typed columns in publication (fid) order.

    Attributes
    ----------
    values
        Column name → numpy array in the mapping's type (object for strings, ``datetime64[D]``
        for dates, int64/bool with a mask in ``masks`` for nullable integers and booleans,
        float64 with NaN for reals).
    cells
        Column name → list of the CSV text of each value ('' for null), made once and shared
        by every CSV subset.
    """

    dataset: str
    path: Path
    mapping: Mapping
    as_of: date
    meta: dict[str, Any]
    fids: np.ndarray
    values: dict[str, np.ndarray]
    masks: dict[str, np.ndarray | None]
    wkb: np.ndarray
    geometries: np.ndarray
    cells: dict[str, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.fids)

    @property
    def products(self) -> list[str]:
        """Products present in the mapping (empty for a single-product dataset)."""
        return list(self.mapping.products)

    def selection(self, product: str | None) -> np.ndarray:
        """Row indexes of ``product`` (all rows for None), in publication order."""
        if product is None:
            return np.arange(len(self))
        return np.flatnonzero(self.values["PRODUCT"] == product)

    def props(self, i: int) -> dict[str, Any]:
        """Row ``i`` as Python values (None for nulls), for the on-the-fly renderers."""
        out: dict[str, Any] = {}
        for f in self.mapping.fields:
            mask = self.masks[f.name]
            value = self.values[f.name][i]
            if (mask is not None and mask[i]) or value is None:
                out[f.name] = None
            elif f.type == "date":
                out[f.name] = None if np.isnat(value) else value.astype(object)
            elif f.type == "real":
                out[f.name] = None if np.isnan(value) else float(value)
            else:
                out[f.name] = value.item() if hasattr(value, "item") else value
        return out


def _typed(ftype: str, raw: list[Any]) -> tuple[np.ndarray, np.ndarray | None]:
    if ftype == "string":
        return np.array(raw, dtype=object), None
    if ftype == "date":
        return np.array([v or "NaT" for v in raw], dtype="datetime64[D]"), None
    if ftype == "real":
        return np.array([np.nan if v is None else v for v in raw], dtype=np.float64), None
    mask = np.array([v is None for v in raw], dtype=bool)
    dtype = np.int64 if ftype == "integer" else np.bool_
    values = np.array([0 if v is None else v for v in raw], dtype=dtype)
    return values, (mask if mask.any() else None)


def _cell(ftype: str, values: np.ndarray, mask: np.ndarray | None) -> list[str]:
    if ftype == "string":
        out = ["" if v is None else v for v in values.tolist()]
    elif ftype == "date":
        out = ["" if np.isnat(v) else str(v) for v in values]
    elif ftype == "real":
        out = ["" if np.isnan(v) else repr(v) for v in values.tolist()]
    elif ftype == "boolean":
        out = ["true" if v else "false" for v in values.tolist()]
    else:
        out = [str(v) for v in values.tolist()]
    if mask is not None:
        out = ["" if m else v for v, m in zip(out, mask.tolist(), strict=True)]
    return out


def read_layer(path: Path, dataset: str) -> Layer:
    """Read the feature table of a publication file (``dataset`` is also its table name)."""
    mapping = load_mapping(dataset)
    names = mapping.names
    cols = ", ".join(f'"{n}"' for n in names)
    with closing(_connect(path)) as db:
        meta = {k: json.loads(v) for k, v in db.execute(
            "SELECT key, value FROM publication_meta")}
        rows = db.execute(f'SELECT fid, "{mapping.geometry_name}", {cols} FROM "{dataset}" '
                          "ORDER BY fid").fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(len(names) + 2)]
    del rows
    values, masks = {}, {}
    for f, raw in zip(mapping.fields, columns[2:], strict=True):
        values[f.name], masks[f.name] = _typed(f.type, list(raw))
    wkb = np.array([wkb_of(b) for b in columns[1]], dtype=object)
    geometries = shapely.from_wkb(wkb) if len(wkb) else np.empty(0, dtype=object)
    layer = Layer(dataset, path, mapping, date.fromisoformat(meta["as_of"]), meta,
                  np.array(columns[0], dtype=np.int64), values, masks, wkb, geometries)
    layer.cells = {f.name: _cell(f.type, values[f.name], masks[f.name])
                   for f in mapping.fields}
    return layer


def point_lonlat(layer: Layer) -> np.ndarray:
    """CRS84 lon/lat of every point, as stored beside the fragments (fid order)."""
    with closing(_connect(layer.path)) as db:
        rows = db.execute(f'SELECT lon, lat FROM "{layer.dataset}_fragment" ORDER BY fid'
                          ).fetchall()
    return np.array(rows, dtype=np.float64).reshape(-1, 2)


def has_fragments(layer: Layer) -> bool:
    """Whether the publication holds pre-rendered fragments for this layer."""
    with closing(_connect(layer.path)) as db:
        return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                          (f"{layer.dataset}_fragment",)).fetchone() is not None


def fragments(layer: Layer) -> Iterator[tuple[str | None, str, str]]:
    """(product, GML member, GeoJSON feature) per feature in publication order.

    Stored fragments are streamed straight from the file; a layer without them (the policy
    dataset) is rendered here, through the same renderer module the services use.
    """
    if has_fragments(layer):
        product = '"PRODUCT"' if "PRODUCT" in layer.mapping.names else "NULL"
        with closing(_connect(layer.path)) as db:
            yield from db.execute(
                f'SELECT {product}, f.gml, f.geojson FROM "{layer.dataset}_fragment" f '
                f'JOIN "{layer.dataset}" p USING (fid) ORDER BY fid')
        return
    yield from _rendered(layer)


def _rings(polygon: shapely.Polygon) -> list[np.ndarray]:
    return [shapely.get_coordinates(polygon.exterior)] + [
        shapely.get_coordinates(r) for r in polygon.interiors]


def _rendered(layer: Layer) -> Iterator[tuple[str | None, str, str]]:
    id_field = layer.mapping.names[0]
    type_name, geom_name = layer.mapping.layer, layer.mapping.geometry_name
    crs84 = shapely.transform(layer.geometries, to_crs84)
    has_product = "PRODUCT" in layer.mapping.names
    for i, geom in enumerate(layer.geometries):
        props = layer.props(i)
        polygons = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
        fid = gml_id(type_name, str(props[id_field]))
        surface = gml_multisurface(f"{fid}.{geom_name}", [_rings(p) for p in polygons])
        gml = gml_feature(type_name, fid, props, {geom_name: surface})
        geojson = geojson_feature(str(props[id_field]), shapely.geometry.mapping(crs84[i]),
                                  props)
        yield (props["PRODUCT"] if has_product else None), gml, geojson
