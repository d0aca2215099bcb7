"""The thin ASGI adapter: HTTP in, :func:`operations.dispatch`, HTTP out.

This is the one boundary where :class:`~publisher.serving.wfs.errors.WFSError` becomes an
``ows:ExceptionReport``; anything unexpected is logged and answered with a bare
``NoApplicableCode`` report, never a stack trace.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response as HTTPResponse
from starlette.routing import BaseRoute, Route

from publisher.serving import edge, metrics
from publisher.serving.crs import CrsError
from publisher.serving.filters.compiler import FilterError
from publisher.serving.publications import PublicationReader
from publisher.serving.streaming import ClosingStreamingResponse, StreamGate
from publisher.serving.wfs.errors import (
    OperationParsingFailed,
    RequestTooLarge,
    ServiceUnavailable,
    WFSError,
    exception_report,
    from_value_error,
)
from publisher.serving.wfs.operations import dispatch
from publisher.serving.wfs.parsers.kvp import normalise
from publisher.serving.wfs.parsers.xml import xml_to_kvp
from publisher.serving.wfs.response import Response
from publisher.serving.wfs.settings import MAX_BODY_BYTES, MAX_URL_BYTES, TIME_BUDGET_SECONDS

log = logging.getLogger(__name__)
EXCEPTION_MEDIA_TYPE = "application/xml; charset=utf-8"


def service_url(request: Request) -> str:
    """Absolute URL of this endpoint as the client reached it (:func:`edge.public_base`)."""
    return f"{edge.public_base(request)}{request.url.path}"


async def _body(request: Request) -> bytes:
    """The POST body, read no further than MAX_BODY_BYTES (413 past it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise RequestTooLarge(f"request body over {MAX_BODY_BYTES} bytes", 413, "request")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise RequestTooLarge(f"request body over {MAX_BODY_BYTES} bytes", 413, "request")
        chunks.append(chunk)
    return b"".join(chunks)


async def _kvp(request: Request) -> dict[str, str]:
    target = len(request.url.path) + len(request.scope.get("query_string", b""))
    if target > MAX_URL_BYTES:
        raise RequestTooLarge(f"request URL over {MAX_URL_BYTES} bytes: POST long filters",
                              414)
    if request.method != "POST":
        return normalise(request.query_params.multi_items())
    body = await _body(request)
    ctype = request.headers.get("content-type", "").lower()
    if "x-www-form-urlencoded" in ctype:
        return normalise(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if not body.strip():
        raise OperationParsingFailed("empty POST body: send a WFS XML request", "request")
    kvp = xml_to_kvp(body)
    return {**normalise(request.query_params.multi_items()), **kvp}


class TooManyStreams(ServiceUnavailable):
    """The worker already streams its most responses: retry in a few seconds."""

    headers = {"Retry-After": str(edge.RETRY_BUSY_SECONDS)}  # noqa: RUF012 (read-only)


async def _send(response: Response, gate: StreamGate) -> HTTPResponse:
    """The HTTP response; a stream takes a slot of ``gate`` or is refused with a 503."""
    if isinstance(response.body, bytes):
        return HTTPResponse(response.body, response.status, response.headers,
                            media_type=response.media_type)
    if not gate.acquire():  # the body (a generator over the query) closes in a thread
        metrics.STREAMS_REFUSED.inc(surface="wfs")
        close = getattr(response.body, "close", None)
        if close is not None:
            await run_in_threadpool(close)
        return _error(TooManyStreams(f"more than {gate.limit} downloads in progress on this "
                                     "server; retry shortly"))
    return ClosingStreamingResponse(response.body, response.status, response.headers,
                                    media_type=response.media_type, gate=gate)


def _error(error: WFSError) -> HTTPResponse:
    return HTTPResponse(exception_report(error), error.status, headers=error.headers,
                        media_type=EXCEPTION_MEDIA_TYPE)


def routes(reader: PublicationReader, time_budget: float = TIME_BUDGET_SECONDS,
           gate: StreamGate | None = None) -> list[BaseRoute]:
    """The ``/wfs`` route (GET KVP and POST XML or form) serving ``reader``'s publications.

    ``time_budget`` (seconds, settings.TIME_BUDGET_SECONDS) bounds each request's work
    before its first byte; past it the answer is 503 with Retry-After. ``gate`` (default: one
    of setting ``serving_max_streams``) is the worker's cap on large responses sent at once,
    shared with the other surfaces; one more is answered 503 with Retry-After at once.
    """
    if gate is None:
        gate = StreamGate.from_settings()

    async def wfs(request: Request) -> HTTPResponse:
        deadline = time.monotonic() + time_budget
        try:
            kvp = await _kvp(request)
            response = await run_in_threadpool(dispatch, kvp, reader, service_url(request),
                                               deadline)
        except WFSError as exc:
            return _error(exc)
        except (CrsError, FilterError) as exc:
            return _error(from_value_error(exc))
        except Exception:
            log.exception("WFS request failed: %s", request.url)
            error = WFSError("internal error; the request was logged")
            error.status = 500
            return _error(error)
        return await _send(response, gate)

    return [Route("/wfs", wfs, methods=["GET", "POST"])]
