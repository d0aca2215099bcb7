"""The one ASGI application: OGC API, WFS, lookup, viewer, health and metrics.

``/ogc`` OGC API Features (pygeoapi), ``/wfs`` WFS 2.0, ``/wms`` WMS 1.3.0/1.1.1 maps,
``/api/v1/woningkwaliteit`` the parcel and address lookup, ``/downloads`` and
``/api/v1/changes`` the daily files and change sets,
``/`` the citizen map viewer, ``/health`` and ``/metrics``.

Run it with ``vlok-publisher serve`` (gunicorn + uvicorn workers) or any ASGI server::

    uvicorn --factory publisher.serving.app:create_app_from_env

Every route reads the publication through one reader per source, so the daily publish job's
pointer switch is visible to the next request, without a restart. The source is a publication
directory (GeoPackages, :class:`~publisher.serving.publications.PublicationReader`) or a
``postgresql+psycopg://`` URL of the PostGIS publication database
(:class:`~publisher.serving.publications.PostGISReader`): WFS, OGC API, lookup, viewer and
/health serve either. The download files live in a directory only: with a database URL,
``/downloads`` and ``/api/v1/changes`` answer 503 with a problem JSON saying so.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from publisher.downloads import routes as download_routes
from publisher.serving import edge, metrics
from publisher.serving.ldes import routes as ldes_routes
from publisher.serving.lookup import routes as lookup_routes
from publisher.serving.lookup.errors import Problem
from publisher.serving.lookup.web import problem_response
from publisher.serving.ogcapi.provider import close_readers, reader_for
from publisher.serving.ogcapi.routes import PREFIX as OGC_PREFIX
from publisher.serving.ogcapi.routes import OgcApi
from publisher.serving.ogcapi.routes import problem as ogc_problem
from publisher.serving.publications import (
    PostGISReader,
    PublicationReader,
    PublicationUnreadable,
    is_database_url,
)
from publisher.serving.streaming import StreamGate
from publisher.serving.tiles import VECTOR_STYLE, tile_routes
from publisher.serving.viewer import routes as viewer_routes
from publisher.serving.wms import routes as wms_routes

LOGGER = logging.getLogger(__name__)

#: Datasets /health reports on (the POI publication is the one that must exist).
DATASETS = ("poi", "woningkwaliteitsbeleid")


def create_app(publication_dir: Path | str | None = None, *,
               base_url: str | None = None) -> Starlette:
    """Build the application over a publication directory or PostGIS database.

    Parameters
    ----------
    publication_dir
        The publish job's directory, or the ``postgresql+psycopg://`` URL of a PostGIS
        publication database; default: setting ``publication_dir`` (``VLOK_PUBLICATION_DIR``).
    base_url
        Public URL of the server (scheme, host, port, path prefix without ``/ogc``), used in
        every link. Default: the URL the client used (fine for one host; set it behind a
        proxy that rewrites the host).
    """
    if publication_dir is None:
        from publisher.config import load_settings

        publication_dir = load_settings().publication_dir
    database = is_database_url(str(publication_dir))
    source: Path | str = str(publication_dir) if database else Path(publication_dir)
    reader = reader_for(source)
    gate = StreamGate.from_settings()  # the worker's cap on large responses, every surface
    ogc = OgcApi(source, base_url=base_url, gate=gate)

    async def health(request: Request) -> Response:
        # In a thread: reading the pointer may wait for a pooled connection, and the event
        # loop must keep answering /metrics and every other request meanwhile.
        return await run_in_threadpool(_health, reader)

    async def metrics_endpoint(request: Request) -> Response:
        return PlainTextResponse(metrics.exposition(),
                                 media_type="text/plain; version=0.0.4; charset=utf-8")

    routes: list[BaseRoute] = [
        Route("/health", health),
        Route("/metrics", metrics_endpoint),
        *tile_routes(reader),  # OGC API Tiles: before pygeoapi's /ogc mount
        *ogc.routes(),
        *_wfs_routes(reader, gate),
        *wms_routes(reader),  # WMS 1.3.0 / 1.1.1 maps
        *lookup_routes(reader),
        *_downloads(source, database, gate),
        *ldes_routes(source, database),  # the event stream, /id/feit and /id/concept
        *viewer_routes(reader),  # "/" is the citizen map viewer
    ]
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Open the address register's index in the background (on PostGIS: fetch its local
        # copy, seconds at flanders scale), which the first citizen's search should not wait for.
        threading.Thread(target=_warm_address_index, args=(reader,), daemon=True).start()
        threading.Thread(target=_warm_tiles, args=(reader,), daemon=True).start()
        threading.Thread(target=_warm_wms, args=(reader,), daemon=True).start()
        yield
        close_readers()  # end this worker's PostgreSQL sessions now, not at their timeout

    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={PublicationUnreadable: _publication_unreadable,
                                        HTTPException: _http_error})
    app.add_middleware(metrics.MetricsMiddleware)
    app.state.reader = reader
    app.state.ogc = ogc
    app.state.base_url = base_url  # every surface's links (serving.edge.public_base)
    app.state.vector_style = VECTOR_STYLE  # the viewer draws from the vector tiles
    return app


def _warm_tiles(reader: PublicationReader | PostGISReader) -> None:
    """Project the positions the vector tiles cut from (errors only logged)."""
    from publisher.serving.tiles.routes import warm

    try:
        warm(reader)
    except Exception as exc:  # a warm-up must never take the worker down
        LOGGER.warning("tile positions warm-up failed: %s", exc)


def _warm_wms(reader: PublicationReader | PostGISReader) -> None:
    """Prepare the WMS's point arrays of the current run (errors only logged)."""
    from publisher.serving.wms.routes import warm

    try:
        warm(reader)
    except Exception as exc:  # a warm-up must never take the worker down
        LOGGER.warning("WMS warm-up failed: %s", exc)


