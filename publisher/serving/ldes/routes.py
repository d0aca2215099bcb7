"""HTTP routes of the event stream, the fact IRIs and the product code list.

``/ldes/woningkwaliteit``                the stream, with its view's relations
``/ldes/woningkwaliteit/view``           the view's root node (the same graph)
``/ldes/woningkwaliteit/shape``          the SHACL shape of the members (Turtle)
``/ldes/woningkwaliteit/{day}/{part}``   a page; immutable once a later page exists
``/id/feit/{POID}``                      a fact and its versions (also HTML)
``/id/feit/{POID}/{day}/{kind}``         one version
``/id/concept/woningkwaliteitsproduct[/{PRODUCT}]``  the SKOS code list
``/ns/woningkwaliteit``                  our few own terms (RDFS)

JSON-LD by default; Turtle and N-Triples by ``Accept`` or ``f=ttl|nt``. Every answer has an
ETag and honours ``If-None-Match``; a bad parameter is a 400 problem naming it.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Callable
from datetime import date
from http import HTTPStatus
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from publisher.publication.ldes import terms as t
from publisher.publication.ldes.pages import PageStore
from publisher.serving import edge
from publisher.serving.ldes import documents as doc
from publisher.serving.ldes.html import fact_html
from publisher.serving.ldes.negotiation import FORMATS, Converter, NotAcceptable, choose
from publisher.serving.publications import PublicationUnreadable

SHAPES = Path(__file__).with_name("shapes")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_POID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_PRODUCT = re.compile(r"^[A-Za-z]{1,80}$")
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60"
RDF = ("jsonld", "ttl", "nt")
GZIP_FROM = 1400  # bytes: below one packet compression gains nothing


class _Bad(ValueError):
    pass


def _stores(source: Path | str, database: bool) -> Callable[[], PageStore]:
    """The page store of the served publication, made on first use."""
    made: list[PageStore] = []

    def get() -> PageStore:
        if not made:
            if database:
                from publisher.publication.postgis import META, history_engine

                made.append(PageStore(history_engine(str(source)), f"{META}."))
            else:
                made.append(PageStore.for_history(str(Path(source) / "history.sqlite"),
                                                  read_only=True))
        return made[0]

    return get


def routes(source: Path | str, database: bool = False) -> list[BaseRoute]:
    """The stream's routes over a publication directory or PostGIS database."""
    store = _stores(source, database)
    converter = Converter()

    async def respond(request: Request, build: Callable[[], tuple[bytes, str, bool] | None],
                      offered: tuple[str, ...] = RDF, html: Callable[[], str] | None = None
                      ) -> Response:
        """Negotiate, build (in a thread: database and rdflib), ETag, cache headers."""
        try:
            fmt = choose(request.query_params.get("f"), request.headers.get("accept"), offered)
        except NotAcceptable as exc:
            return _problem(request, exc.status, "format", str(exc))
        try:
            built = await run_in_threadpool(build)
        except _Bad as exc:
            return _problem(request, 400, "parameter", str(exc))
        except PublicationUnreadable:
            raise
        except Exception as exc:  # the database or file: 503 at the app boundary
            raise PublicationUnreadable(f"event stream unreadable: {exc}") from None
        if built is None:
            return _problem(request, 404, "not-found", f"no resource at {request.url.path!r}")
        body, etag, closed = built
        tag = '"' + hashlib.sha256(f"{etag}|{fmt}|{edge.public_base(request)}".encode()
                                   ).hexdigest()[:32] + '"'
        headers = {"ETag": tag, "Vary": "Accept, Accept-Encoding",
                   "Cache-Control": IMMUTABLE if closed else SHORT,
                   "Access-Control-Allow-Origin": "*"}
        if _matches(request.headers.get("if-none-match"), tag, tag[:-1] + '-gzip"'):
            return Response(status_code=304, headers=headers)
        if fmt == "html" and html is not None:
            body = (await run_in_threadpool(html)).encode()
        elif fmt in ("ttl", "nt"):
            body = await run_in_threadpool(converter.convert, body, fmt, tag)
        media = FORMATS[fmt] + ("; charset=utf-8" if fmt != "jsonld" else "")
        if len(body) > GZIP_FROM and "gzip" in request.headers.get("accept-encoding", ""):
            # A page is ~0.6 MB of repetitive JSON: gzip makes it ~10 times smaller.
            body = await run_in_threadpool(gzip.compress, body, 5)
            headers["Content-Encoding"] = "gzip"
            headers["ETag"] = tag[:-1] + '-gzip"'  # another representation, another tag
        return Response(body, media_type=media, headers=headers)

    async def stream(request: Request) -> Response:
        def build() -> tuple[bytes, str, bool]:
            days = store().days()
            body = doc.view_document(edge.public_base(request), days)
            return body, hashlib.sha256(body).hexdigest(), False
        return await respond(request, build)

    async def shape(request: Request) -> Response:
        def build() -> tuple[bytes, str, bool]:
            from rdflib import Graph

            ttl = (SHAPES / "member.ttl").read_bytes()
            graph = Graph().parse(data=ttl, format="turtle",
                                  publicID=edge.public_base(request) + t.SHAPE)
            return (graph.serialize(format="json-ld").encode(), hashlib.sha256(ttl).hexdigest(),
                    False)
        return await respond(request, build)

    async def page(request: Request) -> Response:
        day, part = request.path_params["day"], request.path_params["part"]

        def build() -> tuple[bytes, str, bool] | None:
            if not _is_day(day):
                raise _Bad(f"day must be a date YYYY-MM-DD, got {day[:40]!r}")
            if not part.isdigit() or not 0 < int(part) < 10**7:
                raise _Bad(f"page part must be a positive number, got {part[:40]!r}")
            found = store().page(day, int(part))
            if found is None:
                return None
            following = store().following(found.seq)
            body = doc.page_document(edge.public_base(request), found, following)
            return body, f"{found.etag}|{following}", following is not None
        return await respond(request, build)

    def _versions(poid: str) -> list[dict[str, Any]]:
        if not _POID.match(poid):
            raise _Bad(f"POID must be letters, digits, '_' or '-', got {poid[:40]!r}")
        out = []
        for iri, day, part in store().versions(poid):
            found = store().page(day, part)
            member = doc.member_in(found, iri) if found else None
            if member is not None:
                out.append(member)
        return out

    async def fact(request: Request) -> Response:
        poid = request.path_params["poid"]
        versions: list[dict[str, Any]] = []

        def build() -> tuple[bytes, str, bool] | None:
            versions.extend(_versions(poid))
            if not versions:
                return None
            body = doc.dumps(doc.fact_document(edge.public_base(request), poid, versions))
            return body, hashlib.sha256(body).hexdigest(), False
        return await respond(request, build, (*RDF, "html"),
                             html=lambda: fact_html(poid, versions))

    async def version(request: Request) -> Response:
        poid, day, kind = (request.path_params[k] for k in ("poid", "day", "kind"))

        def build() -> tuple[bytes, str, bool] | None:
            iri = f"{t.FACT}/{poid}/{day}/{kind}"
            member = next((m for m in _versions(poid) if m["@id"] == iri), None)
            if member is None:
                return None
            body = doc.dumps(doc.version_document(edge.public_base(request), member))
            return body, hashlib.sha256(body).hexdigest(), True  # a version never changes
        return await respond(request, build)

    async def concepts(request: Request) -> Response:
        product = request.path_params.get("product")

        def build() -> tuple[bytes, str, bool] | None:
            if product is not None and not _PRODUCT.match(product):
                raise _Bad(f"product must be a PRODUCT value, got {product[:40]!r}")
            found = doc.concepts_document(edge.public_base(request), product)
            if found is None:
                return None
            body = doc.dumps(found)
            return body, hashlib.sha256(body).hexdigest(), False
        return await respond(request, build)

    async def vocabulary(request: Request) -> Response:
        def build() -> tuple[bytes, str, bool]:
            body = doc.dumps({"@context": t.context(edge.public_base(request)),
                              "@graph": t.vocabulary()})
            return body, hashlib.sha256(body).hexdigest(), False
        return await respond(request, build)

    get = ["GET", "HEAD"]
    return [
        Route(t.STREAM, stream, methods=get),
        Route(t.VIEW, stream, methods=get),
        Route(t.SHAPE, shape, methods=get),
        Route(t.STREAM + "/{day}/{part}", page, methods=get),
        Route(t.FACT + "/{poid}", fact, methods=get),
        Route(t.FACT + "/{poid}/{day}/{kind}", version, methods=get),
        Route(t.SCHEME, concepts, methods=get),
        Route(t.SCHEME + "/{product}", concepts, methods=get),
        Route(t.OWN.rstrip("#"), vocabulary, methods=get),
    ]


def _is_day(text: str) -> bool:
    """``YYYY-MM-DD`` and a real date."""
    if not _DAY.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _matches(header: str | None, *tags: str) -> bool:
    """``If-None-Match`` names one of these ETags (weak or strong) or is ``*``."""
    if not header:
        return False
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")[:50]}
    return "*" in candidates or any(tag in candidates for tag in tags)


def _problem(request: Request, status: int, code: str, detail: str) -> Response:
    return edge.problem(status, f"ldes-{code}", HTTPStatus(status).phrase, detail,
                        request.url.path)
