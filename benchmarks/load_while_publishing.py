"""Hold N clients on WFS, OGC API and the lookup while publications switch and a worker dies.

Why: the switch is one ``os.replace`` of ``current.json`` and every request resolves its
publication once, so a response must come whole from one publication even when the publish
job switches underneath a stream of 10,000 features; and gunicorn must absorb a worker killed
mid-stream with only that worker's connections lost. This script shows both under load, on
the real ``vlok-publisher serve`` (gunicorn + 2 uvicorn workers, a subprocess).

What it does:

1. builds a synthetic store (``demo --scale``; or takes ``--store``) and publishes the first
   date into a fresh publication directory, or with ``--target postgresql+psycopg://…/db``
   into a PostGIS publication database (created when missing and then dropped at the end
   unless ``--keep-target``; an existing one must hold no publication yet);
2. starts ``vlok-publisher serve --workers 2`` on 127.0.0.1 and holds ``--clients`` threads
   for ``--seconds`` (longer if the last publish is still running then) on a mix of WFS
   GetFeature pages (GML and GeoJSON, COUNT 100..10,000, STARTINDEX varied), WFS
   ``RESULTTYPE=hits``, OGC API items pages and the lookup by capakey;
3. meanwhile publishes the later dates back to back from 10 % of the run
   (``vlok-publisher publish --as-of``, each a switch) and at half time SIGKILLs the
   gunicorn worker that is streaming a large page at that moment (found through its socket
   in ``/proc``);
4. checks every response: a 2xx, and from exactly one publication. A response reveals its
   publication through the ``PEILDATUM`` (as-of date) every feature carries (one date per
   publication here), the lookup's ``peildatum`` and ``ETag`` (the run id), and
   ``numberMatched``. A page must name one date, its ``numberMatched`` must be that
   publication's count and its features exactly that publication's features at those
   positions (default order: publication order, ``fid``). A hits answer or an empty page is
   attributed by ``numberMatched`` ("ambiguous" when two publications have the same count).
   Transport failures (reset, incomplete body) on a connection opened before the kill and
   failing after it are the killed connections; any other failure is an error.

Prints one JSON document. Only 127.0.0.1 traffic; every loop is bounded; the server is killed
in a ``finally``.

Run::

    .venv/bin/python benchmarks/load_while_publishing.py --scale medium --clients 32 --seconds 60
    .venv/bin/python benchmarks/load_while_publishing.py --scale medium --clients 32 --seconds 60 \
        --target postgresql+psycopg://postgres@127.0.0.1:5432/vlok_lwp

The server runs with the serving settings of ``config/settings.yaml`` (``VLOK_*`` in this
script's environment reach it): a 503 from the stream cap or the PostGIS pool is an error.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import select
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Dates published one after another (within the 30-day retention: nothing is pruned).
DEFAULT_DATES = ("2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23")
#: Surfaces and how often a client picks each.
MIX = (("wfs_gml", 25), ("wfs_geojson", 20), ("wfs_hits", 10), ("ogc_items", 25),
       ("lookup", 20))
#: A page this large counts as a "large stream" the worker kill aims at.
LARGE = 5_000
WFS = "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=POI:POI"
TRANSPORT_ERRORS = (OSError, http.client.HTTPException)

_MATCHED = re.compile(rb'numberMatched="(\d+)"')
_RETURNED = re.compile(rb'numberReturned="(\d+)"')
_POID = re.compile(rb"<POI:POID>([^<]*)</POI:POID>")
_PEILDATUM = re.compile(rb"<POI:PEILDATUM>([^<]*)</POI:PEILDATUM>")


# -- the publications ----------------------------------------------------------------------


@dataclass(frozen=True)
class Pub:
    """What a client may see of one publication: its features in order and its parcels."""

    run_id: str
    as_of: str
    poids: tuple[str, ...]
    parcels: dict[str, frozenset[str]]

    @property
    def count(self) -> int:
        """Number of features (``numberMatched`` of an unfiltered request)."""
        return len(self.poids)


def make_pub(run_id: str, as_of: str, poids: tuple[str, ...],
             parcel_rows: Any) -> Pub:
    """A :class:`Pub` from its POIDs by ``fid`` and its ``(CAPAKEY, POID)`` rows."""
    parcels: dict[str, set[str]] = defaultdict(set)
    for capakey, poid in parcel_rows:
        parcels[capakey].add(poid)
    return Pub(run_id, as_of, poids, {k: frozenset(v) for k, v in parcels.items()})


class DirectoryPointer:
    """The publication of a directory: ``current.json`` and its GeoPackage."""

    errors: tuple[type[BaseException], ...] = (OSError, ValueError, KeyError, sqlite3.Error)

    def __init__(self, root: Path) -> None:
        self.root = root

    def run_id(self) -> tuple[str, Any]:
        """The current run id and what :meth:`load` needs to read it."""
        entry = json.loads((self.root / "current.json").read_text(encoding="utf-8"))["poi"]
        return entry["run_id"], entry

    def load(self, entry: dict[str, str]) -> Pub:
        """Read one publication's GeoPackage (its POIDs by ``fid`` and ``poi_parcel``)."""
        uri = f"file:{self.root / entry['file']}?mode=ro"
        with sqlite3.connect(uri, uri=True) as db:
            poids = tuple(p for (p,) in db.execute('SELECT "POID" FROM poi ORDER BY fid'))
            rows = db.execute('SELECT "CAPAKEY", "POID" FROM poi_parcel').fetchall()
        return make_pub(entry["run_id"], entry["as_of"], poids, rows)


