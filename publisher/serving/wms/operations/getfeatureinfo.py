"""GetFeatureInfo: what lies under the clicked pixel, nearest first.

Points within :data:`~publisher.serving.wms.settings.INFO_RADIUS_PX` of the pixel (a drawn
symbol's reach) are found in the memory-mapped columns, or with CQL_FILTER through the one
filter compiler; a municipality is the one containing the pixel. Their properties are then
read by fid through the backend, with the stored GeoJSON and GML fragments of points.
"""

from __future__ import annotations

from contextlib import closing
from datetime import date
from typing import Any

import numpy as np

from publisher.mapping import load_mapping
from publisher.serving.backends import backend_for
from publisher.serving.publications import Publication, PublicationReader, PublicationUnreadable
from publisher.serving.wms.errors import ServiceUnavailable
from publisher.serving.wms.layers import POI, MapLayer
from publisher.serving.wms.operations.common import (
    cache_headers,
    etag,
    matching_fids,
    publications,
    shown_points,
)
from publisher.serving.wms.output import featureinfo as out
from publisher.serving.wms.render import data, draw
from publisher.serving.wms.request import GetFeatureInfo
from publisher.serving.wms.response import Response
from publisher.serving.wms.settings import INFO_RADIUS_PX, POINTS_BELOW_SCALE

#: Candidates read per layer when CQL_FILTER selects the points (nearest are kept).
MAX_CANDIDATES = 500


def get_feature_info(req: GetFeatureInfo, reader: PublicationReader,
                     if_none_match: str | None = None,
                     deadline: float | None = None) -> Response:
    """The features under ``req``'s pixel, in ``req.info_format`` (304 when unchanged)."""
    view = req.view
    pubs = publications(reader, req.query_layers)
    tag = etag(pubs)
    if if_none_match and tag in (t.strip() for t in if_none_match.split(",")):
        return Response(304, req.media_type, b"", cache_headers(tag))
    rx, ry = view.resolution
    x1, _, _, y2 = view.bbox
    cx, cy = x1 + (req.i + 0.5) * rx, y2 - (req.j + 0.5) * ry
    filters = {layer.name: node for (layer, _), node in zip(view.layers, view.cql, strict=True)}
    found = []
    for layer in req.query_layers:
        pub, node = pubs[layer.dataset], filters[layer.name]
        if layer.dataset == POI:
            r = INFO_RADIUS_PX
            box = (cx - r * rx, cy - r * ry, cx + r * rx, cy + r * ry)
            fids, group = _nearest_points(pub, layer, req, node, box, (cx, cy), deadline)
        else:
            group = None
            box = (cx - rx / 4, cy - ry / 4, cx + rx / 4, cy + ry / 4)
            fids = matching_fids(pub, layer, view, node, box, deadline,
                                 req.feature_count).tolist()
        found.append(_read(pub, layer, fids, group))
    as_of = pubs[req.query_layers[0].dataset].as_of
    if req.info_format == "html":
        body = out.html(found, as_of)
    elif req.info_format == "text":
        body = out.text(found, as_of)
    elif req.info_format == "json":
        body = out.geojson(found)
    else:
        names = {ds: load_mapping(ds).layer for ds in pubs}
        body = out.gml(found, names)
    return Response(200, req.media_type, body, cache_headers(tag))


def _nearest_points(pub: Publication, layer: MapLayer, req: GetFeatureInfo, node: Any,
                    box: tuple[float, float, float, float], centre: tuple[float, float],
                    deadline: float | None) -> tuple[list[int], tuple[str, int] | None]:
    """The fids of the FEATURE_COUNT points of ``layer`` nearest the click; the group hit.

    Where the map draws groups (style ``default`` beyond 1:25,000) and the click is on one,
    the candidates are that group's features (it says how many); otherwise the points
    within ``box``.
    """
    view = req.view
    style = {lay.name: sty for lay, sty in view.layers}[layer.name]
    clustered = style.name == "default" and view.scale_denominator > POINTS_BELOW_SCALE
    group = None
    pts = data.points(pub, view.crs.epsg)
    x, y = np.asarray(pts.x), np.asarray(pts.y)
    codes = [data.products().index(p) for p in layer.products]
    if clustered:
        pts, shown = shown_points(pub, layer, view, node, True, deadline)
        index = np.flatnonzero(shown)  # one grid for the layer, as it is drawn
        members = draw.cluster_at(view, x[index], y[index], req.i, req.j)
        if members is not None:
            candidates = index[members]
            present = sorted(set(np.asarray(pts.product)[candidates].tolist()))
            group = ("+".join(data.products()[k] for k in present), len(members))
    if group is None:
        mask = np.isin(pts.product, codes) & (x >= box[0]) & (x <= box[2]) & \
            (y >= box[1]) & (y <= box[3])
        candidates = np.flatnonzero(mask)
        if node is not None:
            fids = matching_fids(pub, layer, view, node, box, deadline, MAX_CANDIDATES)
            candidates = candidates[np.isin(np.asarray(pts.fid)[candidates], fids)]
    rx, ry = view.resolution
    distance = np.hypot((x[candidates] - centre[0]) / rx, (y[candidates] - centre[1]) / ry)
    order = np.argsort(distance, kind="stable")[:req.feature_count]
    return np.asarray(pts.fid)[candidates[order]].tolist(), group


def _read(pub: Publication, layer: MapLayer, fids: list[int],
          group: tuple[str, int] | None = None) -> out.Found:
    """Properties (and for points the stored fragments) of ``fids``, in that order."""
    if not fids:
        return out.Found(layer, [], [], [], group)
    backend = backend_for(pub)
    names = load_mapping(layer.dataset).names
    columns = ", ".join(f't."{n}"' for n in names)
    marks = ", ".join([backend.dialect.ph] * len(fids))
    points = layer.dataset == POI
    join = f" JOIN {pub.table('poi_fragment')} f ON f.fid = t.fid" if points else ""
    extra = ", f.geojson, f.gml" if points else ""
    sql = (f"SELECT t.fid, {columns}{extra} FROM {pub.table(layer.dataset)} t{join} "
           f"WHERE t.fid IN ({marks})")
    try:
        with closing(backend.query(pub)) as q:
            rows = {r[0]: r for r in q.rows(sql, fids)}
    except Exception as exc:
        if backend.classify(exc) is None and not isinstance(exc, PublicationUnreadable):
            raise
        raise ServiceUnavailable(f"{layer.dataset} cannot be read now; retry later") from exc
    ordered = [rows[f] for f in fids if f in rows]
    types = {f.name: f.type for f in load_mapping(layer.dataset).fields}
    features = [{n: _typed(v, types[n]) for n, v in zip(names, r[1:1 + len(names)],
                                                        strict=True)} for r in ordered]
    if not points:
        return out.Found(layer, features, [], [], group)
    return out.Found(layer, features, [r[-2] for r in ordered], [r[-1] for r in ordered],
                     group)


def _typed(value: Any, kind: str) -> Any:
    """A stored value as its mapping type (GeoPackage keeps booleans as 0/1, dates as text)."""
    if value is None:
        return None
    if kind == "boolean":
        return bool(value)
    if kind == "date" and isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value
