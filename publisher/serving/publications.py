"""Read-only access to the current publication, picking up a new one without a restart.

Two backends, one interface (``reader.current(dataset) -> Publication | None``):

- :class:`PublicationReader` over a publication directory (GeoPackages): each request asks
  :meth:`PublicationReader.current`; a ``stat`` of ``current.json`` tells whether the publish
  job switched the pointer, and only then is it re-read. SQLite connections are opened
  read-only, one per thread and file. A file the retention deletes while a request still reads
  it stays readable (POSIX unlink semantics) until that connection closes.
- :class:`PostGISReader` over a PostGIS publication database: ``vlok_publication.current``
  is re-read at most every ``ttl`` seconds (one indexed row per dataset), so a switch is
  served within that delay. A request resolves its :class:`Publication` (a schema) once and
  reads only that schema, so it never mixes two publications; schemas are never written
  after they are published. On a streaming replica the reader also watches replication: past
  ``serving_max_replica_lag_seconds`` of replay lag (or of a lost WAL receiver) every request
  gets :class:`ReplicaBehind`, a 503, rather than an old publication served silently.

:func:`open_reader` picks the backend from the source: a ``postgresql…://`` URL or a directory.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from publisher.publication.gpkg import read_meta
from publisher.publication.postgis import schema_name

LOGGER = logging.getLogger(__name__)
#: Seconds a PostGIS reader trusts its last look at ``vlok_publication.current``.
DEFAULT_TTL = 1.0
#: Schema of the PostGIS pointer table (see :mod:`publisher.publication.postgis`).
META_SCHEMA = "vlok_publication"


#: What a run id looks like (``20261206T202444401033Z``): anything else is never a file name.
RUN_ID = re.compile(r"^[0-9]{8}T[0-9]{6,12}Z$")
#: Pinned (older or newer than current) publications a reader keeps open metadata for.
PINNED_KEPT = 8


def _schema_meta(conn: Any, schema: str) -> dict[str, Any]:
    """``publication_meta`` of a PostGIS publication schema, values decoded."""
    return {k: json.loads(v) for k, v in conn.execute(
        f'SELECT key, value FROM "{schema}".publication_meta')}


def _as_of_of(file_name: str, dataset: str) -> date:
    """The as-of date in ``<dataset>-<YYYY-MM-DD>-<run id>.gpkg``."""
    return date.fromisoformat(file_name[len(dataset) + 1:len(dataset) + 11])


class PublicationUnreadable(OSError):
    """The publication store cannot be read (database down, pointer broken)."""


class ReplicaBehind(PublicationUnreadable):
    """The replica lags the primary by more than the allowed lag: a 503, retry later."""


class PortableConnection:
    """``sqlite3``-like ``execute`` over one PostGIS publication schema.

    For portable SQL only: ``?`` placeholders, unqualified table names of the publication
    (``poi``, ``poi_parcel``, ``poi_fragment``), no ``?`` or ``%`` in the text itself. Each
    call borrows a pooled connection with the search path set to the schema for that
    transaction only, reads every row and gives the connection back.
    """

    def __init__(self, database: PgDatabase, schema: str) -> None:
        self.database = database
        self.schema = schema

    def execute(self, sql: str, params: Any = ()) -> _Rows:
        """Run one statement; failures raise :class:`PortableDatabaseError`.

        That error is a ``sqlite3.DatabaseError``, so callers written for the GeoPackage
        (which answer it with a 503) handle both backends alike.
        """
        import psycopg

        try:
            with self.database.connection(search_path=self.schema) as conn:
                rows = conn.execute(sql.replace("?", "%s"), list(params)).fetchall()
                conn.rollback()
        except (psycopg.Error, PublicationUnreadable) as exc:
            raise PortableDatabaseError(f"publication unreadable: {type(exc).__name__}") from exc
        return _Rows(rows)


class PortableDatabaseError(sqlite3.DatabaseError):
    """A PostGIS publication could not be read through :class:`PortableConnection`."""


class _Rows(list):
    """Rows with the ``fetchall``/``fetchone`` of a DB-API cursor."""

    def fetchall(self) -> list[Any]:
        return list(self)

    def fetchone(self) -> Any:
        return self[0] if self else None


def is_database_url(source: object) -> bool:
    """True when ``source`` names a PostgreSQL database rather than a directory."""
    return isinstance(source, str) and source.startswith(("postgresql", "postgres://"))


@dataclass
class Publication:
    """One publication (a dataset as of a date): a GeoPackage file or a PostGIS schema.

    Attributes
    ----------
    backend
        ``gpkg`` (``path`` is the file) or ``postgis`` (``schema`` in ``database``).
    """

    dataset: str
    path: Path | None
    as_of: date
    run_id: str
    meta: dict[str, Any] = field(default_factory=dict)
    backend: str = "gpkg"
    schema: str | None = None
    database: PgDatabase | None = field(default=None, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def table(self, name: str) -> str:
        """A quoted table name of this publication (schema-qualified on PostGIS)."""
        return f'"{self.schema}"."{name}"' if self.schema else f'"{name}"'

    def connect(self) -> sqlite3.Connection:
        """Read-only connection to the file, one per thread.

        For a PostGIS publication: a :class:`PortableConnection` (``execute`` with ``?``
        placeholders over the publication's schema), enough for the small portable queries
        of the lookup; the WFS and the OGC API use their own PostGIS stores.
        """
        if self.backend != "gpkg":
            assert self.database is not None and self.schema is not None
            return PortableConnection(self.database, self.schema)  # type: ignore[return-value]
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True,
                                 check_same_thread=False)
            db.execute("PRAGMA query_only = ON")
            db.execute("PRAGMA cache_size = -2048")  # small queries only: 2 MB, not 64 MB
            self._local.db = db
        return db


class _PinnedRuns:
    """Reading the run a paging link names (``pinned``): one mechanism for both readers.

    Each reader only says how to find a kept run (``_find_run``, None once pruned); the
    current run needs no lookup, anything that is not a run id never reaches storage, and the
    last :data:`PINNED_KEPT` runs found stay cached.
    """

    _lock: threading.Lock
    _pinned: dict[tuple[str, str], Publication]

    def current(self, dataset: str = "poi") -> Publication | None:  # pragma: no cover
        raise NotImplementedError

    def _find_run(self, dataset: str, run_id: str, known: Publication | None
                  ) -> Publication | None:  # pragma: no cover
        raise NotImplementedError

    def pinned(self, dataset: str, run_id: str) -> Publication | None:
        """The publication ``run_id`` of ``dataset`` while it is still kept, else None.

        What a paged harvest's ``next`` link names, so every page comes from the publication
        the first page came from, even across a switch and on another serve node.
        """
        now = self.current(dataset)
        if now is not None and now.run_id == run_id:
            return now
        if not RUN_ID.match(run_id):
            return None
        key = (dataset, run_id)
        with self._lock:
            known = self._pinned.get(key)
        pub = self._find_run(dataset, run_id, known)
        with self._lock:
            if pub is None:  # pruned: the harvest restarts
                self._pinned.pop(key, None)
            else:
                self._pinned[key] = pub
                while len(self._pinned) > PINNED_KEPT:
                    self._pinned.pop(next(iter(self._pinned)))
        return pub


class PublicationReader(_PinnedRuns):
    """The serving side's view of a publication directory (see ``publication.directory``)."""

    backend = "gpkg"

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._current: dict[str, Publication] = {}
        self._pinned: dict[tuple[str, str], Publication] = {}

    def current(self, dataset: str = "poi") -> Publication | None:
        """The publication serving ``dataset`` now, or None before the first publish."""
        pointer = self.root / "current.json"
        try:
            st = pointer.stat()
        except FileNotFoundError:
            return None
        stamp = (st.st_mtime_ns, st.st_ino)
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._reload(pointer, stamp)
        return self._current.get(dataset)

    def storage_status(self) -> dict[str, Any]:
        """What /health adds about the storage: nothing for a directory."""
        return {}

    def last_known(self, dataset: str) -> Publication | None:
        """The publication last read for ``dataset`` (a directory is never behind)."""
        return self._current.get(dataset)

    def _find_run(self, dataset: str, run_id: str, known: Publication | None
                  ) -> Publication | None:
        """The run's file while it exists (the retention deletes old ones)."""
        if known is not None:
            return known if known.path is not None and known.path.exists() else None
        found = sorted((self.root / "publications").glob(f"{dataset}-*-{run_id}.gpkg"))
        if not found:
            return None
        try:
            meta = read_meta(found[0])
        except sqlite3.Error:  # pruned meanwhile, or not a publication
            return None
        return Publication(dataset, found[0], _as_of_of(found[0].name, dataset), run_id, meta)

    def _reload(self, pointer: Path, stamp: tuple[int, int]) -> None:
        entries = json.loads(pointer.read_text(encoding="utf-8"))
        fresh: dict[str, Publication] = {}
        for dataset, entry in entries.items():
            old = self._current.get(dataset)
            if old is not None and old.run_id == entry["run_id"]:
                fresh[dataset] = old
                continue
            path = self.root / entry["file"]
            fresh[dataset] = Publication(dataset, path, date.fromisoformat(entry["as_of"]),
                                         entry["run_id"], read_meta(path))
        self._current, self._stamp = fresh, stamp


class PoolExhausted(PublicationUnreadable):
    """Every pooled connection stayed busy for the pool timeout: a 503, retry shortly."""


#: Threads of a worker's default thread pool (anyio's default limiter, which Starlette's
#: ``run_in_threadpool`` and our streams use): every database read of a worker runs in one of
#: them, so at most this many connections of a worker are ever in use at once.
WORKER_THREADS = 40
#: Seconds after which a pooled connection is replaced (on its next checkout): long enough
#: that replacing them is no load, short enough to follow a failover or a PgBouncer reload.
POOL_RECYCLE = 3600


class PgDatabase:
    """A pool of read-only psycopg 3 connections to the publication database, one per worker.

    The pool holds at most ``pool_size + max_overflow`` connections (default: the worker's
    thread pool, :data:`WORKER_THREADS`), opens them on demand and keeps every one it opened:
    nothing is closed on return, so a worker under steady load opens no new PostgreSQL sessions
    (issue "Production on PostGIS": the old pool of 4 closed each overflow connection on
    return, over 1,400 new sessions in 20 s under 32 clients).

    No state is left on a session, so the pool works through PgBouncer in transaction mode:
    each checkout begins a ``READ ONLY`` transaction and sets ``statement_timeout`` and
    ``idle_in_transaction_session_timeout`` (and the search path when asked) with
    ``set_config(…, true)``, i.e. ``SET LOCAL``, which ends with the transaction; no startup
    options, no session ``SET``, no server-side prepared statements (``prepare_threshold``
    None). That first statement also proves the connection alive: a dead one is discarded and
    the checkout retried (instead of a pre-ping round trip on every checkout).
    Sizes and timeouts default to the ``serving_*`` settings (``VLOK_SERVING_*``).
    """

    def __init__(self, url: str, *, pool_size: int | None = None,
                 max_overflow: int | None = None, pool_timeout: float | None = None,
                 statement_timeout_ms: int | None = None,
                 idle_in_transaction_timeout_ms: int | None = None) -> None:
        from sqlalchemy import create_engine

        from publisher.config import load_settings, normalise_url

        settings = load_settings()
        self.url = normalise_url(url)  # host lists in SQLAlchemy's form too
        size = settings.serving_pool_size if pool_size is None else pool_size
        #: Connections kept open at most; 0 in the settings means the worker's thread pool.
        self.pool_size = int(size) if size and size > 0 else WORKER_THREADS
        self.max_overflow = max(int(settings.serving_pool_overflow if max_overflow is None
                                    else max_overflow), 0)
        self.limit = self.pool_size + self.max_overflow
        statement = (settings.serving_statement_timeout_ms if statement_timeout_ms is None
                     else statement_timeout_ms)
        idle = (settings.serving_idle_in_transaction_timeout_ms
                if idle_in_transaction_timeout_ms is None else idle_in_transaction_timeout_ms)
        self.statement_timeout_ms, self.idle_in_transaction_timeout_ms = int(statement), int(idle)
        self._settings = [str(self.statement_timeout_ms), str(self.idle_in_transaction_timeout_ms)]
        self._opened = self._closed = 0  # sessions this pool opened and closed (gauges)
        # Overflow connections are kept like the others: one queue of ``limit`` connections
        # and no SQLAlchemy overflow (which closes its overflow connections on return).
        self.engine = create_engine(
            self.url, pool_size=self.limit, max_overflow=0, pool_pre_ping=False,
            pool_recycle=POOL_RECYCLE,
            pool_timeout=settings.serving_pool_timeout if pool_timeout is None else pool_timeout,
            connect_args=self._connect_args())

        from sqlalchemy import event

        def opened(*_: Any) -> None:
            self._opened += 1

        def closed(*_: Any) -> None:
            self._closed += 1

        event.listen(self.engine.pool, "connect", opened)
        event.listen(self.engine.pool, "close", closed)
        event.listen(self.engine.pool, "close_detached", closed)

    def _connect_args(self) -> dict[str, Any]:
        """Connection options: no prepared statements; 5 s to connect unless the URL says.

        The timeout bounds each host's attempt of a failover list, so a list with an
        unreachable (not refusing) first host wants a smaller one, e.g. ``?connect_timeout=2``.
        """
        from sqlalchemy.engine import make_url

        args: dict[str, Any] = {"prepare_threshold": None}
        if "connect_timeout" not in make_url(self.url).query:
            args["connect_timeout"] = 5
        return args

    def describe(self) -> str:
        """The URL without its password."""
        return self.engine.url.render_as_string(hide_password=True)

    def pool_status(self) -> dict[str, Any]:
        """The pool's use, for ``/health``.

        ``checked_out``: connections in use now; ``size``: the most the pool opens (and
        keeps); ``open``: connections open now (in use or idle); ``opened``: sessions this
        pool has opened since the worker started (steady under steady load). ``saturated``
        means the next request waits for a connection (and after the pool timeout gets a
        503): a load signal, not a fault of the publication.
        """
        pool: Any = self.engine.pool
        checked_out = int(pool.checkedout())
        return {"checked_out": checked_out, "size": self.limit,
                "open": self._opened - self._closed, "opened": self._opened,
                "saturated": checked_out >= self.limit}

    def checkout(self, search_path: str | None = None) -> PgHandle:
        """A pooled connection inside a fresh read-only transaction with this pool's timeouts.

        :meth:`PgHandle.close` rolls the transaction back and returns the connection. A
        caller that ends the transaction itself and reads on gets a plain ``READ ONLY``
        transaction with the server's default timeouts.

        Parameters
        ----------
        search_path
            A schema to put first on the search path for this transaction (then ``public``).

        Raises
        ------
        PoolExhausted
            When no connection came free within the pool timeout (SQLAlchemy's pool
            ``TimeoutError``, which wraps no DB-API error).
        PublicationUnreadable
            When the database cannot be reached.
        """
        import psycopg

        sql, params = _BEGIN, self._settings
        if search_path is not None:
            sql, params = _BEGIN_WITH_PATH, [*params, search_path]
        # After a server restart every idle connection is dead: each is discarded in turn
        # (a fast failure), then the pool reconnects, or raises when the server is down.
        for _ in range(self.limit + 1):
            raw = self._raw_connection()
            conn = raw.driver_connection
            try:
                if conn.read_only is not True:  # client side: psycopg sends BEGIN READ ONLY
                    conn.read_only = True
                conn.execute(sql, params)
            except psycopg.OperationalError as exc:
                if not (conn.closed or conn.broken):
                    PgHandle(raw).close()
                    raise PublicationUnreadable(f"publication database unavailable: "
                                                f"{type(exc).__name__}") from exc
                LOGGER.info("discarded a dead publication connection: %s", exc)
                raw.invalidate(exc)
                continue
            except BaseException:
                PgHandle(raw).close()
                raise
            return PgHandle(raw)
        raise PublicationUnreadable("publication database unavailable: every connection died")

    def _raw_connection(self) -> Any:
        from sqlalchemy.exc import SQLAlchemyError
        from sqlalchemy.exc import TimeoutError as PoolTimeout

        try:
            return self.engine.raw_connection()
        except PoolTimeout as exc:
            raise PoolExhausted("every publication database connection is busy") from exc
        except SQLAlchemyError as exc:
            cause = getattr(exc, "orig", None) or exc
            raise PublicationUnreadable(f"publication database unavailable: "
                                        f"{type(cause).__name__}") from exc

    @contextmanager
    def connection(self, search_path: str | None = None) -> Iterator[Any]:
        """``with db.connection() as conn``: a psycopg connection for a few queries."""
        handle = self.checkout(search_path)
        try:
            yield handle.conn
        finally:
            handle.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


#: Replication state of the server a connection reached, read with every pointer reload: on a
#: primary every standby function is NULL; ``behind``: WAL received but not yet replayed
#: (``receive`` can restart below ``replay`` when the WAL receiver restarts: not behind).
_REPLICATION = ("SELECT pg_is_in_recovery(), host(inet_server_addr()), inet_server_port(), "
                "coalesce(pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn(), false), "
                "extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8, "
                "EXISTS (SELECT 1 FROM pg_stat_wal_receiver "
                "        WHERE status IS NULL OR status = 'streaming'), "
                "CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() END")


#: The first statement of every checkout: per-transaction settings only (``SET LOCAL``).
#: No parallel workers and no JIT: a serving query is one indexed page or count, for which
#: starting workers or compiling (3-8 ms measured, as a spatial filter's cost estimate passes
#: the JIT threshold) costs more than it saves; the cores serve other requests meanwhile.
_BEGIN = ("SELECT set_config('statement_timeout', %s, true), "
          "set_config('idle_in_transaction_session_timeout', %s, true), "
          "set_config('max_parallel_workers_per_gather', '0', true), "
          "set_config('jit', 'off', true)")
_BEGIN_WITH_PATH = (f"{_BEGIN}, set_config('search_path', quote_ident(%s) || ', public', true)")


class PgHandle:
    """One checked-out connection (``conn`` is the psycopg connection)."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.conn = raw.driver_connection

    def close(self) -> None:
        """Give the connection back to the pool, rolled back (idempotent).

        The pool keeps it; a connection found broken on return is discarded by the pool.
        """
        if self._raw is not None:
            raw, self._raw = self._raw, None
            try:
                if self.conn.closed or self.conn.broken:  # e.g. ended by a server timeout
                    raw.invalidate()  # discarded without a rollback that cannot work
                else:
                    raw.close()
            except Exception:  # a broken connection is discarded by the pool
                LOGGER.warning("could not return a publication connection", exc_info=True)


class PostGISReader(_PinnedRuns):
    """The serving side's view of a PostGIS publication database (``pub_*`` schemas).

    The URL may name a primary, a hot-standby replica, or a libpq host list tried in order
    (``…@replica:5432,primary:5432/pub``). With every pointer reload the reader also reads the
    server's replication state (:meth:`database_status`). On a replica the replay lag counts
    only while WAL is received but not yet replayed: ``now() - pg_last_xact_replay_timestamp()``
    alone grows while the primary is idle and nothing is behind. It is the smaller of that
    timestamp lag and the time since this reader first saw the replica behind (a primary idle
    for hours, then one publish: the last replayed commit is hours old, the replica is not).
    Past ``max_replica_lag`` seconds of lag, or of no WAL receiver, :meth:`current` raises
    :class:`ReplicaBehind`: a 503 with Retry-After on every surface, not a stale answer.
    """

    backend = "postgis"

    def __init__(self, url: str, *, ttl: float = DEFAULT_TTL,
                 max_replica_lag: float | None = None) -> None:
        from publisher.config import load_settings

        self.database = PgDatabase(url)
        self.ttl = ttl
        #: Seconds of replica lag tolerated; 0 turns the check off (serve whatever it holds).
        self.max_replica_lag = float(load_settings().serving_max_replica_lag_seconds
                                     if max_replica_lag is None else max_replica_lag)
        self._lock = threading.Lock()
        self._checked = -float("inf")
        self._current: dict[str, Publication] = {}
        self._pinned: dict[tuple[str, str], Publication] = {}
        self._state: dict[str, Any] = {"role": None, "reachable": None}
        self._behind_since: float | None = None  # monotonic: first look that saw WAL unreplayed
        self._deaf_since: float | None = None  # monotonic: first look without a WAL receiver

    def describe(self) -> str:
        """Where the publications are read (no password)."""
        return self.database.describe()

    def current(self, dataset: str = "poi") -> Publication | None:
        """The publication serving ``dataset`` now, or None before the first publish.

        Raises
        ------
        PublicationUnreadable
            When the database cannot be read.
        """
        if time.monotonic() - self._checked >= self.ttl:
            # One thread re-reads the pointer; the others keep serving the last one rather
            # than queue behind it (it may wait the whole pool timeout on a busy pool).
            if self._lock.acquire(blocking=not self._current):
                try:
                    if time.monotonic() - self._checked >= self.ttl:
                        self._reload()
                finally:
                    self._lock.release()
        behind = self._state.get("behind")
        if behind:
            raise ReplicaBehind(f"publication replica behind: {behind}")
        return self._current.get(dataset)

    def last_known(self, dataset: str = "poi") -> Publication | None:
        """The publication of the last pointer read, without a look or a replication check."""
        return self._current.get(dataset)

    def database_status(self) -> dict[str, Any]:
        """The server's role and replication state as of the last pointer read (no I/O).

        ``role``: ``primary`` or ``replica``; ``server``: the host and port the pool reached
        (which host of a failover list); on a replica ``lag_seconds`` (0 when all WAL received
        is replayed), ``receiving`` (a WAL receiver streams), ``replay_paused``;
        ``behind``: why requests get 503 now, else None. ``reachable`` False: the last look
        failed (the role is then the last one known).
        """
        return dict(self._state)

    def pool_status(self) -> dict[str, Any]:
        """The pool's use (see :meth:`PgDatabase.pool_status`)."""
        return self.database.pool_status()

    def storage_status(self) -> dict[str, Any]:
        """What /health adds: the pool's use and the server's replication state."""
        return {"pool": self.pool_status(), "database": self.database_status()}

    def _find_run(self, dataset: str, run_id: str, known: Publication | None
                  ) -> Publication | None:
        """The run's schema while it exists (the retention drops old ones).

        Raises :class:`PublicationUnreadable` when the database cannot be read.
        """
        import psycopg

        schema = schema_name(dataset, run_id)
        try:
            with self.database.connection() as conn:
                kept = conn.execute("SELECT to_regclass(%s)",
                                    [f'"{schema}".publication_meta']).fetchone()[0]
                if kept is not None and known is None:
                    meta = _schema_meta(conn, schema)
                    known = Publication(dataset, None, date.fromisoformat(meta["as_of"]),
                                        run_id, meta, backend="postgis", schema=schema,
                                        database=self.database)
                conn.rollback()
        except psycopg.Error as exc:
            raise PublicationUnreadable(f"publication database unreadable: "
                                        f"{type(exc).__name__}") from exc
        return known if kept is not None else None

    def _reload(self) -> None:
        import psycopg

        try:
            self._read_pointer()
        except PoolExhausted:
            if not self._current:
                raise
            # A busy pool is load, not a broken publication: keep the pointer known since
            # the last look (it changes once a day) and look again after ``ttl``.
            LOGGER.warning("pool busy: serving the last known publication pointer")
            self._checked = time.monotonic()
        except PublicationUnreadable as exc:
            self._state = {**self._state, "reachable": False, "error": str(exc)}
            raise
        except psycopg.Error as exc:
            self._state = {**self._state, "reachable": False, "error": type(exc).__name__}
            raise PublicationUnreadable(f"publication database unreadable: "
                                        f"{type(exc).__name__}") from exc

    def _read_pointer(self) -> None:
        import psycopg

        with self.database.connection() as conn:
            # In the same transaction as the pointer: the state describes the server that
            # answered it, even when a failover list moved the pool to another host.
            state = self._replication_state(conn.execute(_REPLICATION).fetchone())
            try:
                rows = conn.execute(f"SELECT dataset, schema_name, as_of, run_id FROM "
                                    f"{META_SCHEMA}.current").fetchall()
            except psycopg.errors.UndefinedTable:  # nothing published yet
                conn.rollback()
                rows = []
            fresh: dict[str, Publication] = {}
            for dataset, schema, as_of, run_id in rows:
                old = self._current.get(dataset)
                if old is not None and old.run_id == run_id and old.schema == schema:
                    fresh[dataset] = old
                    continue
                fresh[dataset] = Publication(dataset, None, as_of, run_id,
                                             _schema_meta(conn, schema),
                                             backend="postgis", schema=schema,
                                             database=self.database)
            conn.rollback()
        self._current, self._state, self._checked = fresh, state, time.monotonic()

    def _replication_state(self, row: tuple[Any, ...]) -> dict[str, Any]:
        """``database_status`` from one :data:`_REPLICATION` row and this reader's history."""
        in_recovery, host, port, behind_wal, replay_age, receiving, pause = row
        server = f"{host}:{port}" if host else None  # None over a Unix socket
        if not in_recovery:
            self._behind_since = self._deaf_since = None
            return {"role": "primary", "server": server, "reachable": True, "behind": None}
        now = time.monotonic()
        if behind_wal:
            self._behind_since = self._behind_since if self._behind_since is not None else now
            lag = now - self._behind_since
            if replay_age is not None:
                lag = min(lag, max(float(replay_age), 0.0))
        else:
            self._behind_since, lag = None, 0.0
        if receiving:
            self._deaf_since = None
        elif self._deaf_since is None:
            self._deaf_since = now
        deaf = 0.0 if self._deaf_since is None else now - self._deaf_since
        behind = None
        if self.max_replica_lag > 0 and lag > self.max_replica_lag:
            behind = f"replay lag {lag:.1f} s > {self.max_replica_lag:g} s"
        elif self.max_replica_lag > 0 and deaf > self.max_replica_lag:
            behind = f"no WAL received for {deaf:.1f} s > {self.max_replica_lag:g} s"
        return {"role": "replica", "server": server, "reachable": True,
                "lag_seconds": round(lag, 3), "receiving": bool(receiving),
                "replay_paused": pause is not None and pause != "not paused",
                "max_lag_seconds": self.max_replica_lag, "behind": behind}


def open_reader(source: str | Path) -> PublicationReader | PostGISReader:
    """A reader for a publication directory or a ``postgresql+psycopg://`` URL."""
    if is_database_url(str(source)):
        return PostGISReader(str(source))
    return PublicationReader(source)