class PostGISPointer:
    """The publication of a PostGIS database: ``vlok_publication.current`` and its schema."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.exc import SQLAlchemyError

        self.engine = create_engine(url, pool_size=2)
        self.errors = (SQLAlchemyError, KeyError, ValueError)

    def run_id(self) -> tuple[str, Any]:
        """The current run id and ``(schema, as_of)``."""
        from sqlalchemy import text

        with self.engine.connect() as conn:
            schema, as_of, run_id = conn.execute(text(
                "SELECT schema_name, as_of, run_id FROM vlok_publication.current "
                "WHERE dataset = 'poi'")).one()
        return run_id, (run_id, schema, as_of.isoformat())

    def load(self, entry: tuple[str, str, str]) -> Pub:
        """Read one publication schema (schemas are never written after the switch)."""
        from sqlalchemy import text

        run_id, schema, as_of = entry
        with self.engine.connect() as conn:
            poids = tuple(conn.execute(text(
                f'SELECT "POID" FROM "{schema}".poi ORDER BY fid')).scalars())
            rows = conn.execute(text(f'SELECT "CAPAKEY", "POID" FROM "{schema}".poi_parcel'
                                     )).all()
        return make_pub(run_id, as_of, poids, rows)


class Registry:
    """Every publication the server may serve, learnt by watching the pointer.

    The pointer: ``current.json`` of a directory or ``vlok_publication.current`` (PostGIS).

    Why a watcher: a client can receive a new publication's first response before the
    publish command returns (it writes the download files after the switch), so checks wait
    (bounded) for the registry to catch up instead of calling that a mix.
    """

    def __init__(self, pointer: DirectoryPointer | PostGISPointer) -> None:
        self.pointer = pointer
        self.cond = threading.Condition()
        self.by_as_of: dict[str, Pub] = {}
        self.by_run: dict[str, Pub] = {}
        self.switch_times: list[tuple[float, str]] = []

    def refresh(self) -> None:
        """Load the current publication when it is new (idempotent)."""
        run_id, entry = self.pointer.run_id()
        if run_id in self.by_run:
            return
        pub = self.pointer.load(entry)
        with self.cond:
            self.by_run[pub.run_id] = pub
            self.by_as_of[pub.as_of] = pub
            self.switch_times.append((time.monotonic(), pub.as_of))
            self.cond.notify_all()

    def watch(self, stop: threading.Event) -> None:
        """Refresh every 20 ms until ``stop``."""
        while not stop.wait(0.02):
            try:
                self.refresh()
            except self.pointer.errors:
                continue  # a pointer being replaced: look again next time

    def wait_for(self, test: Any, timeout: float = 30.0) -> list[Pub]:
        """Publications ``test(pub)`` accepts, waiting up to ``timeout`` s for one to appear."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = [p for p in self.by_run.values() if test(p)]
                left = deadline - time.monotonic()
                if found or left <= 0:
                    return found
                self.cond.wait(left)

    def smallest(self) -> int:
        """The smallest feature count so far (pages start below it)."""
        with self.cond:
            return min(p.count for p in self.by_run.values())


