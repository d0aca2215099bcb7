"""The Starlette adapter of the lookup: ``GET /api/v1/woningkwaliteit``.

Kept trivial on purpose: parse nothing here, call :func:`.service.lookup`, render its dict or
its :class:`~.errors.Problem`. A broken or vanished publication file becomes a 503 problem,
so a client never sees a stack trace.
"""

from __future__ import annotations

import sqlite3

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from publisher.serving.lookup.errors import Problem
from publisher.serving.lookup.service import lookup
from publisher.serving.lookup.web import json_response, problem_response, public_base
from publisher.serving.publications import PublicationReader, PublicationUnreadable

PATH = "/api/v1/woningkwaliteit"


def unavailable() -> Problem:
    """A 503 for a publication file that cannot be read right now (retry shortly)."""
    return Problem("publication-unavailable", "Publicatie tijdelijk niet leesbaar",
                   "The current publication could not be read; try again shortly.", status=503)


def routes(reader: PublicationReader) -> list[BaseRoute]:
    """The lookup's routes over the publications ``reader`` serves."""

    async def woningkwaliteit(request: Request) -> Response:
        # The lookup reads the database: in a thread, so a busy pool (or a slow query)
        # never stops this worker's event loop and every other request with it.
        return await run_in_threadpool(answer, request)

    def answer(request: Request) -> Response:
        try:
            pub = reader.current("poi")
        except PublicationUnreadable:  # PostGIS publication database down or busy
            return problem_response(unavailable(), request)
        try:
            body = lookup(pub, request.query_params.multi_items(), public_base(request))
        except Problem as problem:
            return problem_response(problem, request)
        except sqlite3.DatabaseError:
            return problem_response(unavailable(), request)
        etag = f'"{pub.run_id if pub else "none"}"'
        return json_response(body, headers={"Cache-Control": "public, max-age=300",
                                            "Vary": "X-Forwarded-Host, X-Forwarded-Proto",
                                            "ETag": etag})

    return [Route(PATH, woningkwaliteit, methods=["GET"], name="lookup_woningkwaliteit")]
