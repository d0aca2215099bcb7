"""The lookup's and the viewer's side of the one HTTP edge (:mod:`publisher.serving.edge`).

:class:`~.errors.Problem` (raised below the HTTP boundary) is rendered by ``edge.problem``;
links use ``edge.public_base``, the rule every surface shares (configured base URL, else
forwarded headers that are a plain scheme and host, else the request's URL).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from publisher.serving import edge
from publisher.serving.lookup.errors import Problem

public_base = edge.public_base


def json_response(body: Any, status: int = 200, media_type: str = "application/json",
                  headers: dict[str, str] | None = None) -> Response:
    """Compact UTF-8 JSON (Dutch names keep their accents)."""
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    status_code=status, media_type=media_type, headers=headers)


def problem_response(problem: Problem, request: Request) -> Response:
    """The RFC 9457 response for ``problem``; a 503 also says when to retry."""
    return edge.problem(problem.status, problem.code, problem.title, problem.detail,
                        request.url.path, **problem.extra)