# -- requests and checks ---------------------------------------------------------------------


@dataclass
class Request:
    """One request of the mix and what its answer must hold."""

    surface: str
    path: str
    start: int = 0
    count: int = 0
    capakey: str = ""


def next_request(rng: random.Random, registry: Registry, capakeys: list[str]) -> Request:
    """A random request of the mix: pages of 100..10,000 at varied offsets, hits, lookups."""
    surface = rng.choices([s for s, _ in MIX], [w for _, w in MIX])[0]
    start = rng.randrange(registry.smallest())
    if surface == "lookup":
        capakey = rng.choice(capakeys)
        return Request(surface, f"/api/v1/woningkwaliteit?capakey={capakey}", capakey=capakey)
    if surface == "wfs_hits":
        return Request(surface, f"{WFS}&RESULTTYPE=hits")
    count = int(10 ** rng.uniform(2, 4))
    if surface == "ogc_items":
        count = int(10 ** rng.uniform(1, 4))
        return Request(surface, f"/ogc/collections/poi/items?limit={count}&offset={start}",
                       start, count)
    fmt = "&OUTPUTFORMAT=application/json" if surface == "wfs_geojson" else ""
    return Request(surface, f"{WFS}&COUNT={count}&STARTINDEX={start}{fmt}", start, count)


@dataclass
class Facts:
    """What a response says about its publication."""

    matched: int | None = None
    returned: int | None = None
    poids: list[str] = field(default_factory=list)
    dates: set[str] = field(default_factory=set)
    run_id: str | None = None
    complete: bool = True


def facts_of(req: Request, body: bytes, headers: http.client.HTTPMessage) -> Facts:
    """Parse the publication-revealing parts of a 200 answer."""
    if req.surface in ("wfs_gml", "wfs_hits"):
        matched, returned = _MATCHED.search(body), _RETURNED.search(body)
        return Facts(int(matched.group(1)) if matched else None,
                     int(returned.group(1)) if returned else None,
                     [p.decode() for p in _POID.findall(body)],
                     {d.decode() for d in _PEILDATUM.findall(body)},
                     complete=body.rstrip().endswith((b"</wfs:FeatureCollection>", b"/>")))
    doc = json.loads(body)
    if req.surface == "lookup":
        poids = [f["poid"] for r in doc["resultaten"] for f in r["features"]]
        return Facts(poids=poids, dates={doc["peildatum"]},
                     run_id=(headers.get("ETag") or "").strip('"'))
    props = [f["properties"] for f in doc["features"]]
    return Facts(doc.get("numberMatched"), doc.get("numberReturned"),
                 [p["POID"] for p in props], {p["PEILDATUM"] for p in props})


def check(req: Request, facts: Facts, registry: Registry) -> tuple[str, str | None]:
    """``(publication as-of or "ambiguous", violation or None)`` for one 200 answer."""
    if not facts.complete:
        return "none", "body not a whole FeatureCollection"
    if len(facts.dates) > 1:
        return "mixed", f"features of several as-of dates {sorted(facts.dates)}"
    if req.surface == "lookup":
        (as_of,) = facts.dates
        pubs = registry.wait_for(lambda p: p.run_id == facts.run_id)
        if not pubs:
            return "none", f"unknown run {facts.run_id!r}"
        pub = pubs[0]
        if pub.as_of != as_of:
            return pub.as_of, f"ETag run {pub.run_id} is as of {pub.as_of}, body says {as_of}"
        if set(facts.poids) != pub.parcels.get(req.capakey, frozenset()):
            return pub.as_of, f"lookup {req.capakey}: features differ from run {pub.run_id}"
        return pub.as_of, None
    if facts.dates:
        (as_of,) = facts.dates
        pubs = registry.wait_for(lambda p: p.as_of == as_of)
        if not pubs:
            return "none", f"unknown as-of {as_of}"
        pub = pubs[0]
        expected = list(pub.poids[req.start:req.start + req.count])
        if facts.matched != pub.count:
            return pub.as_of, f"numberMatched {facts.matched} but {as_of} has {pub.count}"
        if facts.poids != expected:
            return pub.as_of, f"features are not {as_of}'s [{req.start}:+{req.count}]"
        if facts.returned is not None and facts.returned != len(expected):
            return pub.as_of, f"numberReturned {facts.returned} != {len(expected)}"
        return pub.as_of, None
    pubs = registry.wait_for(lambda p: p.count == facts.matched)
    if not pubs:
        return "none", f"no publication has numberMatched {facts.matched}"
    if req.surface != "wfs_hits" and any(req.start < p.count for p in pubs):
        return "none", f"empty page at {req.start} of {facts.matched}"
    return (pubs[0].as_of if len(pubs) == 1 else "ambiguous"), None


