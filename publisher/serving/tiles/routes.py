"""OGC API - Tiles routes beside pygeoapi's ``/ogc``: vector tiles of the POI collections.

``/ogc/tileMatrixSets[/{tms}]``, ``/ogc/collections/{cid}/tiles[/{tms}]``,
``/ogc/collections/{cid}/tiles/{tms}/{z}/{y}/{x}`` (MVT), ``…/tiles/WebMercatorQuad/
tilejson.json`` and ``/ogc/collections/{cid}/styles/default`` (MapLibre). The collections
tiled are the pygeoapi resources of the ``poi`` dataset (``pygeoapi-config.yml``: ``poi`` and
one per product); the policy layer (polygons) is not tiled.

Caching: a tile's content is a function of its URL and the publication's run id, so every
answer carries ``ETag: "t1-<run id>"`` and ``If-None-Match`` gets a 304 before anything is read.
A tile URL naming its publication (``?publication=<run id>``, what the TileJSON and the style
hand out) never changes: ``Cache-Control: public, max-age=31536000, immutable``, so a CDN keeps
it until the next publication's TileJSON names new URLs. Without it (QGIS's XYZ template, or a
run no longer kept) the tile is the current publication's, cached for five minutes.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections import OrderedDict
from functools import cache
from http import HTTPStatus
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from publisher.serving import edge
from publisher.serving.lookup.errors import Problem
from publisher.serving.lookup.shared import source_of
from publisher.serving.ogcapi.config import load_template
from publisher.serving.ogcapi.filtering import PUBLICATION_PARAM
from publisher.serving.ogcapi.routes import PREFIX, problem
from publisher.serving.publications import PostGISReader, Publication, PublicationReader
from publisher.serving.tiles import content, documents
from publisher.serving.tiles.matrixsets import (
    WEB_MERCATOR,
    Grid,
    TileRequestError,
    document,
    grid_named,
    grids,
    parse_tile,
)
from publisher.serving.tiles.mvt import MEDIA_TYPE

#: Bumped when the encoding changes, so cached tiles of the same run are not reused.
ENCODING_VERSION = "t1"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
#: Positions kept per worker: the current run and a pinned one, per grid.
KEPT_POSITIONS = 4
#: Tiles smaller than this are sent uncompressed (gzip would not pay its header).
GZIP_FROM_BYTES = 1024
#: Tiles up to this level are kept in memory once rendered, per worker: over Flanders they
#: are few (~250 per set and collection up to z11) and each one costs ~10 ms to cluster from
#: every point, while deeper tiles are many, cheaper, and left to HTTP caches. What a seed
#: at publish time would save is measured in ``benchmarks/bench_tiles.py``: this is cheaper.
KEEP_UP_TO_ZOOM = 11
#: At most this many kept tiles per worker (~5 kB each).
KEPT_TILES = 4096

Reader = PublicationReader | PostGISReader


@cache
def tiled_collections() -> dict[str, tuple[str | None, str]]:
    """Collection id → (product or None for all, title): the ``poi`` resources of pygeoapi."""
    out = {}
    for cid, resource in load_template()["resources"].items():
        options = (resource.get("providers") or [{}])[0].get("options", {})
        if options.get("dataset") == "poi":
            out[cid] = (options.get("product"), resource.get("title", cid))
    return out


class _Kept:
    """Rendered low-zoom tiles by (source, run, grid, collection, z, y, x), least recent out."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tiles: OrderedDict[tuple[str, ...], bytes] = OrderedDict()

    def get(self, key: tuple[str, ...]) -> bytes | None:
        with self._lock:
            found = self._tiles.get(key)
            if found is not None:
                self._tiles.move_to_end(key)
            return found

    def put(self, key: tuple[str, ...], body: bytes) -> None:
        with self._lock:
            self._tiles[key] = body
            while len(self._tiles) > KEPT_TILES:
                self._tiles.popitem(last=False)


