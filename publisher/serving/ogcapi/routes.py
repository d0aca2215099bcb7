"""The Starlette adapter of pygeoapi's framework-free API functions, mounted at ``/ogc``.

Why not mount ``pygeoapi.starlette_app``: that module reads ``PYGEOAPI_CONFIG`` and
``PYGEOAPI_OPENAPI`` when imported and keeps one global API, so one process could serve one
configuration only, fixed before the app factory runs. pygeoapi keeps its protocol logic in
``pygeoapi.api`` (request in, ``(headers, status, body)`` out); this module is the same thin
adapter as theirs, built per app, plus three things CLIENTS.md needs that pygeoapi 0.21 lacks:

- ``filter`` is parsed as CQL2 text (see :mod:`.filtering`), not as ECQL;
- ``next``/``prev`` links exist exactly when more results exist (pygeoapi #1237 adds ``next``
  on a full last page) and keep every query parameter including ``f`` (pygeoapi #2175);
- when no base URL is configured, links are absolute for the host the client used.
"""

from __future__ import annotations

import contextvars
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio.to_thread
import pygeoapi
import pygeoapi.api as core_api
import pygeoapi.api.itemtypes as itemtypes_api
import pygeoapi.l10n
from pygeoapi.api import API, APIRequest, evaluate_limit
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from publisher.downloads.catalog import CATALOG_PATH
from publisher.serving.ogcapi.config import build_config, build_openapi, load_template
from publisher.serving.ogcapi.filtering import (
    OWN_PARAMS,
    FilterError,
    current_filter,
    request_filter,
)
from publisher.serving.ogcapi.limits import MAX_FILTER_JSON_BYTES, items_parameter_problem

LOGGER = logging.getLogger(__name__)

#: Where pygeoapi is mounted in the app.
PREFIX = "/ogc"
#: Methods of every OGC API resource: OPTIONS is declared in the OpenAPI document pygeoapi
#: writes (items and item paths), and answered on every resource alike.
READ = ["GET", "OPTIONS"]
#: Distinct origins an app without a fixed base URL keeps an API for (bounded: Host is input).
MAX_ORIGINS = 8
#: pygeoapi 0.21 caches the translated configuration that HTML templates see per locale for
#: the whole process (``pygeoapi.l10n._cfg_cache``), so with two public URLs in one process
#: (two origins, or two apps) every page would carry the first one's server URL. HTML pages
#: are rendered one at a time with that cache emptied first; JSON never reads it.
_HTML_RENDER = threading.Lock()


def _call(fn: ApiFunction, api: API, api_request: APIRequest, *args: str) -> Any:
    """Run a pygeoapi API function; an HTML page is rendered with this API's own config."""
    if api_request.format != "html":
        return fn(api, api_request, *args)
    with _HTML_RENDER:
        pygeoapi.l10n._cfg_cache.clear()
        return fn(api, api_request, *args)
_STATIC = Path(pygeoapi.__file__).parent / "static"

ApiFunction = Callable[..., tuple[dict[str, str], int, Any]]


def problem(status: int, code: str, description: str) -> JSONResponse:
    """An error in pygeoapi's JSON shape (``code``/``type``/``description``)."""
    return JSONResponse({"code": code, "type": code, "description": description},
                        status_code=status)