# -- the load --------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts shared by the client threads (under ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: Counter = field(default_factory=Counter)
    ok: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    killed: Counter = field(default_factory=Counter)
    per_pub: Counter = field(default_factory=Counter)
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    violations: list[str] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    killed_samples: list[str] = field(default_factory=list)
    inflight: dict[int, tuple[int, str]] = field(default_factory=dict)
    began: float = field(default_factory=time.monotonic)
    kill_at: float | None = None
    victim_ports: frozenset[int] = frozenset()
    error_statuses: Counter = field(default_factory=Counter)
    error_seconds: list[float] = field(default_factory=list)
    features: int = 0
    idle_reconnects: int = 0


def closed_by_server(conn: http.client.HTTPConnection) -> bool:
    """True when the server closed this idle keep-alive connection (it reads as EOF).

    Why: uvicorn closes a connection idle past its keep-alive (2 s under gunicorn), and a
    client busy checking a 10 MB page can stay idle that long; pooling clients (urllib3,
    httpx) look before reusing a connection, ``http.client`` does not, so this does.
    """
    if conn.sock is None:
        return True
    readable, _, _ = select.select([conn.sock], [], [], 0)
    return bool(readable)


def client(port: int, seed: int, stop: threading.Event, tally: Tally, registry: Registry,
           capakeys: list[str]) -> None:
    """One client: sequential requests on a keep-alive connection until ``stop``.

    ``http.client`` rather than a pooling library so the script knows when each connection
    was opened: a failure is the kill's only if its connection predates the kill.
    """
    rng = random.Random(seed)
    conn: http.client.HTTPConnection | None = None
    opened, local_port, idle_since = 0.0, 0, 0.0
    me = threading.get_ident()
    while not stop.is_set():
        req = next_request(rng, registry, capakeys)
        started = time.monotonic()
        if conn is not None and closed_by_server(conn):
            conn.close()
            conn = None
            with tally.lock:
                tally.idle_reconnects += 1
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                conn.connect()
                opened = idle_since = time.monotonic()
                local_port = conn.sock.getsockname()[1]
            conn.request("GET", req.path)
            resp = conn.getresponse()
            if req.count >= LARGE:
                with tally.lock:
                    tally.inflight[me] = (local_port, req.path)
            try:
                body = resp.read()
            finally:
                with tally.lock:
                    tally.inflight.pop(me, None)
            idle_since = time.monotonic()
            if resp.will_close:
                conn.close()
                conn = None
        except TRANSPORT_ERRORS as exc:
            ended = time.monotonic()
            if conn is not None:
                conn.close()
            conn = None
            kill_at = tally.kill_at
            by_kill = (kill_at is not None and opened < kill_at <= ended
                       and local_port in tally.victim_ports)
            since_kill = "" if kill_at is None else f", {started - kill_at:+.1f} s from kill"
            note = (f"{req.surface} {type(exc).__name__}: {str(exc)[:120]} (connection idle "
                    f"{started - idle_since:.1f} s before{since_kill})")
            with tally.lock:
                tally.requests[req.surface] += 1
                (tally.killed if by_kill else tally.errors)[req.surface] += 1
                samples = tally.killed_samples if by_kill else tally.error_samples
                if not by_kill:
                    tally.error_statuses[type(exc).__name__] += 1
                    tally.error_seconds.append(round(ended - tally.began, 1))
                if len(samples) < 10:
                    samples.append(f"+{ended - tally.began:.1f} s {note}")
            continue
        elapsed = time.monotonic() - started
        violation = None
        pub = "none"
        if 200 <= resp.status < 300:
            try:
                facts = facts_of(req, body, resp.headers)
                pub, violation = check(req, facts, registry)
            except (ValueError, KeyError, TypeError) as exc:
                facts, violation = Facts(), f"unparsable body: {exc}"
        with tally.lock:
            tally.requests[req.surface] += 1
            tally.latency[req.surface].append(elapsed)
            if not 200 <= resp.status < 300:
                tally.errors[req.surface] += 1
                tally.error_statuses[str(resp.status)] += 1
                at = time.monotonic() - tally.began
                tally.error_seconds.append(round(at, 1))
                if len(tally.error_samples) < 10:
                    retry = resp.headers.get("Retry-After")
                    tally.error_samples.append(
                        f"+{at:.1f} s {req.surface} {resp.status}"
                        f"{'' if retry is None else f' (Retry-After {retry})'} after "
                        f"{elapsed:.1f} s: {body[:200]!r}")
                continue
            tally.ok[req.surface] += 1
            tally.per_pub[pub] += 1
            tally.features += len(facts.poids)
            if violation is not None:
                tally.violations.append(f"{req.path}: {violation}")


