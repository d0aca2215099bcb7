"""The thin ASGI adapter and the one error boundary of the WMS.

:class:`~publisher.serving.wms.errors.WMSError` (and the CRS module's and the filter
compiler's errors) become a ``ServiceExceptionReport`` of the request's version,
or, when the client asked for ``EXCEPTIONS=INIMAGE``/``BLANK`` on a GetMap it could size, an
image. Anything unexpected is logged and answered with a bare report, never a stack trace.
"""

from __future__ import annotations

import logging
import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response as HTTPResponse
from starlette.routing import BaseRoute, Route

from publisher.serving import edge
from publisher.serving.crs import CrsError
from publisher.serving.filters.compiler import FilterError
from publisher.serving.publications import PublicationReader
from publisher.serving.wms.errors import (
    MEDIA_TYPES,
    RequestTooLarge,
    WMSError,
    exception_report,
    from_value_error,
)
from publisher.serving.wms.operations import dispatch
from publisher.serving.wms.output.inimage import exception_image, image_size_format
from publisher.serving.wms.parsers.kvp import exceptions_mode, normalise, version_of
from publisher.serving.wms.settings import MAX_URL_BYTES, TIME_BUDGET_SECONDS

log = logging.getLogger(__name__)


def service_url(request: Request) -> str:
    """Absolute URL of this endpoint as the client reached it (:func:`edge.public_base`)."""
    return f"{edge.public_base(request)}{request.url.path}"


def error_response(error: WMSError, kvp: dict[str, str]) -> HTTPResponse:
    """``error`` as the client asked: an image for INIMAGE/BLANK GetMaps, else XML."""
    try:
        version = version_of(kvp)
    except WMSError:
        version = "1.3.0"
    mode = exceptions_mode(kvp)
    if mode != "xml" and kvp.get("REQUEST", "").strip().lower() in ("getmap", "map") \
            and error.status < 500:
        size_format = image_size_format(kvp)
        if size_format is not None:
            # An image exception is the map the client asked for: 200, as WMS 1.3.0 §7.3.3.11.
            return HTTPResponse(exception_image(error.message, mode, kvp, size_format), 200,
                                media_type=size_format[3],
                                headers={"Cache-Control": "no-store"})
    return HTTPResponse(exception_report(error, version), error.status,
                        headers={**error.headers, "Cache-Control": "no-store"},
                        media_type=MEDIA_TYPES[version])


def routes(reader: PublicationReader, time_budget: float = TIME_BUDGET_SECONDS
           ) -> list[BaseRoute]:
    """The ``/wms`` route (GET KVP) serving ``reader``'s publications."""

    async def wms(request: Request) -> HTTPResponse:
        deadline = time.monotonic() + time_budget
        kvp = normalise(request.query_params.multi_items())
        try:
            target = len(request.url.path) + len(request.scope.get("query_string", b""))
            if target > MAX_URL_BYTES:
                raise RequestTooLarge(f"request URL over {MAX_URL_BYTES} bytes")
            response = await run_in_threadpool(
                dispatch, kvp, reader, service_url(request),
                request.headers.get("if-none-match"), deadline)
        except WMSError as exc:
            return error_response(exc, kvp)
        except (CrsError, FilterError) as exc:
            return error_response(from_value_error(exc), kvp)
        except Exception:
            log.exception("WMS request failed: %s", request.url)
            error = WMSError("internal error; the request was logged")
            error.status = 500
            return error_response(error, kvp)
        return HTTPResponse(response.body, response.status, response.headers,
                            media_type=response.media_type)

    return [Route("/wms", wms, methods=["GET"])]


#: CRSs whose point arrays a worker prepares at start-up (the storage CRS, web maps, GPS).
WARM_EPSG = (31370, 3857, 4326)


def warm(reader: PublicationReader) -> None:
    """Build (or map) the current run's point arrays, so no client waits for them.

    At flanders scale the first map of a run reads every point once (~1 s); built once per
    host and run, then memory-mapped by every worker.
    """
    from publisher.serving.wms.render.data import points

    pub = reader.current("poi")
    if pub is not None:
        for epsg in WARM_EPSG:
            points(pub, epsg)
