"""The Starlette adapter of pygeoapi's framework-free API functions, mounted at ``/ogc``.

Why not mount ``pygeoapi.starlette_app``: that module reads ``PYGEOAPI_CONFIG`` and
``PYGEOAPI_OPENAPI`` when imported and keeps one global API, so one process could serve one
configuration only, fixed before the app factory runs. pygeoapi keeps its protocol logic in
``pygeoapi.api`` (request in, ``(headers, status, body)`` out); this module is the same thin
adapter as theirs, built per app, plus what CLIENTS.md needs that pygeoapi 0.21 lacks:

- ``filter`` is parsed as CQL2 text (see :mod:`.filtering`), not as ECQL;
- ``next``/``prev`` links exist exactly when more results exist (pygeoapi #1237 adds ``next``
  on a full last page) and keep every query parameter including ``f`` (pygeoapi #2175);
- when no base URL is configured, links are absolute for the host the client used;
- ``/conformance`` declares what the service passes (:data:`.config.CONFORMANCE_CLASSES`), not
  pygeoapi's Part 4/5 classes, and the service is read-only: a POST on ``/items`` is a CQL2
  JSON query, sent as ``application/query-cql-json`` (or ``application/json``); any other
  POST (a GeoJSON feature, Part 4's create, whatever its media type), and PUT, PATCH or
  DELETE on items or a feature, is a 405 problem, never a filter error.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
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
from pygeoapi.api import API, F_HTML, APIRequest, evaluate_limit
from pygeoapi.util import render_j2_template, to_json
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from publisher.downloads.catalog import CATALOG_PATH
from publisher.serving import edge
from publisher.serving.ogcapi.config import (
    CONFORMANCE_CLASSES,
    build_config,
    build_openapi,
    load_template,
)
from publisher.serving.ogcapi.crs import SUPPORTED_CRS
from publisher.serving.ogcapi.filtering import (
    OWN_PARAMS,
    PUBLICATION_PARAM,
    FilterError,
    current_filter,
    pinned_run,
    request_filter,
)
from publisher.serving.ogcapi.limits import (
    MAX_FILTER_JSON_BYTES,
    items_parameter_problem,
    quoted,
)
from publisher.serving.ogcapi.provider import reader_for
from publisher.serving.publications import PublicationUnreadable
from publisher.serving.streaming import StreamGate

LOGGER = logging.getLogger(__name__)

#: Where pygeoapi is mounted in the app.
PREFIX = "/ogc"
#: Methods of every OGC API resource: OPTIONS is declared in the OpenAPI document pygeoapi
#: writes (items and item paths), and answered on every resource alike.
READ = ["GET", "OPTIONS"]
#: Methods that would change features (OGC API Features Part 4): this service is read-only,
#: so on items and on a feature they are answered with a 405 saying so (:func:`_read_only`).
WRITE = ["POST", "PUT", "PATCH", "DELETE"]
#: The media types a POST on items is read as, a CQL2 JSON filter: pygeoapi's convention, and
#: plain JSON (declared in the OpenAPI document before, and the one schemathesis can send).
CQL2_JSON_QUERY = ("application/query-cql-json", "application/json")
#: Methods of items (a POST there is a query) and of every other resource.
ITEMS_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
READ_METHODS = ("GET", "HEAD", "OPTIONS")
#: Distinct origins an app without a fixed base URL keeps an API for (bounded: Host is input).
MAX_ORIGINS = 8
#: pygeoapi 0.21 caches the translated configuration that HTML templates see per locale for
#: the whole process (``pygeoapi.l10n._cfg_cache``), so with two public URLs in one process
#: (two origins, or two apps) every page would carry the first one's server URL. HTML pages
#: are rendered one at a time with that cache emptied first; JSON never reads it.
_HTML_RENDER = threading.Lock()


_crs_cache = threading.local()


def _cached_crs_from_uri(uri: str) -> Any:
    """Pygeoapi's ``get_crs_from_uri``, memoised per thread for the CRSs we serve.

    pygeoapi builds two ``pyproj.CRS`` objects from their URIs for every items request
    (``create_crs_transform_spec``): ~2 ms of a 5 ms request. pyproj objects are kept per
    thread, and only for the served URIs, so the cache is bounded.
    """
    cache: dict[str, Any] | None = getattr(_crs_cache, "crs", None)
    if cache is None:
        cache = _crs_cache.crs = {}
    crs = cache.get(uri)
    if crs is None:
        crs = _get_crs_from_uri(uri)
        if uri in SUPPORTED_CRS:
            cache[uri] = crs
    return crs


_get_crs_from_uri = itemtypes_api.get_crs_from_uri
itemtypes_api.get_crs_from_uri = _cached_crs_from_uri  # re-check when upgrading pygeoapi


def _call(fn: ApiFunction, api: API, api_request: APIRequest, *args: str) -> Any:
    """Run a pygeoapi API function; an HTML page is rendered with this API's own config."""
    if api_request.format != "html":
        return fn(api, api_request, *args)
    with _HTML_RENDER:
        pygeoapi.l10n._cfg_cache.clear()
        return fn(api, api_request, *args)
