"""What GetMap and GetFeatureInfo share: the publications, the ETag, filters as fids."""

from __future__ import annotations

import time
from contextlib import closing
from functools import cache

import numpy as np
from pygeofilter import ast

from publisher.mapping import load_mapping
from publisher.serving.backends import Failure, backend_for
from publisher.serving.crs import CrsError, box_to_native, covers_data_area
from publisher.serving.filters.compiler import (
    FilterError,
    GeometryLiteral,
    Layer,
    compile_filter,
    layer_from_mapping,
)
from publisher.serving.publications import Publication, PublicationReader, PublicationUnreadable
from publisher.serving.wms.errors import (
    InvalidParameterValue,
    ServiceUnavailable,
    from_value_error,
)
from publisher.serving.wms.layers import POI, POLICY, MapLayer
from publisher.serving.wms.render import data, draw
from publisher.serving.wms.render.data import Points, products
from publisher.serving.wms.request import MapView
from publisher.serving.wms.settings import MAX_AGE_SECONDS


def publications(reader: PublicationReader, layers: tuple[MapLayer, ...]
                 ) -> dict[str, Publication]:
    """The current publication of every dataset ``layers`` draw (resolved once)."""
    out = {}
    for dataset in dict.fromkeys(layer.dataset for layer in layers):
        try:
            pub = reader.current(dataset)
        except PublicationUnreadable as exc:
            raise ServiceUnavailable(f"{dataset} cannot be read now; retry later") from exc
        if pub is None:
            raise ServiceUnavailable(f"{dataset} has not been published yet")
        out[dataset] = pub
    return out


def cache_headers(tag: str) -> dict[str, str]:
    """Headers that let any cache keep an answer until the publication changes."""
    return {"ETag": tag, "Cache-Control": f"public, max-age={MAX_AGE_SECONDS}"}


def etag(pubs: dict[str, Publication]) -> str:
    """The ETag of anything drawn from ``pubs``: their run ids (new with every publication)."""
    return '"wms-' + "-".join(pubs[d].run_id for d in sorted(pubs)) + '"'


@cache
def filter_layer(dataset: str) -> Layer:
    """What a CQL_FILTER on ``dataset`` may name: the mapping's fields (the one allow-list)."""
    return layer_from_mapping(load_mapping(dataset), table=dataset,
                              id_field="POID" if dataset == POI else "NISCODE")


def written(view: MapView, box: tuple[float, float, float, float]) -> tuple[float, ...]:
    """``box`` (x/y order) in the axis order the view's CRS is written in."""
    x1, y1, x2, y2 = box
    return (y1, x1, y2, x2) if view.crs.lat_first else box


def matching_fids(pub: Publication, layer: MapLayer, view: MapView, node: ast.Node,
                  box: tuple[float, float, float, float], deadline: float | None,
                  limit: int | None = None) -> np.ndarray:
    """Fids of ``layer``'s features in ``box`` (x/y in the view's CRS) matching ``node``.

    The one filter compiler turns CQL_FILTER, the layer's products and the box into SQL for
    the publication's backend (R-tree on a GeoPackage, GiST on PostGIS).
    """
    backend = backend_for(pub)
    flt = filter_layer(layer.dataset)
    nodes = [node] if node is not None else []
    if layer.products and len(layer.products) < len(products()):
        nodes.append(ast.In(ast.Attribute("PRODUCT"), list(layer.products), False))
    try:
        area = GeometryLiteral(box_to_native(view.crs, *written(view, box), locator="BBOX"),
                               covers_data_area(view.crs, *written(view, box), locator="BBOX"))
        nodes.append(ast.GeometryIntersects(ast.Attribute(flt.geometry), area))
        tree = ast.And(*nodes[:2]) if len(nodes) == 2 else nodes[0]
        for extra in nodes[2:]:
            tree = ast.And(tree, extra)
        where = compile_filter(tree, flt, backend.dialect, locator="CQL_FILTER")
    except (CrsError, FilterError) as exc:
        raise from_value_error(exc) from None
    sql = f"SELECT t.fid FROM {pub.table(layer.dataset)} t WHERE {where.sql} ORDER BY t.fid"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    try:
        with closing(backend.query(pub, where, flt)) as q:
            q.set_deadline(deadline)
            rows = q.rows(sql, where.params)
    except Exception as exc:
        failure = backend.classify(exc)
        if failure is None:
            raise
        if failure is Failure.BUDGET or (deadline is not None and time.monotonic() > deadline):
            raise ServiceUnavailable("the request ran out of its time budget; narrow "
                                     "CQL_FILTER or the map, or retry later") from exc
        if failure is Failure.QUERY:
            raise InvalidParameterValue("CQL_FILTER cannot be evaluated", "CQL_FILTER") from exc
        raise ServiceUnavailable(f"{layer.dataset} cannot be read now; retry later") from exc
    return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))


def shown_points(pub: Publication, layer: MapLayer, view: MapView, node: ast.Node | None,
                 clustered: bool, deadline: float | None) -> tuple[Points, np.ndarray]:
    """The points and the mask of those ``layer`` draws on ``view`` (or could, at its rim).

    The same selection for GetMap and GetFeatureInfo, so a click finds what was drawn: the
    layer's products, within the map's reach, matching CQL_FILTER (through the compiler).
    """
    pts = data.points(pub, view.crs.epsg)
    box = draw.reach(view, clustered)
    codes = [data.products().index(p) for p in layer.products]
    shown = draw.in_box(box, pts.x, pts.y) & np.isin(pts.product, codes)
    if node is not None:
        fids = matching_fids(pub, layer, view, node, box, deadline)
        shown &= np.isin(pts.fid, fids, assume_unique=True)
    return pts, shown


__all__ = ["POI", "POLICY", "cache_headers", "etag", "matching_fids", "publications",
           "shown_points", "written"]
