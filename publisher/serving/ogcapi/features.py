"""Rows of a page → GeoJSON feature dicts, in the requested CRS.

The fast path reads the pre-rendered CRS84 fragment of each POI (``poi_fragment.geojson``,
written at publish time by :mod:`publisher.publication.render`), so a default page shows
exactly the bytes' content the downloads and the WFS were rendered from. Any other CRS, a
property selection or the polygon dataset is built from the feature table, with every
coordinate of the page transformed in one vectorized pyproj call.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import shapely

from publisher.publication.render import json_value
from publisher.serving.backends import backend_for
from publisher.serving.ogcapi.crs import (
    CRS84,
    STORAGE_CRS,
    coordinate_function,
    transform_xy,
)

if TYPE_CHECKING:
    from publisher.serving.backends import Query
    from publisher.serving.ogcapi.provider import GeoPackagePublicationProvider


def target_crs(spec: Any) -> str:
    """The CRS URI of the response: pygeoapi sends no transform when it is the storage CRS."""
    return getattr(spec, "target_crs_uri", None) or STORAGE_CRS


def page(db: Query, provider: GeoPackagePublicationProvider, *, where: str,
         params: list[Any], order: str, limit: int, offset: int, target_crs: str,
         select: list[str], skip_geometry: bool) -> list[dict[str, Any]]:
    """The features of one page, in ``order``."""
    table, ph = provider.table, db.dialect.ph
    if table == "poi" and target_crs == CRS84 and not select and not skip_geometry:
        # The page's fids, then their fragments by primary key: joined after the LIMIT (a
        # subquery), not before it, where PostgreSQL merge-joined a bbox page over the whole
        # fragment index (70 of 80 ms). In publication order one statement does both.
        fragment = db.table(table + "_fragment")
        page_fids = (f"SELECT t.fid FROM {db.table(table)} t WHERE {where} ORDER BY {order} "
                     f"LIMIT {ph} OFFSET {ph}")
        if order == "t.fid":
            texts = [r[0] for r in db.rows(
                f"SELECT f.geojson FROM ({page_fids}) p JOIN {fragment} f ON f.fid = p.fid "
                "ORDER BY p.fid", [*params, limit, offset])]
            return json.loads("[" + ",".join(texts) + "]") if texts else []
        fids = [r[0] for r in db.rows(page_fids, [*params, limit, offset])]
        if not fids:
            return []
        marks = ", ".join([ph] * len(fids))
        found = dict(db.rows(f"SELECT fid, geojson FROM {fragment} WHERE fid IN ({marks})",
                             fids))
        return json.loads("[" + ",".join(found[fid] for fid in fids) + "]")  # one parse
    names = provider.mapping.names
    cols = ", ".join(f't."{n}"' for n in names)
    backend = backend_for(db.pub)
    geometry = backend.geometry_column(f't."{provider.geometry}"')
    rows = db.rows(f"SELECT {geometry}, {cols} FROM {db.table(table)} t WHERE {where} "
                   f"ORDER BY {order} LIMIT {ph} OFFSET {ph}", [*params, limit, offset])
    keep = [i for i, n in enumerate(names) if not select or n in select or
            n == provider.id_field]
    geometries = [None] * len(rows) if skip_geometry else _geometries(
        backend.decode([r[0] for r in rows]), provider.mapping.geometry_type, target_crs)
    # Each column's converter once per page, not a field lookup per value (30 ms per 1,000).
    convert = [(names[i], i, bool if provider.mapping.field(names[i]).type == "boolean"
                else json_value) for i in keep]
    id_index = names.index(provider.id_field)
    out = []
    for row, geometry in zip(rows, geometries, strict=True):
        values = row[1:]
        props = {name: None if values[i] is None else fn(values[i]) for name, i, fn in convert}
        out.append({"type": "Feature", "id": values[id_index], "geometry": geometry,
                    "properties": props})
    return out


def _geometries(shapes: Any, kind: str, target: str) -> list[Any]:
    """GeoJSON geometries of a page in ``target``, every vertex transformed in one call."""
    if kind == "Point":
        xy = shapely.get_coordinates(shapes).reshape(-1, 2)
        return [{"type": "Point", "coordinates": c} for c in transform_xy(xy, target).tolist()]
    present = [g for g in shapes if g is not None]
    moved = iter(shapely.transform(present, coordinate_function(target)) if present else [])
    return [shapely.geometry.mapping(next(moved)) if g is not None else None for g in shapes]