class _Positions:
    """Per (source, run, grid) the projected positions, built once even under concurrency."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: OrderedDict[tuple[str, str, str], content.Positions] = OrderedDict()
        self._building: dict[tuple[str, str, str], threading.Lock] = {}

    def get(self, pub: Publication, grid: Grid) -> content.Positions:
        key = (source_of(pub), pub.run_id, grid.id)
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                if key in self._values:
                    return self._values[key]
            value = content.positions(pub, grid)
            with self._lock:
                self._values[key] = value
                self._building.pop(key, None)
                while len(self._values) > KEPT_POSITIONS:
                    self._values.popitem(last=False)
            return value


def _error(exc: TileRequestError | Problem, request: Request) -> Response:
    if isinstance(exc, Problem):
        return problem(int(exc.status), "InvalidParameterValue", exc.detail, request.url.path)
    code = "NotFound" if exc.status == HTTPStatus.NOT_FOUND else "InvalidParameterValue"
    return problem(exc.status, code, exc.message, request.url.path)


def _collection(cid: str) -> tuple[str | None, str]:
    found = tiled_collections().get(cid)
    if found is None:
        raise TileRequestError(f"collection {cid[:60]!r} has no tiles: tiled are "
                               f"{', '.join(tiled_collections())}", "collectionId", 404)
    return found


def _publication(reader: Reader, request: Request) -> tuple[Publication, bool]:
    """The publication to read and whether the URL pinned it (then it is immutable)."""
    asked = (request.query_params.get(PUBLICATION_PARAM) or "").strip()
    if asked:
        pub = reader.pinned("poi", asked)
        if pub is not None:
            return pub, True
    pub = reader.current("poi")
    if pub is None:
        raise _NoPublication
    return pub, False


class _NoPublication(Exception):
    """Nothing is published yet: a 503 the client may retry."""


def _not_modified(request: Request, etag: str, cache_control: str) -> Response | None:
    match = request.headers.get("if-none-match", "")
    if etag in (m.strip() for m in match.split(",")) or match.strip() == "*":
        return Response(status_code=HTTPStatus.NOT_MODIFIED,
                        headers={"ETag": etag, "Cache-Control": cache_control})
    return None


def _json(request: Request, body: dict[str, Any], etag: str | None = None,
          media_type: str = "application/json") -> Response:
    headers = {"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"}
    if etag:
        headers["ETag"] = etag
        if (answer := _not_modified(request, etag, headers["Cache-Control"])) is not None:
            return answer
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    media_type=media_type, headers=headers)


#: The projected positions, per process (keyed by source, run and grid).
_POSITIONS = _Positions()


def warm(reader: Reader) -> None:
    """Project the current run's positions for WebMercatorQuad (the first tile then waits not).

    For a worker's start-up thread: ~1 s at flanders scale, which the first map would wait.
    """
    pub = reader.current("poi")
    if pub is not None:
        _POSITIONS.get(pub, grids()[WEB_MERCATOR])


def routes(reader: Reader) -> list[BaseRoute]:
    """The tile routes (mount them before pygeoapi's ``/ogc``)."""
    positions = _POSITIONS
    kept = _Kept()

    def base(request: Request) -> str:
        return edge.public_base(request) + PREFIX

    async def tile(request: Request) -> Response:
        p = request.path_params
        try:
            product, _ = _collection(p["cid"])
            grid, xyz = parse_tile(p["tms"], p["z"], p["y"], p["x"])
            pub, pinned = _publication(reader, request)
        except TileRequestError as exc:
            return _error(exc, request)
        except _NoPublication:
            return _unpublished(request)
        cache_control = IMMUTABLE if pinned else SHORT
        etag = f'"{ENCODING_VERSION}-{pub.run_id}"'
        if (answer := _not_modified(request, etag, cache_control)) is not None:
            return answer

        key = (source_of(pub), pub.run_id, grid.id, p["cid"], p["z"], p["y"], p["x"])
        keep = xyz.z <= KEEP_UP_TO_ZOOM

        def make() -> bytes:
            body = kept.get(key) if keep else None
            if body is None:
                body = content.render(pub, grid, xyz, positions.get(pub, grid), product)
                if keep:
                    kept.put(key, body)
            return body

        try:
            body = await run_in_threadpool(make)
        except Problem as exc:
            return _error(exc, request)
        headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Accept-Encoding",
                   "Access-Control-Allow-Origin": "*"}
        if len(body) >= GZIP_FROM_BYTES and "gzip" in request.headers.get("accept-encoding", ""):
            body = gzip.compress(body, compresslevel=5, mtime=0)
            headers["Content-Encoding"] = "gzip"
        return Response(body, media_type=MEDIA_TYPE, headers=headers)

    async def tilesets(request: Request) -> Response:
        try:
            _collection(request.path_params["cid"])
        except TileRequestError as exc:
            return _error(exc, request)
        return _json(request, documents.tilesets(base(request), request.path_params["cid"]))

    async def tileset(request: Request) -> Response:
        p = request.path_params
        try:
            _collection(p["cid"])
            grid = grid_named(p["tms"])
            pub, _ = _publication(reader, request)
        except TileRequestError as exc:
            return _error(exc, request)
        except _NoPublication:
            return _unpublished(request)
        return _json(request, documents.tileset(base(request), p["cid"], grid, pub.run_id),
                     f'"{ENCODING_VERSION}-{pub.run_id}"')

    async def tilejson(request: Request) -> Response:
        p = request.path_params
        try:
            _, title = _collection(p["cid"])
            if p["tms"] != WEB_MERCATOR:
                grid_named(p["tms"])
                raise TileRequestError(f"TileJSON describes {WEB_MERCATOR} tiles only, not "
                                       f"{p['tms']!r}", "tileMatrixSetId", 404)
            pub, _ = _publication(reader, request)
        except TileRequestError as exc:
            return _error(exc, request)
        except _NoPublication:
            return _unpublished(request)
        return _json(request, documents.tilejson(base(request), p["cid"], title, pub.run_id),
                     f'"{ENCODING_VERSION}-{pub.run_id}"')

    async def style(request: Request) -> Response:
        try:
            _collection(request.path_params["cid"])
            pub, _ = _publication(reader, request)
        except TileRequestError as exc:
            return _error(exc, request)
        except _NoPublication:
            return _unpublished(request)
        return _json(request, documents.style(base(request), request.path_params["cid"],
                                              pub.run_id),
                     f'"{ENCODING_VERSION}-{pub.run_id}"',
                     media_type="application/vnd.mapbox.style+json")

    async def matrix_sets(request: Request) -> Response:
        root = base(request)
        return _json(request, {"tileMatrixSets": [
            {"id": g.id, "title": g.tms.title or g.id,
             "links": [{"rel": "self", "type": "application/json",
                        "href": f"{root}/tileMatrixSets/{g.id}"}]}
            for g in grids().values()]})

    async def matrix_set(request: Request) -> Response:
        try:
            grid = grid_named(request.path_params["tms"])
        except TileRequestError as exc:
            return _error(exc, request)
        return _json(request, document(grid))

    tiles = f"{PREFIX}/collections/{{cid}}/tiles"
    return [
        Route(f"{PREFIX}/tileMatrixSets", matrix_sets, methods=["GET"]),
        Route(f"{PREFIX}/tileMatrixSets/{{tms}}", matrix_set, methods=["GET"]),
        Route(tiles, tilesets, methods=["GET"]),
        Route(f"{tiles}/{{tms}}", tileset, methods=["GET"]),
        Route(f"{tiles}/{{tms}}/tilejson.json", tilejson, methods=["GET"]),
        Route(f"{tiles}/{{tms}}/{{z}}/{{y}}/{{x}}", tile, methods=["GET"]),
        Route(f"{PREFIX}/collections/{{cid}}/styles/default", style, methods=["GET"]),
    ]


def _unpublished(request: Request) -> Response:
    return problem(HTTPStatus.SERVICE_UNAVAILABLE, "NoApplicableCode",
                   "nothing is published yet: retry later", request.url.path)