def _warm_address_index(reader: PublicationReader) -> None:
    """Open the address register index of the current publication (errors only logged)."""
    from publisher.serving.lookup.register import register_for as index_for

    try:
        pub = reader.current("poi")
        if pub is not None:
            index_for(pub)
    except Exception as exc:  # a warm-up must never take the worker down
        LOGGER.warning("address index warm-up failed: %s", exc)


async def _publication_unreadable(request: Request, exc: Exception) -> Response:
    """Last boundary: a publication that cannot be read now is a 503, never a 500."""
    LOGGER.error("publication unreadable on %s: %s", request.url.path, exc)
    return edge.problem(HTTPStatus.SERVICE_UNAVAILABLE, "publication-unavailable",
                        "Publicatie tijdelijk niet leesbaar",
                        "the publication cannot be read now; retry later", request.url.path)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405/… as JSON, never plain text: in each surface's error shape.

    Under ``/ogc`` the OGC API's exception JSON (OGC API Features Part 1 §7.5, as pygeoapi
    writes it); everywhere else RFC 7807 problem JSON, the lookup's and the viewer's shape.
    """
    assert isinstance(exc, HTTPException)
    status = HTTPStatus(exc.status_code)
    headers = dict(exc.headers or {})
    if request.url.path == OGC_PREFIX or request.url.path.startswith(OGC_PREFIX + "/"):
        code = {HTTPStatus.NOT_FOUND: "NotFound",
                HTTPStatus.METHOD_NOT_ALLOWED: "OperationNotSupported"}.get(status,
                                                                          "InvalidRequest")
        detail = _describe(status, request, headers)
        if status == HTTPStatus.NOT_FOUND:
            detail += f": start at {OGC_PREFIX} (the landing page) or see {OGC_PREFIX}/openapi"
        response: Response = ogc_problem(status, code, detail)
    else:
        response = problem_response(Problem(status.phrase.lower().replace(" ", "-"),
                                            status.phrase, _describe(status, request, headers),
                                            status=status), request)
    response.headers.update(headers)
    return response


def _describe(status: HTTPStatus, request: Request, headers: dict[str, str]) -> str:
    """What went wrong, naming the path (bounded, escaped) and, for a 405, what is allowed."""
    path = request.url.path
    shown = repr(path if len(path) <= 120 else path[:120] + "…")
    if status == HTTPStatus.NOT_FOUND:
        return f"no resource at {shown}"
    if status == HTTPStatus.METHOD_NOT_ALLOWED:
        return (f"{request.method[:20]!r} is not allowed on {shown}; allowed: "
                f"{headers.get('allow', headers.get('Allow', 'GET'))}")
    return f"{status.phrase} at {shown}"


def create_app_from_env() -> Starlette:
    """Factory for ASGI servers: settings and ``VLOK_BASE_URL`` from the environment."""
    return create_app(os.environ.get("VLOK_PUBLICATION_DIR") or None,
                      base_url=os.environ.get("VLOK_BASE_URL") or None)




def _health(reader: PublicationReader | PostGISReader) -> JSONResponse:
    """Which publication serves each dataset; 503 while there is none or it is behind.

    On PostGIS also the pool's use (``pool``: checked out, size, saturated) and the server's
    replication state (``database``: role, lag, receiving; see
    :meth:`~publisher.serving.publications.PostGISReader.database_status`). A saturated
    pool is load, not a fault: the status stays 200 while the publication can be read, so a
    load balancer does not take a busy worker out and overload the others. A replica past
    the allowed lag is a fault of this node: 503 (``status`` ``lagging``), with the
    publications it holds, so the balancer sends requests to another node.
    """
    from publisher.serving.publications import ReplicaBehind

    datasets = {}
    behind: ReplicaBehind | None = None
    try:
        for name in DATASETS:
            try:
                pub = reader.current(name)
            except ReplicaBehind as exc:  # a replica past the allowed lag
                behind, pub = exc, reader.last_known(name)
            datasets[name] = None if pub is None else {
                "as_of": pub.as_of.isoformat(), "run_id": pub.run_id,
                "features": pub.meta.get("features")}
    except (OSError, ValueError, KeyError) as exc:  # unreadable pointer, file or database
        LOGGER.error("publication unreadable: %s", exc)
        failed: dict[str, object] = {"status": "unavailable", "error": "publication unreadable",
                                     "datasets": {}, **reader.storage_status()}
        return JSONResponse(failed, status_code=HTTPStatus.SERVICE_UNAVAILABLE,
                            headers={"Retry-After": str(edge.RETRY_AFTER_SECONDS)})
    loaded = any(d is not None for d in datasets.values())
    ok = loaded and behind is None
    body: dict[str, object] = {
        "status": "lagging" if behind is not None else "ok" if loaded else "unavailable",
        "publication_loaded": loaded, "datasets": datasets, **reader.storage_status()}
    return JSONResponse(body, status_code=HTTPStatus.OK if ok
                        else HTTPStatus.SERVICE_UNAVAILABLE,
                        headers=None if ok else {"Retry-After": str(edge.RETRY_AFTER_SECONDS)})


def _wfs_routes(reader: PublicationReader | PostGISReader, gate: StreamGate
                ) -> list[BaseRoute]:
    """The WFS 2.0 at ``/wfs`` when its package is installed (another team builds it)."""
    try:
        from publisher.serving.wfs import routes as wfs_routes
    except ImportError:
        return []
    return wfs_routes(reader, gate=gate)


def _downloads(source: Path | str, database: bool, gate: StreamGate) -> list[BaseRoute]:
    """Download routes: beside a directory publication, or in ``files_dir`` for PostGIS.

    With PostGIS the files come from the publish job's GeoPackage mirror and the change sets
    from ``vlok_publication.change``.
    """
    if not database:
        return download_routes(Path(source), stream=gate.stream)
    from publisher.config import load_settings
    from publisher.publication.postgis import changes_since, history_engine

    class History:
        engine = None

        def changes_since(self, since, dataset="poi"):
            if self.engine is None:
                self.engine = history_engine(str(source))
            try:
                return changes_since(self.engine, since, dataset)
            except Exception as exc:  # the database: 503 at the app boundary
                raise PublicationUnreadable(f"run history unreadable: {exc}") from None

    return download_routes(Path(load_settings().files_dir), history=History(),
                           stream=gate.stream)
