"""Streamed responses that clean up after any client, and a cap on how many are sent at once.

Why: a streamed body is a generator that may hold a cursor or a file; Starlette abandons it
without closing it when the client disconnects (the send is cancelled, the generator stays
suspended until garbage collection). :class:`ClosingStreamingResponse` closes the generator
(in a worker thread: closing may touch a database) whatever way the response ends.

:class:`StreamGate` bounds the large responses one worker sends at once: each one holds a
socket, a batch of rows or a body in memory, for as long as its client takes, so past the cap
a new one is refused with 503 + ``Retry-After`` at once rather than queued (issue 17). One
gate per worker (``create_app``) counts WFS GetFeature streams, download files and OGC API
bodies over :data:`LARGE_BODY` alike; each surface renders its own 503. A client that reads
nothing is cut off by the send timeout (:mod:`publisher.serving.protocol`), which frees its
slot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import anyio.to_thread
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from publisher.serving import metrics
from publisher.serving.edge import RETRY_BUSY_SECONDS

LOGGER = logging.getLogger(__name__)
#: A body larger than this (bytes) takes a slot while it is sent: a slow client holds it in
#: memory. 256 KiB is about 500 GeoJSON features; smaller pages pass without counting.
LARGE_BODY = 256 * 1024
#: Seconds a client refused by the cap is asked to wait (the one value: :mod:`.edge`).
RETRY_AFTER_SECONDS = RETRY_BUSY_SECONDS


class StreamGate:
    """At most ``limit`` streamed responses at once in this worker (one event loop).

    ``acquire``/``release`` run on the event loop only, so a plain counter is exact.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0

    @classmethod
    def from_settings(cls) -> StreamGate:
        """A gate of ``serving_max_streams`` slots (``VLOK_SERVING_MAX_STREAMS``)."""
        from publisher.config import load_settings

        return cls(load_settings().serving_max_streams)

    def acquire(self) -> bool:
        """Take a slot; False when all ``limit`` are taken (answer 503 then)."""
        if self.limit > 0 and self.active >= self.limit:
            return False
        self.active += 1
        return True

    def release(self) -> None:
        """Give a slot back."""
        self.active = max(0, self.active - 1)

    def send(self, response: Response, refused: Callable[[], Response], *,
             surface: str) -> Response:
        """``response`` holding a slot until it is sent, or ``refused()`` when all are taken.

        For a body already in memory (``response.body``): under :data:`LARGE_BODY` it passes
        without a slot. ``surface`` labels the metric.
        """
        if len(getattr(response, "body", b"")) <= LARGE_BODY:
            return response
        if not self.acquire():
            metrics.STREAMS_REFUSED.inc(surface=surface)
            return _busy(refused())
        return _Released(response, self)

    def stream(self, content: Iterator[bytes], refused: Callable[[], Response], *,
               surface: str, status_code: int = 200, headers: dict[str, str] | None = None,
               media_type: str | None = None) -> Response:
        """A :class:`ClosingStreamingResponse` holding a slot, or ``refused()``.

        A refused ``content`` is closed (it may hold a file); ``surface`` labels the metric.
        """
        if not self.acquire():
            metrics.STREAMS_REFUSED.inc(surface=surface)
            _close_quietly(getattr(content, "close", lambda: None))
            return _busy(refused())
        return ClosingStreamingResponse(content, status_code, headers, media_type, gate=self)


def _busy(response: Response) -> Response:
    """A refusal says when to come back (the one busy value of :mod:`.edge`)."""
    response.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return response


class _Released(Response):
    """A response whose gate slot is given back however its sending ends."""

    def __init__(self, response: Response, gate: StreamGate) -> None:
        self._response, self._gate = response, gate
        self.status_code, self.body = response.status_code, response.body
        self.raw_headers = response.raw_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the wrapped response, then free the slot (also when cancelled)."""
        try:
            await self._response(scope, receive, send)
        finally:
            self._gate.release()


class ClosingStreamingResponse(StreamingResponse):
    """A :class:`StreamingResponse` of a sync iterator that is always closed at the end.

    Parameters
    ----------
    content
        The body; a generator's ``finally`` blocks run when the response ends, completed,
        failed or abandoned by the client.
    gate
        The slot taken for this response (already acquired), given back at the end.
    """

    def __init__(self, content: Iterator[bytes], status_code: int = 200,
                 headers: dict[str, str] | None = None, media_type: str | None = None,
                 gate: StreamGate | None = None) -> None:
        super().__init__(content, status_code, headers, media_type)
        self._source: Any = content
        self._gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Stream, then close the source and free the slot, even when cancelled."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                if self._gate is not None:
                    self._gate.release()
                    self._gate = None
                close = getattr(self._source, "close", None)
                if close is not None:
                    await anyio.to_thread.run_sync(_close_quietly, close)


def _close_quietly(close: Any) -> None:
    """Run a generator's ``close``; a failure there must not mask how the response ended."""
    try:
        close()
    except Exception:
        LOGGER.warning("closing an abandoned stream failed", exc_info=True)