# -- the server and its workers --------------------------------------------------------------


def cli(*args: str) -> list[str]:
    """The ``vlok-publisher`` command line through this interpreter."""
    return [sys.executable, "-m", "publisher", *args]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def workers_of(master: int) -> list[int]:
    """The gunicorn master's child processes (its workers), from ``/proc``."""
    try:
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def connections_by_worker(master: int, server_port: int) -> dict[int, set[int]]:
    """Client ports of the connections each worker holds, from ``/proc``.

    ``/proc/net/tcp`` maps each server-side socket (local port ``server_port``) to its inode
    and client port; a worker holds a file descriptor on the inodes it serves. Why: the kill
    must hit a worker mid-stream, and only that worker's connections may count as killed.
    """
    by_inode: dict[str, int] = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        cols = line.split()
        if int(cols[1].split(":")[1], 16) == server_port:
            by_inode[f"socket:[{cols[9]}]"] = int(cols[2].split(":")[1], 16)
    out: dict[int, set[int]] = {}
    for pid in workers_of(master):
        ports: set[int] = set()
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link in by_inode:
                ports.add(by_inode[link])
        out[pid] = ports
    return out


def kill_worker_mid_stream(master: int, port: int, tally: Tally, wait: float = 15.0
                           ) -> dict[str, Any]:
    """SIGKILL the worker streaming a large page now (any worker after ``wait`` seconds).

    Records the kill time and the client ports of the victim's connections first, so each
    failure can be told apart: the kill's, or an error.
    """
    deadline = time.monotonic() + wait
    victim, stream, held = None, None, None
    while victim is None:
        with tally.lock:
            streams = list(tally.inflight.values())
        held = connections_by_worker(master, port)
        for client_port, path in streams:
            victim = next((pid for pid, ports in held.items() if client_port in ports), None)
            if victim is not None:
                stream = path
                break
        if victim is None and time.monotonic() > deadline:
            victim = next(iter(held))
        elif victim is None:
            time.sleep(0.005)
    tally.victim_ports = frozenset(held[victim])
    tally.kill_at = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    return {"pid": victim, "mid_stream": stream, "its_connections": len(held[victim]),
            "other_workers_connections": sum(len(p) for w, p in held.items() if w != victim)}


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    """Poll ``/health`` until it answers 200 (fails if the server exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except TRANSPORT_ERRORS:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not become healthy")


def publish(store: str, target: str, as_of: str, env: dict[str, str]) -> tuple[float, int]:
    """Run ``vlok-publisher publish --as-of`` (a switch): wall seconds and exit code.

    Exit 7 ("published, but writing the downloads failed") still switched the publication,
    which is all this load needs; any other non-zero code did not and raises.
    """
    started = time.monotonic()
    done = subprocess.run(cli("publish", "--as-of", as_of, "--store", store, "--target",
                              target, "--quiet"), stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=600, env=env)
    if done.returncode not in (0, 7):
        raise RuntimeError(f"publish --as-of {as_of} exited {done.returncode}: "
                           f"{done.stderr.decode(errors='replace')[-500:]}")
    return time.monotonic() - started, done.returncode


def switch_all(store: str, target: str, dates: list[str], start_at: float,
               durations: list[tuple[float, int]], env: dict[str, str]) -> None:
    """Publish each date in turn from ``start_at`` on, back to back.

    Why back to back: on 2 busy cores a medium publish takes 25-30 s (the download files
    are half of it), and one publish at a time is what production runs (a second
    concurrent run exits 6).
    """
    time.sleep(max(0.0, start_at - time.monotonic()))
    for as_of in dates:
        durations.append(publish(store, target, as_of, env))


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95 and max in milliseconds."""
    if not values:
        return {}
    ordered = sorted(values)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}


