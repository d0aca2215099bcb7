"""Streamed responses that clean up after any client, and a cap on how many run at once.

Why: a streamed body is a generator that may hold a cursor or a file; Starlette abandons it
without closing it when the client disconnects (the send is cancelled, the generator stays
suspended until garbage collection). :class:`ClosingStreamingResponse` closes the generator
(in a worker thread: closing may touch a database) whatever way the response ends.

:class:`StreamGate` bounds the streamed responses of one worker: each one holds a socket, a
batch of rows and a renderer's state for as long as its client takes, so past the cap a new
one is refused with 503 + ``Retry-After`` at once rather than queued (issue 17).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.to_thread
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from publisher.serving.edge import RETRY_BUSY_SECONDS

LOGGER = logging.getLogger(__name__)
#: Seconds a client refused by the cap is asked to wait (the one value: :mod:`.edge`).
RETRY_AFTER_SECONDS = RETRY_BUSY_SECONDS


class StreamGate:
    """At most ``limit`` streamed responses at once in this worker (one event loop).

    ``acquire``/``release`` run on the event loop only, so a plain counter is exact.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0

    def acquire(self) -> bool:
        """Take a slot; False when all ``limit`` are taken (answer 503 then)."""
        if self.limit > 0 and self.active >= self.limit:
            return False
        self.active += 1
        return True

    def release(self) -> None:
        """Give a slot back."""
        self.active = max(0, self.active - 1)


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
