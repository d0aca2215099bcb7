"""The lookup's errors and their one rendering: RFC 7807 problem JSON.

Why one module: code below the HTTP boundary raises :class:`Problem` (a ``ValueError`` with a
message safe to show); ``web.problem_response`` is the only place that renders it, through
:func:`publisher.serving.edge.problem`, so every 4xx/5xx of the lookup and the viewer's JSON
endpoints looks like every other surface's.
"""

from __future__ import annotations

from typing import Any

from publisher.serving import edge

PROBLEM_MEDIA_TYPE = edge.PROBLEM_MEDIA_TYPE


class Problem(ValueError):
    """A request the lookup cannot answer; ``detail`` names the offending value.

    Parameters
    ----------
    code
        Short, stable identifier of the kind of problem (becomes the ``type`` URN).
    title
        Human-readable summary of the kind of problem (the same for every instance).
    detail
        What exactly was wrong with this request, including the offending value.
    status
        HTTP status code.
    extra
        Additional members of the problem object (e.g. ``parameter``, ``format``).
    """

    def __init__(self, code: str, title: str, detail: str, status: int = 400,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.code, self.title, self.detail, self.status = code, title, detail, status
        self.extra = extra


def bad_parameter(parameter: str, detail: str, **extra: Any) -> Problem:
    """A 400 about one query parameter (missing, repeated, conflicting or malformed)."""
    return Problem("invalid-parameter", "Ongeldige of ontbrekende parameter", detail,
                   parameter=parameter, **extra)


def no_publication() -> Problem:
    """A 503 before the first publish: nothing to answer from yet, try again later."""
    return Problem("no-publication", "Nog geen publicatie",
                   "There is no POI publication yet; the daily publish job has not run.",
                   status=503)


