"""Prometheus metrics, hand-written (a few counters do not justify a dependency).

Exposed at ``/metrics`` in the text exposition format 0.0.4. Values are per worker process:
with several gunicorn workers each scrape sees one worker's counts, which Prometheus sums by
``instance`` only if workers are scraped separately; that is the usual trade-off of
multi-process Python servers, documented here rather than hidden.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Latency buckets in seconds (OGC pages are expected well under 100 ms).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

#: Path → route label: a bounded set, so a client cannot grow the metric set.
ROUTES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), label) for p, label in (
        (r"^/ogc/?$", "/ogc"),
        (r"^/ogc/openapi$", "/ogc/openapi"),
        (r"^/ogc/conformance$", "/ogc/conformance"),
        (r"^/ogc/collections/?$", "/ogc/collections"),
        (r"^/ogc/collections/[^/]+/items/[^/]+$", "/ogc/collections/{id}/items/{item}"),
        (r"^/ogc/collections/[^/]+/items$", "/ogc/collections/{id}/items"),
        (r"^/ogc/collections/[^/]+/queryables$", "/ogc/collections/{id}/queryables"),
        (r"^/ogc/collections/[^/]+/schema$", "/ogc/collections/{id}/schema"),
        (r"^/ogc/collections/[^/]+$", "/ogc/collections/{id}"),
        (r"^/ogc/static/", "/ogc/static"),
        (r"^/wfs", "/wfs"),
        (r"^/health$", "/health"),
        (r"^/metrics$", "/metrics"),
        (r"^/$", "/"),
    ))


def route_label(path: str) -> str:
    """The route template a path belongs to, or ``other``."""
    for pattern, label in ROUTES:
        if pattern.match(path):
            return label
    return "other"


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    body = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return "{" + body + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Counter:
    """A monotonically increasing count per label set."""

    def __init__(self, name: str, help_: str) -> None:
        self.name, self.help = name, help_
        self._values: dict[tuple[tuple[str, str], ...], float] = {}
        self._lock = threading.Lock()

    def inc(self, amount: float = 1, **labels: str) -> None:
        """Add ``amount`` to the series of ``labels``."""
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._values[key] = self._values.get(key, 0) + amount

    def value(self, **labels: str) -> float:
        """Current value of one series (0 when never incremented)."""
        return self._values.get(tuple(sorted(labels.items())), 0)

    def expose(self) -> Iterable[str]:
        """Exposition lines."""
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        for key, value in sorted(self._values.items()):
            yield f"{self.name}{_labels(dict(key))} {value:g}"


class Histogram:
    """Observations in cumulative buckets per label set."""

    def __init__(self, name: str, help_: str, buckets: tuple[float, ...] = BUCKETS) -> None:
        self.name, self.help, self.buckets = name, help_, buckets
        self._series: dict[tuple[tuple[str, str], ...], list[float]] = {}
        self._lock = threading.Lock()

    def observe(self, value: float, **labels: str) -> None:
        """Record one observation."""
        key = tuple(sorted(labels.items()))
        with self._lock:
            s = self._series.setdefault(key, [0.0] * (len(self.buckets) + 2))
            for i, bound in enumerate(self.buckets):
                if value <= bound:
                    s[i] += 1
            s[-2] += 1  # count
            s[-1] += value  # sum

    def expose(self) -> Iterable[str]:
        """Exposition lines."""
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        for key, s in sorted(self._series.items()):
            labels = dict(key)
            for i, bound in enumerate(self.buckets):
                yield f"{self.name}_bucket{_labels({**labels, 'le': f'{bound:g}'})} {s[i]:g}"
            yield f"{self.name}_bucket{_labels({**labels, 'le': '+Inf'})} {s[-2]:g}"
            yield f"{self.name}_count{_labels(labels)} {s[-2]:g}"
            yield f"{self.name}_sum{_labels(labels)} {s[-1]:.6f}"


REQUESTS = Counter("vlok_http_requests_total", "HTTP requests by route, method and status.")
LATENCY = Histogram("vlok_http_request_duration_seconds",
                    "Time to the end of the response body, by route.")
FEATURES_SERVED = Counter("vlok_features_served_total",
                          "Features returned by the OGC API, by collection.")
SEND_TIMEOUTS = Counter("vlok_send_timeouts_total",
                        "Connections aborted because the client read nothing for "
                        "serving_send_timeout_seconds while a response waited to be sent.")
STREAMS_REFUSED = Counter("vlok_streams_refused_total",
                          "Large responses refused with 503 because serving_max_streams were "
                          "being sent already, by surface.")
METRICS = (REQUESTS, LATENCY, FEATURES_SERVED, SEND_TIMEOUTS, STREAMS_REFUSED)


def exposition() -> str:
    """All metrics in the Prometheus text format."""
    return "\n".join(line for m in METRICS for line in m.expose()) + "\n"


class MetricsMiddleware:
    """ASGI middleware: count every HTTP request and time it to the last body byte."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap ``send`` to see the status; record after the response ends."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            route = route_label(scope.get("path", ""))
            REQUESTS.inc(route=route, method=scope.get("method", ""), status=str(status))
            LATENCY.observe(time.perf_counter() - started, route=route)
