"""Which serialization a request gets, and the conversion from JSON-LD with rdflib.

JSON-LD is what the stream stores and the default; Turtle and N-Triples are the same graph
converted by rdflib, cached by ETag (bounded) so a hot page is converted once per worker.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

#: ``f`` values and media types, in the order a bare ``*/*`` is served.
FORMATS = {"jsonld": "application/ld+json", "ttl": "text/turtle",
           "nt": "application/n-triples", "html": "text/html"}
ACCEPTED = {"application/ld+json": "jsonld", "application/json": "jsonld",
            "text/turtle": "ttl", "application/n-triples": "nt", "text/plain": "nt",
            "text/html": "html", "application/xhtml+xml": "html"}
RDFLIB = {"ttl": "turtle", "nt": "nt"}
CACHE_ENTRIES = 64


class NotAcceptable(ValueError):
    """No offered serialization matches the request (``f`` names a bad value: 400)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def choose(f: str | None, accept: str | None, offered: tuple[str, ...]) -> str:
    """The format key for a request: ``f`` wins, then ``Accept`` by q-value, then JSON-LD."""
    if f is not None:
        if f not in offered:
            raise NotAcceptable(f"f must be one of {', '.join(offered)}, got {f[:40]!r}", 400)
        return f
    if not accept:
        return offered[0]
    ranked = []
    for i, item in enumerate(accept.split(",")[:20]):
        kind, *params = (p.strip() for p in item.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, i, kind.lower()))
    for _, _, kind in sorted(ranked):
        if kind in ("*/*", "application/*") :
            return offered[0]
        if ACCEPTED.get(kind) in offered:
            return ACCEPTED[kind]
    raise NotAcceptable(f"none of {accept[:120]!r} is offered here; ask for "
                        + ", ".join(FORMATS[o] for o in offered), 406)


class Converter:
    """JSON-LD bytes to Turtle or N-Triples, remembering the last conversions by ETag."""

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def convert(self, jsonld: bytes, fmt: str, etag: str) -> bytes:
        """The graph of ``jsonld`` in ``fmt`` (``ttl`` or ``nt``)."""
        key = (etag, fmt)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        from rdflib import Graph

        graph = Graph()
        graph.parse(data=jsonld, format="json-ld")
        out = graph.serialize(format=RDFLIB[fmt], encoding="utf-8")
        with self._lock:
            self._cache[key] = out
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return out