# -- main ------------------------------------------------------------------------------------


def run(store: str, work: Path, clients: int, seconds: float, dates: list[str],
        seed: int, target: str | None = None) -> dict[str, Any]:
    """Publish ``dates[0]``, serve, load, switch to each later date, kill a worker; figures.

    ``target``: a PostGIS publication database URL (default: ``work/publication``).
    """
    # download files (and, on PostGIS, the GeoPackage mirrors) stay under ``work``
    env = {**os.environ, "VLOK_FILES_DIR": str(work / "files")}
    pointer: DirectoryPointer | PostGISPointer
    if target is None:
        target = str(work / "publication")
        pointer = DirectoryPointer(Path(target))
    else:
        pointer = PostGISPointer(target)
    first = publish(store, target, dates[0], env)
    registry = Registry(pointer)
    registry.refresh()
    capakeys = sorted(registry.by_as_of[dates[0]].parcels)
    port = free_port()
    with open(work / "serve.log", "wb") as log:
        proc = subprocess.Popen(cli("serve", "--workers", "2", "--port", str(port),
                                    "--publication", target),
                                stdout=log, stderr=log, start_new_session=True, env=env)
    tally, stop, watch_stop = Tally(), threading.Event(), threading.Event()
    publish_seconds: list[tuple[float, int]] = []
    kill: dict[str, Any] = {}
    try:
        wait_healthy(port, proc)
        watcher = threading.Thread(target=registry.watch, args=(watch_stop,), daemon=True)
        watcher.start()
        threads = [threading.Thread(target=client, args=(port, seed + i, stop, tally,
                                                         registry, capakeys), daemon=True)
                   for i in range(clients)]
        began = tally.began = time.monotonic()
        for t in threads:
            t.start()
        switcher = threading.Thread(target=switch_all, args=(
            store, target, dates[1:], began + seconds * 0.1, publish_seconds, env),
            daemon=True)
        switcher.start()
        time.sleep(max(0.0, began + seconds * 0.5 - time.monotonic()))
        kill = kill_worker_mid_stream(proc.pid, port, tally)
        kill["at_second"] = round((tally.kill_at or began) - began, 1)
        time.sleep(max(0.0, began + seconds - time.monotonic()))
        switcher.join(timeout=600 * len(dates))  # every switch lands under load
        time.sleep(2.0)  # and is served: a PostGIS reader re-reads its pointer every 1 s
        stop.set()
        for t in threads:
            t.join(timeout=180)
        wall = time.monotonic() - began
        registry.refresh()
        workers_after = workers_of(proc.pid)
    finally:
        stop.set()
        watch_stop.set()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if isinstance(pointer, PostGISPointer):
            pointer.engine.dispose()
    all_latency = [v for vs in tally.latency.values() for v in vs]
    surfaces = {s: {"requests": tally.requests[s], "2xx": tally.ok[s],
                    "errors": tally.errors[s], "killed_connections": tally.killed[s],
                    **percentiles(tally.latency[s])} for s, _ in MIX}
    observed = sorted(k for k in tally.per_pub if k not in ("ambiguous", "none", "mixed"))
    return {
        "benchmark": "load_while_publishing", "clients": clients, "seconds": round(wall, 1),
        "store": store, "target": describe(target), "dates": dates,
        "features_per_publication": {p.as_of: p.count for p in registry.by_as_of.values()},
        "requests": sum(tally.requests.values()), "2xx": sum(tally.ok.values()),
        "errors": sum(tally.errors.values()),
        "errors_by_status": dict(tally.error_statuses),
        "error_seconds": (sorted(tally.error_seconds) if len(tally.error_seconds) <= 50 else
                          {"first": min(tally.error_seconds),
                           "last": max(tally.error_seconds)}),
        "killed_connections": sum(tally.killed.values()),
        "idle_keepalive_reconnects": tally.idle_reconnects,
        "requests_per_second": round(sum(tally.requests.values()) / wall, 1),
        "features_checked": tally.features,
        "latency": percentiles(all_latency), "surfaces": surfaces,
        "switches": len(publish_seconds),
        "publish_seconds": [round(t, 1) for t, _ in [first, *publish_seconds]],
        "publish_exit_codes": [c for _, c in [first, *publish_seconds]],
        "publications_seen_by_clients": observed,
        "responses_per_publication": dict(sorted(tally.per_pub.items())),
        "mixing_violations": len(tally.violations),
        "violation_samples": tally.violations[:10],
        "error_samples": tally.error_samples, "killed_samples": tally.killed_samples,
        "worker_killed": kill, "workers_after": len(workers_after),
    }


