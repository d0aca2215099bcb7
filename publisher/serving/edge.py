"""The one HTTP edge of every surface: the public base URL and the problem document.

Why one place: WFS, OGC API, lookup, viewer and downloads all write absolute links and JSON
errors. Each had its own rule, and they disagreed: the WFS echoed any ``X-Forwarded-Host``
into its links (the lookup checked it), ``--base-url`` reached only the OGC API, and 503s
said ``Retry-After`` 5, 30 or 60. Here:

- :func:`public_base`: the configured base URL (``serve --base-url``, ``VLOK_BASE_URL``,
  ``app.state.base_url``) when set; otherwise ``X-Forwarded-Proto``/``X-Forwarded-Host`` when
  they are a plain scheme and a plain host[:port] (no paths, quotes or spaces can be echoed),
  else the URL the request reached.
- :func:`problem`: RFC 9457 problem JSON, one ``type`` scheme (``urn:vlok:problem:<code>``),
  every 503 with ``Retry-After`` (:data:`RETRY_AFTER_SECONDS`, or :data:`RETRY_BUSY_SECONDS`
  when only busy); under ``/ogc`` it also carries the ``code``/``description`` members OGC
  API clients read and is served as ``application/json``, like pygeoapi's own errors, so
  every OGC API error has one media type.

OWS exception reports (WFS) have their one renderer in ``wfs/errors.py``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

PROBLEM_MEDIA_TYPE = "application/problem+json"
#: Seconds a client should wait after a 503: time budget, publication unreadable or switching.
RETRY_AFTER_SECONDS = 30
#: Seconds to wait when refused because the worker is busy (a stream slot frees in seconds).
RETRY_BUSY_SECONDS = 5
#: A host[:port] we are willing to echo into links (no paths, quotes or spaces).
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$")


def _first(value: str | None) -> str:
    """The client-most entry of a comma-separated forwarded header."""
    return (value or "").split(",")[0].strip()


def configured_base(request: Request) -> str | None:
    """The base URL the operator configured for the app serving ``request``, if any."""
    app = request.scope.get("app")
    base = getattr(getattr(app, "state", None), "base_url", None)
    return base.rstrip("/") if isinstance(base, str) and base else None


def public_base(request: Request) -> str:
    """``scheme://host[/root_path]`` as the client sees the service (no trailing slash)."""
    if base := configured_base(request):
        return base
    proto = _first(request.headers.get("x-forwarded-proto")).lower()
    if proto not in ("http", "https"):
        proto = request.url.scheme
    host = _first(request.headers.get("x-forwarded-host"))
    if not _HOST.match(host):
        host = request.url.netloc
    # The application's own prefix behind a proxy, not a Mount's (Starlette extends
    # ``root_path`` by the mount path and keeps the original as ``app_root_path``).
    root = request.scope.get("app_root_path", request.scope.get("root_path", "")).rstrip("/")
    return f"{proto}://{host}{root}"


def problem_body(code: str, title: str, status: int, detail: str, instance: str,
                 **extra: Any) -> dict[str, Any]:
    """The RFC 9457 object; ``instance`` is the request path (never a host)."""
    return {"type": f"urn:vlok:problem:{code}", "title": title, "status": int(status),
            "detail": detail, "instance": instance, **extra}


def problem(status: int, code: str, title: str, detail: str, instance: str, *,
            ogc_code: str | None = None, headers: dict[str, str] | None = None,
            **extra: Any) -> Response:
    """A problem response; a 503 says when to retry; ``ogc_code`` adds OGC API's members."""
    body = problem_body(code, title, status, detail, instance, **extra)
    if ogc_code is not None:
        body.update(code=ogc_code, description=detail)
    all_headers = dict(headers or {})
    if int(status) == 503:
        all_headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    status_code=int(status),
                    media_type=PROBLEM_MEDIA_TYPE if ogc_code is None else "application/json",
                    headers=all_headers)