class OgcApi:
    """pygeoapi over one publication directory or PostGIS database, as Starlette routes."""

    def __init__(self, publication_dir: str | Path, base_url: str | None = None) -> None:
        self.publication_dir = publication_dir  # a directory or a postgresql+psycopg:// URL
        self.base_url = base_url.rstrip("/") if base_url else None
        self._template = load_template()
        self._apis: OrderedDict[str, API] = OrderedDict()

    # -- pygeoapi API per public URL ------------------------------------------------------

    def api_for(self, request: Request) -> API:
        """The pygeoapi API whose links start with this request's public URL."""
        root = self.base_url or f"{request.url.scheme}://{request.url.netloc}"
        server_url = root + PREFIX
        api = self._apis.get(server_url)
        if api is None:
            config = build_config(self.publication_dir, server_url, self._template)
            api = API(config, build_openapi(config))
            self._apis[server_url] = api
            while len(self._apis) > MAX_ORIGINS:
                self._apis.popitem(last=False)
        return api

    # -- routes -----------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        """``/ogc`` and everything below it."""
        def call(fn: ApiFunction, *names: str, items: bool = False
                 ) -> Callable[[Request], Awaitable[Response]]:
            async def endpoint(request: Request) -> Response:
                if request.method == "OPTIONS":
                    return _options(allowed)
                return await self._execute(request, fn, [request.path_params[n] for n in names],
                                           items=items)
            allowed = ("GET", "HEAD", "POST", "OPTIONS") if items else ("GET", "HEAD", "OPTIONS")
            return endpoint

        landing = call(core_api.landing_page)
        api_routes = [
            Route("/", landing, methods=READ),
            Route("/openapi", call(core_api.openapi_), methods=READ),
            Route("/conformance", call(core_api.conformance), methods=READ),
            Route("/collections", call(core_api.describe_collections), methods=READ),
            Route("/collections/{cid}/queryables",
                  call(itemtypes_api.get_collection_queryables, "cid"), methods=READ),
            Route("/collections/{cid}/schema", call(core_api.get_collection_schema, "cid"),
                  methods=READ),
            Route("/collections/{cid}/items",
                  call(itemtypes_api.get_collection_items, "cid", items=True),
                  methods=[*READ, "POST"]),
            Route("/collections/{cid}/items/{iid}",
                  call(itemtypes_api.get_collection_item, "cid", "iid"), methods=READ),
            Route("/collections/{cid}", call(core_api.describe_collections, "cid"),
                  methods=READ),
            Mount("/static", StaticFiles(directory=_STATIC)),
        ]
        return [Route(PREFIX, landing, methods=READ), Mount(PREFIX, routes=api_routes)]

    # -- one call ---------------------------------------------------------------------------

    async def _execute(self, request: Request, fn: ApiFunction, args: list[str], *,
                       items: bool) -> Response:
        api = self.api_for(request)
        scope = request.scope
        token = None
        q = request.query_params
        if items and (message := items_parameter_problem(q)):
            return problem(HTTPStatus.BAD_REQUEST, "InvalidParameterValue", message)
        receive = request.receive
        body = b""
        if items and request.method == "POST":
            body = await _bounded_body(request, MAX_FILTER_JSON_BYTES)
            if body is None:
                return problem(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "InvalidParameterValue",
                               f"the body exceeds {MAX_FILTER_JSON_BYTES:,} bytes: POST a "
                               "CQL2 JSON filter")
            receive = _empty_body  # pygeoapi sees no body: the filter is parsed here
        if items and (body or any(k in q for k in OWN_PARAMS)):
            try:
                parsed = request_filter(q, body)
            except FilterError as exc:
                return problem(HTTPStatus.BAD_REQUEST, "InvalidParameterValue", str(exc))
            kept = [(k, v) for k, v in q.multi_items() if k not in OWN_PARAMS]
            scope = {**request.scope, "query_string": urlencode(kept).encode()}
            token = current_filter.set(parsed)
        try:
            api_request = await APIRequest.from_starlette(Request(scope, receive), api.locales)
            if not items and not api_request.is_valid():
                headers, status, content = api.get_format_exception(api_request)
            else:
                ctx = contextvars.copy_context()
                headers, status, content = await anyio.to_thread.run_sync(
                    ctx.run, _call, fn, api, api_request, *args)
        except Exception:  # a bug, not bad input: log it, never show a stack trace
            LOGGER.exception("OGC API request failed: %s", request.url)
            return problem(HTTPStatus.INTERNAL_SERVER_ERROR, "NoApplicableCode",
                           "internal error (logged)")
        finally:
            if token is not None:
                current_filter.reset(token)
        if items and status == HTTPStatus.OK and "json" in headers.get("Content-Type", "") \
                and "ld+json" not in headers.get("Content-Type", ""):
            content = self._fix_paging_links(api, request, args[0], content)
        if status == HTTPStatus.OK and fn is core_api.landing_page \
                and headers.get("Content-Type") == "application/json":
            content = _with_metadata_links(api, content)
        if status == HTTPStatus.OK and headers.get("Content-Type") == "application/json" \
                and fn.__name__ in ("get_collection_items", "get_collection_item"):
            headers["Content-Type"] = "application/geo+json"  # Part 1, GeoJSON class
        return _to_response(headers, status, content)

    def _fix_paging_links(self, api: API, request: Request, collection: str,
                          content: str | bytes) -> str:
        """Rebuild the paging and format links with every parameter the client sent.

        ``next``/``prev`` appear exactly when due; pygeoapi never saw ``filter``/``bbox``.
        """
        doc = json.loads(content)
        params = list(request.query_params.multi_items())
        try:
            offset = max(int(request.query_params.get("offset") or 0), 0)
            limit = evaluate_limit(request.query_params.get("limit"),
                                   api.config["server"].get("limits", {}),
                                   api.config["resources"][collection].get("limits", {}))
        except ValueError:
            return content if isinstance(content, str) else content.decode()
        base = f"{api.get_collections_url()}/{collection}/items"
        links = []
        for link in doc.get("links", []):
            if link.get("rel") in ("next", "prev"):
                continue
            if link.get("href", "").startswith(base + "?"):  # self/alternate: f + every param
                fmt = parse_qs(urlsplit(link["href"]).query).get("f", [""])[0]
                kept = [("f", fmt), *((k, v) for k, v in params if k != "f")]
                link["href"] = f"{base}?{urlencode(kept)}"
            links.append(link)

        def href(new_offset: int) -> str:
            kept = [(k, v) for k, v in params if k != "offset"] + [("offset", str(new_offset))]
            return f"{base}?{urlencode(kept)}"

        matched = doc.get("numberMatched")
        if (previous := _previous_offset(offset, limit, matched)) is not None:
            links.append({"type": "application/geo+json", "rel": "prev", "title": "Items (prev)",
                          "href": href(previous)})
        if matched is not None and offset + doc.get("numberReturned", 0) < matched:
            links.append({"type": "application/geo+json", "rel": "next", "title": "Items (next)",
                          "href": href(offset + limit)})
        doc["links"] = links
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _previous_offset(offset: int, limit: int, matched: int | None) -> int | None:
    """Where the ``prev`` page starts, or None when there is no previous page.

    A previous page must hold features: past the end (``offset >= numberMatched``) it is the
    last full page, and with nothing matched there is none.
    """
    if offset <= 0 or matched == 0:
        return None
    previous = max(0, offset - limit)
    if matched is not None:
        previous = min(previous, max(0, matched - limit))
    return previous


