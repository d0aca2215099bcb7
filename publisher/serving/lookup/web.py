"""Small HTTP helpers shared by the lookup and the viewer: public base URL, JSON responses.

Why honour ``X-Forwarded-Proto``/``X-Forwarded-Host``: behind the load balancer the app sees
``http://10.x.y.z:8000``, but the links it returns must be the ones a client can follow.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from publisher.serving.lookup.errors import PROBLEM_MEDIA_TYPE, Problem, problem_body

#: A host[:port] we are willing to echo into links (no paths, quotes or spaces).
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$")


def _first(value: str | None) -> str:
    """The client-most entry of a comma-separated forwarded header."""
    return (value or "").split(",")[0].strip()


def public_base(request: Request) -> str:
    """``scheme://host[/root_path]`` as the client sees the service (no trailing slash)."""
    proto = _first(request.headers.get("x-forwarded-proto")).lower()
    if proto not in ("http", "https"):
        proto = request.url.scheme
    host = _first(request.headers.get("x-forwarded-host"))
    if not _HOST.match(host):
        host = request.url.netloc
    root = request.scope.get("root_path", "").rstrip("/")
    return f"{proto}://{host}{root}"


def json_response(body: Any, status: int = 200, media_type: str = "application/json",
                  headers: dict[str, str] | None = None) -> Response:
    """Compact UTF-8 JSON (Dutch names keep their accents)."""
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    status_code=status, media_type=media_type, headers=headers)


def problem_response(problem: Problem, request: Request) -> Response:
    """The RFC 7807 response for ``problem``; a 503 also says when to retry."""
    headers = {"Retry-After": "60"} if problem.status == 503 else None
    return json_response(problem_body(problem, request.url.path), problem.status,
                         PROBLEM_MEDIA_TYPE, headers)
