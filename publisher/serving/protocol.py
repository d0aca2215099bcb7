"""The HTTP edge of a worker: uvicorn's h11 protocol and event loop with our limits.

Three things no ASGI handler can do, because they happen on the socket before or after the
app sees a request:

- **A JSON 400 for garbage.** Raw bytes that are not HTTP never reach the app, so no exception
  handler can shape the answer; uvicorn writes a plain-text ``Invalid HTTP request received.``
  (issue 11). :class:`EdgeH11Protocol` answers an RFC 7807 problem instead.
- **A send timeout.** A client that stops reading keeps its socket, the response's buffers and
  a stream slot for ever (issue 17). When the socket's write buffer stays full (asyncio's
  ``pause_writing`` without a ``resume_writing``) for ``serving_send_timeout_seconds``, the
  connection is aborted, as nginx's ``send_timeout`` does: the app then sees the disconnect
  and the stream's ``finally`` releases what it held. A client that reads slowly but steadily
  resumes writing now and then and is never cut off.
- **An even spread of connections over workers.** gunicorn's workers share one listening
  socket. asyncio's accept loop takes up to ``backlog`` (2,048 under gunicorn) waiting
  connections per wake-up, so the worker that wakes first took 26-29 of 36 new connections and
  its pool ran dry while the other idled (issue 17). :class:`FairAcceptLoop` accepts
  :data:`ACCEPTS_PER_WAKEUP` per wake-up: the others are left to whichever worker returns to
  its event loop first, i.e. the less busy one.

uvicorn takes the protocol and the loop as class paths (``Config(http=..., loop=...)``);
:class:`EdgeWorker` is the gunicorn worker with both, and the test servers use them too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from functools import lru_cache
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn_worker import UvicornWorker

from publisher.serving import metrics

LOGGER = logging.getLogger(__name__)

#: The problem JSON of a request that is not HTTP (the same shape as every other problem).
BODY = json.dumps({"type": "urn:vlok:problem:bad-request", "title": "Bad Request",
                   "status": 400, "detail": "the request is not valid HTTP/1.1"}).encode()
#: Connections one worker accepts per wake-up of its listening socket (asyncio's default is
#: the listen backlog). One: the next waiting connection goes to the first free worker.
ACCEPTS_PER_WAKEUP = 1
#: Class paths for uvicorn's ``Config`` (and ``EdgeWorker``).
PROTOCOL = "publisher.serving.protocol:EdgeH11Protocol"
LOOP = "publisher.serving.protocol:new_event_loop"

def send_timeout() -> float:
    """Seconds a response may wait on a client reading nothing (``serving_send_timeout_seconds``).

    Read per connection, but the settings file only when its overrides change.
    """
    return _send_timeout(os.environ.get("VLOK_CONFIG"),
                         os.environ.get("VLOK_SERVING_SEND_TIMEOUT_SECONDS"))


@lru_cache(maxsize=8)
def _send_timeout(config: str | None, override: str | None) -> float:
    from publisher.config import load_settings

    return float(load_settings().serving_send_timeout_seconds)


class EdgeH11Protocol(H11Protocol):
    """h11 protocol with a problem-JSON 400 and a send timeout (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stalled: asyncio.TimerHandle | None = None

    def send_400_response(self, msg: str) -> None:
        """Answer 400 with :data:`BODY` (``msg`` is uvicorn's own, not the client's)."""
        headers = [(b"content-type", b"application/problem+json"),
                   (b"content-length", str(len(BODY)).encode()), (b"connection", b"close")]
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                      h11.Data(data=BODY), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()

    def pause_writing(self) -> None:
        """The client's socket is full: start the send timeout."""
        super().pause_writing()
        timeout = send_timeout()
        if self._stalled is None and timeout > 0:
            self._stalled = self.loop.call_later(timeout, self._send_timed_out, timeout)

    def resume_writing(self) -> None:
        """The client read again: it is not stalled."""
        self._cancel_send_timeout()
        super().resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection ended (by either side): no timeout left to run."""
        self._cancel_send_timeout()
        super().connection_lost(exc)

    def _cancel_send_timeout(self) -> None:
        if self._stalled is not None:
            self._stalled.cancel()
            self._stalled = None

    def _send_timed_out(self, timeout: float) -> None:
        """Abort: ``close()`` would wait to flush a buffer this client never drains."""
        self._stalled = None
        metrics.SEND_TIMEOUTS.inc()
        LOGGER.info("client %s read nothing for %g s: connection aborted",
                    _peer(self.transport), timeout)
        self.transport.abort()


def _peer(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else "?"


class FairAcceptLoop(asyncio.SelectorEventLoop):
    """asyncio's event loop accepting :data:`ACCEPTS_PER_WAKEUP` connections per wake-up.

    ``_accept_connection`` is asyncio's (CPython 3.8-3.13) per-wake-up accept loop; only its
    ``backlog`` argument, the most connections taken at once, is lowered. The listen queue
    itself (``sock.listen(backlog)``) keeps its size.
    """

    def _accept_connection(self, protocol_factory: Any, sock: Any, sslcontext: Any = None,
                           server: Any = None, backlog: int = 100, *args: Any) -> None:
        super()._accept_connection(  # type: ignore[misc]
            protocol_factory, sock, sslcontext, server, min(backlog, ACCEPTS_PER_WAKEUP), *args)


def new_event_loop() -> asyncio.AbstractEventLoop:
    """Uvicorn's ``loop`` hook (a loop factory): a :class:`FairAcceptLoop` where asyncio allows."""
    if hasattr(asyncio.SelectorEventLoop, "_accept_connection"):
        return FairAcceptLoop()
    return asyncio.SelectorEventLoop()  # pragma: no cover (another asyncio: its own accept)


class EdgeWorker(UvicornWorker):
    """gunicorn's uvicorn worker with :class:`EdgeH11Protocol` and :class:`FairAcceptLoop`."""

    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS,  # noqa: RUF012 (as the base declares it)
                     "http": PROTOCOL, "loop": LOOP}
