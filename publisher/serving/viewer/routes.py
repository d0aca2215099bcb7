"""The viewer's routes: the page at ``/``, its static files, and the map's JSON endpoints.

``/api/v1/kaart`` (points), ``/api/v1/kaart/clusters`` (counts per grid cell),
``/api/v1/kaart/gemeenten`` (outlines), ``/api/v1/adressen`` (search over the address register)
and ``/api/v1/orientatie/{plaatsen,straten}`` (names for the map without a basemap) are the
viewer's own, so the map works without the OGC API or the WFS.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from publisher.serving.lookup.errors import Problem, bad_parameter, no_publication
from publisher.serving.lookup.register import register_for
from publisher.serving.lookup.routes import unavailable
from publisher.serving.lookup.service import register_unavailable
from publisher.serving.lookup.web import json_response, problem_response, public_base
from publisher.serving.publications import PublicationReader
from publisher.serving.viewer import mapdata, search
from publisher.serving.viewer.page import render_page
from publisher.serving.viewer.settings import load_viewer_settings

STATIC = Path(__file__).resolve().parent / "static"
MAX_SUGGESTIONS = 20
#: Up to this many points of a product in view, the map loads them (and clusters them itself).
MAX_POINTS = 3000
#: From this zoom on, the map always loads the points in view.
POINTS_FROM_ZOOM = 14


def _bytes_response(request: Request, body: mapdata.Body, run_id: str,
                    media_type: str = "application/geo+json") -> Response:
    """A cached body, gzipped when the client accepts it, revalidated by run id."""
    etag = f'"{run_id}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(body.gz, media_type=media_type,
                        headers={**headers, "Content-Encoding": "gzip"})
    return Response(body.raw, media_type=media_type, headers=headers)


def routes(reader: PublicationReader, max_points: int = MAX_POINTS) -> list[BaseRoute]:
    """The viewer's routes over the publications ``reader`` serves.

    ``max_points``: a product with more points than this in view is drawn from the server's
    clusters, not as points (below :data:`POINTS_FROM_ZOOM`).
    """
    settings = load_viewer_settings()
    cache = mapdata.Cache()

    async def page(request: Request) -> Response:
        html, csp = render_page(reader.current("poi"), public_base(request), settings,
                                max_points=max_points, points_from_zoom=POINTS_FROM_ZOOM,
                                vector_style=getattr(request.app.state, "vector_style", None))
        return Response(html, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": csp,
                                 "Cache-Control": "no-cache",
                                 "X-Content-Type-Options": "nosniff"})

    async def kaart(request: Request) -> Response:
        try:
            q = request.query_params
            product = mapdata.parse_product(q.get("product"))
            bbox = mapdata.parse_bbox(q.get("bbox"))
            pub = reader.current("poi")
            if pub is None:
                raise no_publication()
            if bbox is None:
                body = cache.value(pub, f"points:{product}",
                                   lambda: mapdata.whole_product(pub, product))
                return _bytes_response(request, body, pub.run_id)
            return _bytes_response(request, mapdata.Body.of(
                mapdata.points(pub, product, bbox)), pub.run_id)
        except Problem as problem:
            return problem_response(problem, request)
        except sqlite3.DatabaseError:
            return problem_response(unavailable(), request)

    async def clusters(request: Request) -> Response:
        try:
            q = request.query_params
            product = mapdata.parse_product(q.get("product"))
            bbox = mapdata.parse_bbox(q.get("bbox"))
            if bbox is None:
                raise bad_parameter("bbox", "parameter 'bbox' is required: "
                                    "minlon,minlat,maxlon,maxlat in CRS84")
            zoom = mapdata.parse_zoom(q.get("zoom"))
            pub = reader.current("poi")
            if pub is None:
                raise no_publication()
            cols = cache.value(pub, f"columns:{product}",
                               lambda: mapdata.columns(pub, product))
            body = mapdata.Body.of(mapdata.clusters(cols, bbox, zoom))
            return _bytes_response(request, body, pub.run_id)
        except Problem as problem:
            return problem_response(problem, request)
        except sqlite3.DatabaseError:
            return problem_response(unavailable(), request)

    async def gemeenten(request: Request) -> Response:
        pub = reader.current(mapdata.POLICY_LAYER)
        if pub is None:  # no policy dataset: the map shows the points on a plain background
            return json_response({"type": "FeatureCollection", "features": []},
                                 media_type="application/geo+json")
        try:
            body = cache.get(pub, "outlines", lambda: mapdata.outlines(pub))
        except (sqlite3.DatabaseError, ValueError):
            return problem_response(unavailable(), request)
        return _bytes_response(request, body, pub.run_id)

    async def adressen(request: Request) -> Response:
        try:
            text = request.query_params.get("q", "")
            if len(text) > 200:
                raise bad_parameter("q", "parameter 'q' is longer than 200 characters")
            limit_text = request.query_params.get("limit", "10")
            if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_SUGGESTIONS:
                raise bad_parameter("limit", f"invalid limit {limit_text!r}: expected an "
                                    f"integer from 1 to {MAX_SUGGESTIONS}")
            pub = reader.current("poi")
            if pub is None:
                raise no_publication()
            register = register_for(pub)
            if register is None:
                raise register_unavailable()
            found = search.suggest(pub, register, text, int(limit_text))
        except Problem as problem:
            return problem_response(problem, request)
        except sqlite3.DatabaseError:
            return problem_response(unavailable(), request)
        return json_response({"q": text, "peildatum": pub.as_of.isoformat(), "adressen": found},
                             headers={"Cache-Control": "public, max-age=300"})

    async def straten(request: Request) -> Response:
        """Street axes and names in a city view, from the register (offline orientation)."""
        try:
            bbox = search.parse_bbox(request.query_params.get("bbox"))
            register = _register()
            body = search.street_lines(register, bbox) if register else \
                {"type": "FeatureCollection", "features": []}
        except Problem as problem:
            return problem_response(problem, request)
        except sqlite3.DatabaseError:
            return problem_response(unavailable(), request)
        return json_response(body, media_type="application/geo+json",
                             headers={"Cache-Control": "public, max-age=300"})

    async def plaatsen(request: Request) -> Response:
        """Municipality names for the zoomed-out map, from the register."""
        try:
            register = _register()
            body = search.municipality_labels(register) if register else \
                {"type": "FeatureCollection", "features": []}
        except Problem as problem:
            return problem_response(problem, request)
        except sqlite3.DatabaseError:
            return problem_response(unavailable(), request)
        return json_response(body, media_type="application/geo+json",
                             headers={"Cache-Control": "public, max-age=300"})

    def _register():
        pub = reader.current("poi")
        if pub is None:
            raise no_publication()
        return register_for(pub)

    return [
        Route("/", page, methods=["GET"], name="viewer"),
        Route("/api/v1/kaart", kaart, methods=["GET"], name="viewer_kaart"),
        Route("/api/v1/kaart/clusters", clusters, methods=["GET"], name="viewer_clusters"),
        Route("/api/v1/kaart/gemeenten", gemeenten, methods=["GET"], name="viewer_gemeenten"),
        Route("/api/v1/adressen", adressen, methods=["GET"], name="viewer_adressen"),
        Route("/api/v1/orientatie/straten", straten, methods=["GET"], name="viewer_straten"),
        Route("/api/v1/orientatie/plaatsen", plaatsen, methods=["GET"], name="viewer_plaatsen"),
        # gzip: the vendored MapLibre and Leaflet are most of a first visit's bytes (1.8 MB).
        Mount("/static", app=GZipMiddleware(StaticFiles(directory=STATIC), minimum_size=1024),
              name="static"),
    ]