_STATIC = Path(pygeoapi.__file__).parent / "static"

ApiFunction = Callable[..., tuple[dict[str, str], int, Any]]


def problem(status: int, code: str, description: str, instance: str = PREFIX,
            headers: dict[str, str] | None = None) -> Response:
    """An OGC API error: problem JSON with the ``code``/``description`` OGC clients read."""
    return edge.problem(status, _kebab(code), HTTPStatus(status).phrase, description,
                        instance[:200], ogc_code=code, headers=headers)


def _kebab(code: str) -> str:
    """``InvalidParameterValue`` → ``invalid-parameter-value`` (the problem ``type`` URN)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", code).lower()


class OgcApi:
    """pygeoapi over one publication directory or PostGIS database, as Starlette routes."""

    def __init__(self, publication_dir: str | Path, base_url: str | None = None,
                 gate: StreamGate | None = None) -> None:
        self.publication_dir = publication_dir  # a directory or a postgresql+psycopg:// URL
        self.base_url = base_url.rstrip("/") if base_url else None
        #: The worker's cap on large responses sent at once (shared with WFS and downloads).
        self.gate = gate if gate is not None else StreamGate.from_settings()
        self._template = load_template()
        self._apis: OrderedDict[str, API] = OrderedDict()

    # -- pygeoapi API per public URL ------------------------------------------------------

    def api_for(self, request: Request) -> API:
        """The pygeoapi API whose links start with this request's public URL."""
        root = self.base_url or edge.public_base(request)
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
                    return _options(allowed, items=items)
                if request.method in WRITE and not (items and _is_query(request)):
                    # only items and a feature route WRITE methods here; Starlette answers
                    # a write elsewhere with its own 405 (app._http_error)
                    return _read_only(request, allowed, items=items)
                return await self._execute(request, fn, [request.path_params[n] for n in names],
                                           items=items)
            allowed = ITEMS_METHODS if items else READ_METHODS
            return endpoint

        landing = call(core_api.landing_page)
        api_routes = [
            Route("/", landing, methods=READ),
            Route("/openapi", call(core_api.openapi_), methods=READ),
            Route("/conformance", call(conformance), methods=READ),
            Route("/collections", call(core_api.describe_collections), methods=READ),
            Route("/collections/{cid}/queryables",
                  call(itemtypes_api.get_collection_queryables, "cid"), methods=READ),
            Route("/collections/{cid}/schema", call(core_api.get_collection_schema, "cid"),
                  methods=READ),
            Route("/collections/{cid}/items",
                  call(itemtypes_api.get_collection_items, "cid", items=True),
                  methods=[*READ, *WRITE]),
            Route("/collections/{cid}/items/{iid}",
                  call(itemtypes_api.get_collection_item, "cid", "iid"),
                  methods=[*READ, *WRITE]),
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
            if _is_geojson(body):  # a feature to create, not a filter: Part 4 is not served
                return _read_only(request, ITEMS_METHODS, items=True)
        run: str | None = None
        if items and (body or any(k in q for k in (*OWN_PARAMS, PUBLICATION_PARAM))):
            try:
                parsed = request_filter(q, body)
            except FilterError as exc:
                return problem(HTTPStatus.BAD_REQUEST, "InvalidParameterValue", str(exc))
            kept = [(k, v) for k, v in q.multi_items()
                    if k not in OWN_PARAMS and k != PUBLICATION_PARAM]
            scope = {**request.scope, "query_string": urlencode(kept).encode()}
            token = current_filter.set(parsed)
        try:
            api_request = await APIRequest.from_starlette(Request(scope, receive), api.locales)
            if not items and not api_request.is_valid():
                headers, status, content = api.get_format_exception(api_request)
            else:
                ctx = contextvars.copy_context()
                found = await anyio.to_thread.run_sync(
                    ctx.run, self._call_reading, fn, api, api_request, args, items, q)
                if isinstance(found, Response):
                    return found
                run, (headers, status, content) = found
        except Exception:  # a bug, not bad input: log it, never show a stack trace
            LOGGER.exception("OGC API request failed: %s", request.url)
            return problem(HTTPStatus.INTERNAL_SERVER_ERROR, "NoApplicableCode",
                           "internal error (logged)")
        finally:
            if token is not None:
                current_filter.reset(token)
        if items and status == HTTPStatus.OK and "json" in headers.get("Content-Type", "") \
                and "ld+json" not in headers.get("Content-Type", ""):
            content = self._fix_paging_links(api, request, args[0], content, run)
        if status == HTTPStatus.OK and fn is core_api.landing_page \
                and headers.get("Content-Type") == "application/json":
            content = _with_metadata_links(api, content)
        if status == HTTPStatus.OK and headers.get("Content-Type") == "application/json" \
                and fn.__name__ in ("get_collection_items", "get_collection_item"):
            headers["Content-Type"] = "application/geo+json"  # Part 1, GeoJSON class
        if status == HTTPStatus.OK and fn is itemtypes_api.get_collection_queryables \
                and headers.get("Content-Type") == "application/schema+json":
            content = _queryables_schema(content)
        return self.gate.send(_to_response(headers, status, content), lambda: problem(
            HTTPStatus.SERVICE_UNAVAILABLE, "ServiceUnavailable",
            f"more than {self.gate.limit} large responses in progress on this server; "
            "retry shortly or ask a smaller page (limit)", request.url.path), surface="ogcapi")

    def _call_reading(self, fn: ApiFunction, api: API, api_request: APIRequest,
                      args: list[str], items: bool, q: Any
                      ) -> Response | tuple[str | None, tuple[dict[str, str], int, Any]]:
        """In the worker thread: the run an items request reads, then pygeoapi.

        The run is pinned for the provider in this call's copied context; one thread hop per
        request instead of two.
        """
        run = None
        if items:
            found = self._run_to_read(api, args[0], q)
            if isinstance(found, Response):
                return found
            run = found
            pinned_run.set(run)  # this context is a copy made for this call alone
        return run, _call(fn, api, api_request, *args)

    def _run_to_read(self, api: API, collection: str, q: Any) -> str | Response | None:
        """The run id an items request reads (its ``publication`` or the current one).

        A 410 problem when the named publication is no longer kept; None when the collection
        is unknown or nothing is published (pygeoapi answers those).
        """
        resource = api.config["resources"].get(collection)
        if resource is None:
            return None
        dataset = resource["providers"][0].get("options", {}).get("dataset", "poi")
        reader = reader_for(self.publication_dir)
        asked = (q.get(PUBLICATION_PARAM) or "").strip()
        try:
            pub = reader.pinned(dataset, asked) if asked else reader.current(dataset)
        except PublicationUnreadable:
            return None  # the provider answers the 503
        if asked and pub is None:
            return problem(HTTPStatus.GONE, "InvalidParameterValue",
                           f"publication {quoted(asked)} is no longer served: start the "
                           "harvest again from the first page (without publication)")
        return pub.run_id if pub is not None else None

    def _fix_paging_links(self, api: API, request: Request, collection: str,
                          content: str | bytes, run: str | None = None) -> str:
        """Rebuild the paging and format links with every parameter the client sent.

        ``next``/``prev`` appear exactly when due and name the publication this page was
        read from (``publication``), so a harvest reads one publication end to end;
        pygeoapi never saw ``filter``/``bbox``.
        """
        text = content if isinstance(content, str) else content.decode()
        head, doc = _split_after_features(text)
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
            kept = [(k, v) for k, v in params if k not in ("offset", PUBLICATION_PARAM)]
            kept.append(("offset", str(new_offset)))
            if run:
                kept.append((PUBLICATION_PARAM, run))
            return f"{base}?{urlencode(kept)}"

        matched = doc.get("numberMatched")
        if (previous := _previous_offset(offset, limit, matched)) is not None:
            links.append({"type": "application/geo+json", "rel": "prev", "title": "Items (prev)",
                          "href": href(previous)})
        if matched is not None and offset + doc.get("numberReturned", 0) < matched:
            links.append({"type": "application/geo+json", "rel": "next", "title": "Items (next)",
                          "href": href(offset + limit)})
        doc["links"] = links
        tail = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        return head + tail[1:] if head else tail


def _split_after_features(text: str) -> tuple[str, dict[str, Any]]:
    """An items document as its untouched head (through ``"features":[…],``) and the rest.

    Only the members after the features (counts, links, time stamp) are parsed and rewritten:
    parsing and re-serialising a page of 1,000 features cost ~10 ms. pygeoapi writes
    ``numberMatched`` after ``features``; the last top-level occurrence is found from the end
    (a property value cannot end the document). Anything unexpected: the whole document.
    """
    at = text.rfind(',"numberMatched":')
    if at > 0:
        try:
            rest = json.loads("{" + text[at + 1:])
        except ValueError:
            rest = None
        if isinstance(rest, dict) and "links" in rest:
            return text[:at + 1], rest
    doc = json.loads(text)
    return "", doc


def conformance(api: API, request: APIRequest) -> tuple[dict[str, str], int, str]:
    """``/conformance``: :data:`.config.CONFORMANCE_CLASSES`, as JSON or our HTML page.

    Replaces pygeoapi's, which declares every class its feature providers could have
    (Part 4 create-replace-delete, Part 5) and appends them to a module-level list on every
    request (the list grows for the life of the process).
    """
    headers = request.get_response_headers(**api.api_headers)
    doc = {"conformsTo": list(CONFORMANCE_CLASSES)}
    if request.format == F_HTML:
        return headers, HTTPStatus.OK, render_j2_template(
            api.tpl_config, api.config["server"]["templates"], "conformance.html", doc,
            request.locale)
    return headers, HTTPStatus.OK, to_json(doc, api.pretty_print)


def _queryables_schema(content: str | bytes) -> str:
    """Queryables as Part 3 (1.0) writes them: JSON Schema 2020-12, ``$id`` without the query.

    pygeoapi 0.21 writes draft 2019-09 and the request URL with ``?f=json`` as ``$id``, and
    leaves ``additionalProperties`` unset, which would mean that a filter on any other name
    is valid (it is a 400 here).
    """
    doc = json.loads(content)
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    if isinstance(doc.get("$id"), str):
        doc["$id"] = doc["$id"].split("?", 1)[0]
    doc["additionalProperties"] = False
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _is_query(request: Request) -> bool:
    """A POST whose body is a CQL2 JSON filter (pygeoapi's convention), by its media type."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return request.method == "POST" and media_type in CQL2_JSON_QUERY


def _is_geojson(body: bytes) -> bool:
    """A GeoJSON feature or collection: what a client editing the data (Part 4) would POST.

    A CQL2 JSON filter never has a top-level ``type`` member.
    """
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return False  # not JSON: the filter parser says so
    return isinstance(doc, dict) and doc.get("type") in ("Feature", "FeatureCollection")


def _read_only(request: Request, allowed: tuple[str, ...], *, items: bool) -> Response:
    """405 for an attempt to create, replace, update or delete features.

    An RFC 9457 problem that also carries the OGC exception members (``code``,
    ``description``) every other ``/ogc`` error has. ``Allow`` lists POST on items because a
    POST there is served, as a query: the problem says how, and ``Accept-Post`` names its
    media types (a GeoJSON feature, Part 4's create, is never read as one).
    """
    method = request.method[:20]
    if items and method == "POST":
        sent = request.headers.get("content-type", "")[:100] or "none"
        detail = (f"this service is read-only: a POST on items is a query only, a CQL2 JSON "
                  f"filter sent with Content-Type: {CQL2_JSON_QUERY[0]} (this request: "
                  f"{sent!r}); features cannot be created (OGC API Features Part 4 is not "
                  "implemented)")
    else:
        detail = (f"this service is read-only: {method!r} cannot change features (OGC API "
                  f"Features Part 4 is not implemented); allowed: {', '.join(allowed)}")
    headers = {"Allow": ", ".join(allowed)}
    if items:
        headers["Accept-Post"] = ", ".join(CQL2_JSON_QUERY)
    return edge.problem(HTTPStatus.METHOD_NOT_ALLOWED, "read-only", "Method Not Allowed", detail,
                        request.url.path[:200], ogc_code="OperationNotSupported",
                        headers=headers)


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


#: Landing page links pygeoapi 0.21 always writes to resources not mounted here (404s).
UNSERVED_RELS = ("http://www.opengis.net/def/rel/ogc/1.0/processes",
                 "http://www.opengis.net/def/rel/ogc/1.0/job-list",
                 "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes")


def _with_metadata_links(api: API, content: str | bytes | dict) -> str:
    """Landing page + links to the DCAT-AP catalogue, the downloads and the WFS beside us.

    Without pygeoapi's links to processes, jobs and tiling schemes: none is served here.
    """
    doc = content if isinstance(content, dict) else json.loads(content)
    root = api.config["server"]["url"].rstrip("/").removesuffix(PREFIX)
    doc["links"] = [link for link in doc.get("links", [])
                    if link.get("rel") not in UNSERVED_RELS]
    doc["links"].extend([
        {"rel": "describedby", "type": "application/ld+json",
         "title": "DCAT-AP-catalogus (metadata van de datasets)",
         "href": f"{root}{CATALOG_PATH}"},
        {"rel": "enclosure", "type": "text/html", "title": "Dagelijkse downloads "
         "(GML, Shapefile, CSV, GeoPackage, GeoJSON)", "href": f"{root}/downloads"},
        {"rel": "alternate", "type": "application/xml", "title": "WFS 2.0 (POI:POI)",
         "href": f"{root}/wfs?SERVICE=WFS&REQUEST=GetCapabilities"},
        {"rel": "alternate", "type": "application/ld+json", "title": "Dagelijkse wijzigingen "
         "als Linked Data Event Stream (TREE/LDES, OSLO)", "href": f"{root}/ldes/woningkwaliteit"},
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


def _options(allowed: tuple[str, ...], *, items: bool = False) -> Response:
    """An OPTIONS answer: which methods the resource takes (the OpenAPI document's 200).

    On items also ``Accept-Post``: the POST there is a CQL2 JSON query, not Part 4's create.
    """
    headers = {"Allow": ", ".join(allowed)}
    if items:
        headers["Accept-Post"] = ", ".join(CQL2_JSON_QUERY)
    return Response(status_code=HTTPStatus.OK, headers=headers)


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
        response.headers.setdefault("Retry-After", str(edge.RETRY_AFTER_SECONDS))
    return response
