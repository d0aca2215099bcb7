"""uvicorn's HTTP protocol with a JSON body on the 400 it sends for unparseable requests.

Why: raw garbage on the socket (not HTTP at all) never reaches the app, so no exception
handler can shape its answer; uvicorn writes a plain-text ``Invalid HTTP request received.``
(issue 11). uvicorn takes the protocol as a class path (``--http``, or ``Config(http=...)``),
so this subclass swaps the body for an RFC 7807 problem: no fork, no patching.
"""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn_worker import UvicornWorker

#: The problem JSON of a request that is not HTTP (the same shape as every other problem).
BODY = json.dumps({"type": "urn:vlok:problem:bad-request", "title": "Bad Request",
                   "status": 400, "detail": "the request is not valid HTTP/1.1"}).encode()


class JsonErrorH11Protocol(H11Protocol):
    """h11 protocol whose 400 for an unparseable request is problem JSON."""

    def send_400_response(self, msg: str) -> None:
        """Answer 400 with :data:`BODY` (``msg`` is uvicorn's own, not the client's)."""
        headers = [(b"content-type", b"application/problem+json"),
                   (b"content-length", str(len(BODY)).encode()), (b"connection", b"close")]
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                      h11.Data(data=BODY), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()


class JsonErrorWorker(UvicornWorker):
    """gunicorn's uvicorn worker using :class:`JsonErrorH11Protocol`."""

    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS,  # noqa: RUF012 (as the base declares it)
                     "http": "publisher.serving.protocol:JsonErrorH11Protocol"}
