"""Stalled and abandoned downloads on raw sockets, and the probes that must still be answered.

Shared by the PostGIS and the GeoPackage flavour of the test of issue 17: a *stalled* client
sends a large ``COUNT=10000`` GetFeature and reads nothing (a tiny receive buffer, so the
server blocks in ``send`` at once); an *abandoned* one reads a few kilobytes and closes. While
they hang on, and 5 s and 30 s after, every surface (WFS, OGC API, lookup, ``/health``,
``/metrics``) must answer (:func:`stall`); clients that never read again are cut off by the
server's send timeout.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

#: The large download of the issue: one WFS page of 10,000 features, GML.
DOWNLOAD = ("/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=POI:POI"
            "&COUNT=10000")
#: A receive buffer this small fills after the first few kilobytes: the server blocks in send.
SMALL_RCVBUF = 4096
#: The server's send buffer per connection. Linux grows a loopback send buffer up to 4 MB,
#: more than the whole test publication's download (~1 MB); production downloads are many
#: times that. A fixed small buffer makes this small publication block the server the same way.
SMALL_SNDBUF = 16_384


@contextmanager
def serve_small_buffers(serve_app: Any, app: Any) -> Iterator[str]:
    """Serve ``app`` (through the suite's ``serve_app``) with small per-connection send buffers.

    Accepted sockets inherit ``SO_SNDBUF`` from the listening socket, which also switches
    off the kernel's autotuning. Yields the base URL; the server is stopped on exit.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_SNDBUF)
    sock.bind(("127.0.0.1", 0))
    try:
        with serve_app(app, sock) as base:
            yield base
    finally:
        sock.close()


def _request(base: str, target: str) -> bytes:
    host = urlsplit(base).netloc
    return f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n".encode()


def stalled_client(base: str, target: str = DOWNLOAD) -> socket.socket:
    """Open ``target`` and never read: the socket is returned, still open."""
    url = urlsplit(base)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_RCVBUF)  # before connect
    sock.settimeout(10)
    sock.connect((url.hostname, url.port))
    sock.sendall(_request(base, target))
    return sock


def abandoned_client(base: str, target: str = DOWNLOAD, read: int = 16_384) -> int:
    """Open ``target``, read about ``read`` bytes, close; returns the bytes read."""
    sock = stalled_client(base, target)
    got = 0
    try:
        while got < read:
            chunk = sock.recv(4096)
            if not chunk:
                break
            got += len(chunk)
    finally:
        sock.close()
    return got


@dataclass
class ProbeRound:
    """The outcome of one round of probes: (path, status, seconds) per request."""

    label: str
    results: list[tuple[str, int, float]] = field(default_factory=list)

    @property
    def failures(self) -> list[tuple[str, int, float]]:
        """Probes that did not answer 200."""
        return [r for r in self.results if r[1] != 200]

    @property
    def slowest(self) -> float:
        """Seconds of the slowest probe."""
        return max((r[2] for r in self.results), default=0.0)


def probe_paths(client: httpx.Client) -> list[str]:
    """One small request per surface (the lookup by an ADRESID that exists)."""
    first = client.get("/wfs", params={"SERVICE": "WFS", "VERSION": "2.0.0",
                                       "REQUEST": "GetFeature", "TYPENAMES": "POI:POI",
                                       "COUNT": "1", "OUTPUTFORMAT": "application/json"})
    assert first.status_code == 200, first.text
    adresid = first.json()["features"][0]["properties"]["ADRESID"]
    return ["/health", "/metrics",
            "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=POI:POI&COUNT=5",
            "/ogc/collections/poi/items?limit=5&f=json",
            f"/api/v1/woningkwaliteit?adresid={adresid}"]


def probe(client: httpx.Client, paths: list[str], label: str) -> ProbeRound:
    """Request every path once (sequentially), timing each; no answer counts as status 0."""
    out = ProbeRound(label)
    for path in paths:
        t0 = time.monotonic()
        try:
            status = client.get(path).status_code
        except httpx.TransportError:  # timed out, reset: the worker did not answer
            status = 0
        out.results.append((path, status, time.monotonic() - t0))
    return out