def _with_metadata_links(api: API, content: str | bytes | dict) -> str:
    """Landing page + links to the DCAT-AP catalogue, the downloads and the WFS beside us."""
    doc = content if isinstance(content, dict) else json.loads(content)
    root = api.config["server"]["url"].rstrip("/").removesuffix(PREFIX)
    doc.setdefault("links", []).extend([
        {"rel": "describedby", "type": "application/ld+json",
         "title": "DCAT-AP-catalogus (metadata van de datasets)",
         "href": f"{root}{CATALOG_PATH}"},
        {"rel": "enclosure", "type": "text/html", "title": "Dagelijkse downloads "
         "(GML, Shapefile, CSV, GeoPackage, GeoJSON)", "href": f"{root}/downloads"},
        {"rel": "alternate", "type": "application/xml", "title": "WFS 2.0 (POI:POI)",
         "href": f"{root}/wfs?SERVICE=WFS&REQUEST=GetCapabilities"},
    ])
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


async def _bounded_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it exceeds ``limit`` bytes (never read whole)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _empty_body() -> dict[str, Any]:
    """An ASGI ``receive`` of an empty body: what pygeoapi reads once we consumed the real one."""
    return {"type": "http.request", "body": b"", "more_body": False}


def _options(allowed: tuple[str, ...]) -> Response:
    """An OPTIONS answer: which methods the resource takes (the OpenAPI document's 200)."""
    return Response(status_code=HTTPStatus.OK, headers={"Allow": ", ".join(allowed)})


def _to_response(headers: dict[str, str], status: int, content: Any) -> Response:
    """Pygeoapi's result → a Starlette response with pygeoapi's headers."""
    if headers.get("Content-Type") == "text/html":
        response: Response = HTMLResponse(content=content, status_code=status)
    elif isinstance(content, dict):
        response = JSONResponse(content, status_code=status)
    else:
        response = Response(content, status_code=status)
    response.headers.update(headers)
    if status == HTTPStatus.SERVICE_UNAVAILABLE:  # unreadable or busy publication: say when
        response.headers.setdefault("Retry-After", "30")
    return response