def describe(target: str) -> str:
    """A target as a person reads it (a URL without its password)."""
    if "://" not in target:
        return target
    from sqlalchemy.engine import make_url

    return make_url(target).render_as_string(hide_password=True)


def prepare_database(url: str) -> bool:
    """Create the PostGIS database of ``url`` when missing: True when this created it.

    An existing database must hold no publication yet (the run needs a fresh one).
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    if not name:
        raise SystemExit(f"--target {describe(url)}: name a database")
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": name})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                return True
    finally:
        admin.dispose()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            used = conn.scalar(text("SELECT to_regclass('vlok_publication.current')"))
            if used is not None and conn.scalar(text(
                    "SELECT count(*) FROM vlok_publication.current")):
                raise SystemExit(f"--target {describe(url)} already holds a publication: "
                                 "the run needs a fresh database (drop it or name another)")
    finally:
        engine.dispose()
    return False


def drop_database(url: str) -> None:
    """Drop the database of ``url`` (ending its sessions first)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()


def main() -> None:
    """Parse the options, build or take the store, run, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="an existing store URL (default: build a demo)")
    parser.add_argument("--scale", default="medium",
                        help="demo scale when building a store (tiny|small|medium|N units)")
    parser.add_argument("--until", default=DEFAULT_DATES[-1], help="last day of the demo")
    parser.add_argument("--dates", default=",".join(DEFAULT_DATES),
                        help="as-of dates, comma-separated: the first is served at start, "
                             "each later one is a switch during the run")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--work", help="directory for the store and publication "
                                       "(default: a fresh temporary directory)")
    parser.add_argument("--target", help="publish into and serve from this PostGIS database "
                                         "(postgresql+psycopg://…/db; created when missing) "
                                         "instead of WORK/publication")
    parser.add_argument("--keep-target", action="store_true",
                        help="keep a --target database this run created (default: drop it)")
    args = parser.parse_args()
    if args.target is not None and "://" not in args.target:
        parser.error("--target takes a postgresql+psycopg:// URL (a directory is WORK/"
                     "publication)")
    work = Path(args.work or tempfile.mkdtemp(prefix="vlok-lwp-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.target is None and (work / "publication").exists():
        parser.error(f"{work / 'publication'} exists: the run needs a fresh publication")
    store = args.store
    built = None
    if store is None:
        store = f"sqlite:///{work / 'vlok.sqlite'}"
        started = time.monotonic()
        subprocess.run(cli("demo", "--scale", args.scale, "--seed", str(args.seed),
                           "--until", args.until, "--store", store, "--replace"),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        built = round(time.monotonic() - started, 1)
    created = prepare_database(args.target) if args.target is not None else False
    try:
        figures = run(store, work, args.clients, args.seconds, args.dates.split(","),
                      args.seed, args.target)
    finally:
        if created and not args.keep_target:
            drop_database(args.target)
    figures["target_database_dropped"] = created and not args.keep_target
    figures["demo_build_seconds"] = built
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