#: The issue's stall: 60 clients that read nothing and 25 that read a little and leave.
STALLED, ABANDONED = 60, 25
#: Of the stalled clients, these give up themselves after the first probes; the others never
#: read again and are cut off by the server's send timeout (:data:`SEND_TIMEOUT` seconds).
GIVING_UP = 30
SEND_TIMEOUT = 5
#: When the probes run again, in seconds after the stalled clients gave up.
AFTER = (5.0, 30.0)


@dataclass
class Stall:
    """What :func:`stall` saw: the probe rounds and how the never-reading clients ended."""

    rounds: list[ProbeRound]
    cut_off: int  # never-reading clients whose connection the server ended
    never_reading: int
    send_timeouts: float  # the server's vlok_send_timeouts_total went up by this
    watch: dict[str, Any] = field(default_factory=dict)  # what ``observe`` returned, by moment


def _send_timeouts(client: httpx.Client) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("vlok_send_timeouts_total"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _ended_by_server(sock: socket.socket) -> bool:
    """Drain what the server had sent; True when it then closed or reset the connection."""
    sock.settimeout(2.0)
    try:
        while sock.recv(65536):
            pass
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False  # still open: the server never gave up on this client
    return True


def stall(base: str, client: httpx.Client, observe: Any = None) -> Stall:
    """Run the issue's stall against ``base`` and probe every surface throughout.

    The server must run with ``serving_send_timeout_seconds`` = :data:`SEND_TIMEOUT`.
    ``observe(moment)`` (optional) is called during the stall and at the end, e.g. to read
    ``pg_stat_activity``.
    """
    paths = probe_paths(client)
    timeouts_before = _send_timeouts(client)
    watch: dict[str, Any] = {}
    stalled = [stalled_client(base) for _ in range(STALLED)]
    try:
        read = [abandoned_client(base) for _ in range(ABANDONED)]
        assert all(n > 0 for n in read), read  # the downloads did start
        time.sleep(1.0)
        rounds = [probe(client, paths, "during the stall")]
        if observe is not None:
            watch["during"] = observe("during")
    finally:
        for sock in stalled[:GIVING_UP]:
            sock.close()
    released = time.monotonic()
    for after in AFTER:
        time.sleep(max(0.0, released + after - time.monotonic()))
        rounds.append(probe(client, paths, f"{after:g} s after"))
    never_reading = stalled[GIVING_UP:]
    try:
        cut_off = sum(_ended_by_server(sock) for sock in never_reading)
    finally:
        for sock in never_reading:
            sock.close()
    if observe is not None:
        watch["after"] = observe("after")
    return Stall(rounds, cut_off, len(never_reading),
                 _send_timeouts(client) - timeouts_before, watch)


def report(outcome: Stall) -> str:
    """The figures of one stall, for the test log (and the closing note)."""
    lines = [f"{STALLED} stalled ({GIVING_UP} give up, {STALLED - GIVING_UP} never read) + "
             f"{ABANDONED} abandoned {DOWNLOAD}; send timeout {SEND_TIMEOUT} s: "
             f"{outcome.cut_off}/{outcome.never_reading} cut off by the server, "
             f"vlok_send_timeouts_total +{outcome.send_timeouts:g} (of the worker that "
             "answered /metrics)"]
    lines += [f"{r.label}: {len(r.results)} probes, {len(r.failures)} failed, slowest "
              f"{r.slowest:.2f} s" for r in outcome.rounds]
    lines += [f"{moment}: {seen}" for moment, seen in outcome.watch.items()]
    return "\n".join(lines)


def assert_nobody_starved(outcome: Stall) -> None:
    """Every probe answered at once, and the server itself ended every never-reading client."""
    for rnd in outcome.rounds:
        assert not rnd.failures, (rnd.label, rnd.failures)
        assert rnd.slowest < 2.5, (rnd.label, rnd.results)  # never a pool-timeout wait
    assert outcome.cut_off == outcome.never_reading, outcome
    assert outcome.send_timeouts >= outcome.never_reading, outcome
