"""GetMap: every requested layer drawn in order on one canvas, encoded once.

Unfiltered layers read the memory-mapped point columns (:mod:`..render.data`); a
CQL_FILTER is compiled by the one filter compiler and read as fids through the backend.
The answer carries an ETag of the publications' run ids: a client or CDN that sends it back
(If-None-Match) gets a 304 without any drawing until the next publication.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from publisher.serving.publications import PublicationReader
from publisher.serving.wms.layers import POI, MapLayer, Style
from publisher.serving.wms.operations.common import (
    cache_headers,
    etag,
    matching_fids,
    publications,
    shown_points,
)
from publisher.serving.wms.render import data, draw
from publisher.serving.wms.render.raster import encode, new_canvas, to_image
from publisher.serving.wms.request import GetMap, MapView
from publisher.serving.wms.response import Response
from publisher.serving.wms.settings import (
    MAX_SCALE_DENOMINATOR,
    MIN_SCALE_DENOMINATOR,
    POINTS_BELOW_SCALE,
)


def get_map(req: GetMap, reader: PublicationReader, if_none_match: str | None = None,
            deadline: float | None = None) -> Response:
    """Draw ``req``'s map, or answer 304 when the client holds this publication's map."""
    view = req.view
    pubs = publications(reader, tuple(layer for layer, _ in view.layers))
    tag = etag(pubs)
    if if_none_match and tag in (t.strip() for t in if_none_match.split(",")):
        return Response(304, req.media_type, b"", cache_headers(tag))
    image = render(view, pubs, deadline)
    body = encode(image, req.format, req.transparent, req.background)
    return Response(200, req.media_type, body, cache_headers(tag))


def render(view: MapView, pubs: dict, deadline: float | None = None) -> Image.Image:
    """The RGBA image of ``view``'s layers, first layer at the bottom (WMS 1.3.0 §7.3.3.3)."""
    canvas = new_canvas(view.width, view.height)
    if not MIN_SCALE_DENOMINATOR <= view.scale_denominator <= MAX_SCALE_DENOMINATOR:
        return to_image(canvas)  # outside every layer's advertised scale range: nothing
    for (layer, style), node in zip(view.layers, view.cql, strict=True):
        pub = pubs[layer.dataset]
        if layer.dataset == POI:
            _points(canvas, view, layer, style, node, pub, deadline)
        else:
            munis = data.municipalities(pub, view.crs.epsg)
            selected = np.ones(len(munis.niscode), dtype=bool)
            if node is not None:
                fids = matching_fids(pub, layer, view, node, view.bbox, deadline)
                selected = np.isin(munis.fid, fids)
            draw.draw_municipalities(canvas, view, munis, selected,
                                     fill=style.name == "ca-verplicht")
    return to_image(canvas)


def _points(canvas: np.ndarray, view: MapView, layer: MapLayer, style: Style, node: object,
            pub: object, deadline: float | None) -> None:
    clustered = style.name == "default" and view.scale_denominator > POINTS_BELOW_SCALE
    pts, selected = shown_points(pub, layer, view, node, clustered,  # type: ignore[arg-type]
                                 deadline)
    draw.draw_points(canvas, view, pts, selected, layer.products, clustered)
