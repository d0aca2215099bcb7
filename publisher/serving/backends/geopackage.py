"""Reading a publication GeoPackage: counts, ordered pages, decoded geometries.

Each request gets its own read-only connection (cheap with ``immutable=1``) because a
streamed response is iterated in whatever worker thread Starlette picks, and because the
exact spatial tests are a SQL function bound to this request's filter. The connection keeps
the file readable even if the publish job switches ``current.json`` meanwhile, so one
response never mixes two publications.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import closing
from typing import Any

import numpy as np

from publisher.publication.gpkg import decode
from publisher.serving.backends.base import BATCH, Failure, PublicationBackend, Query
from publisher.serving.filters.compiler import Layer, Where, bind_spatial
from publisher.serving.filters.dialect import GPKG
from publisher.serving.publications import Publication


class GeoPackageQuery(Query):
    """One request's own read-only connection to the publication file."""

    dialect = GPKG

    def __init__(self, pub: Publication) -> None:
        super().__init__(pub)
        self.db = sqlite3.connect(f"file:{pub.path}?mode=ro&immutable=1", uri=True,
                                  check_same_thread=False)
        self.db.execute("PRAGMA query_only = ON")

    def rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """All rows of one bounded statement."""
        return self.db.execute(sql, params).fetchall()

    def bind(self, where: Where, is_point: bool) -> None:
        """Bind ``where``'s exact spatial tests to this connection."""
        bind_spatial(self.db, where, is_point)

    def set_deadline(self, deadline: float | None) -> None:
        """Abort this connection's statements once ``time.monotonic()`` passes ``deadline``.

        SQLite calls the handler every few thousand VM steps, so even a full scan with a
        Python spatial test stops within milliseconds of the deadline (``OperationalError:
        interrupted``); None removes the handler.
        """
        if deadline is None:
            self.db.set_progress_handler(None, 0)
            return
        self.db.set_progress_handler(lambda: int(time.monotonic() > deadline), 5_000)

    def count(self, layer: Layer, where: Where) -> int:
        """Exact number of matching features; without a filter it is the published count."""
        if where.everything and "features" in self.pub.meta:
            return int(self.pub.meta["features"])
        if where.count_sql is not None:  # one spatial predicate: the R-tree alone answers
            return int(self.db.execute(*where.count_sql).fetchone()[0])
        sql = f'SELECT count(*) FROM "{layer.table}" t WHERE {where.sql}'
        return int(self.db.execute(sql, where.params).fetchone()[0])

    def page(self, layer: Layer, where: Where, order: str, columns: str, offset: int,
             limit: int, join_fragments: bool = False) -> Iterator[list[tuple[Any, ...]]]:
        """Rows of one page in batches (bounded memory), in the given total order.

        Unfiltered pages in publication order seek by ``fid`` instead of skipping ``offset``
        rows: publications number their features 1..n in that order, so ``fid > offset`` is
        the same page, and the last page of a 160k layer costs what the first does.
        """
        table = layer.table
        join = f' JOIN "{table}_fragment" f ON f.fid = t.fid' if join_fragments else ""
        if where.everything and order == "t.fid":
            sql = (f'SELECT {columns} FROM "{table}" t{join} WHERE t.fid > ? '
                   "ORDER BY t.fid LIMIT ?")
            cursor = self.db.execute(sql, [offset, limit])
        else:
            sql = (f'SELECT {columns} FROM "{table}" t{join} WHERE {where.sql} '
                   f"ORDER BY {order} LIMIT ? OFFSET ?")
            cursor = self.db.execute(sql, [*where.params, limit, offset])
        while batch := cursor.fetchmany(BATCH):
            yield batch

    def close(self) -> None:
        """Close the connection."""
        self.db.close()


#: SQLite page cache of the small-query connections, in KiB (SQLite's own default): the file
#: is read-only and the kernel's page cache holds it, so a big cache per thread only grew the
#: worker (64 MB per thread before).
CACHE_KIB = 2048
#: Files a thread keeps a small-query connection to (the POI and the policy publication).
FILES_PER_THREAD = 2
_local = threading.local()


def _open_small(pub: Publication) -> sqlite3.Connection:
    db = sqlite3.connect(f"file:{pub.path}?mode=ro&immutable=1", uri=True,
                         check_same_thread=False)
    db.execute("PRAGMA query_only = ON")
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return db


class GeoPackageBackend(PublicationBackend):
    """Publications as GeoPackage files (SQLite, R-tree, exact tests in Python)."""

    dialect = GPKG

    def portable(self, pub: Publication) -> sqlite3.Connection:
        """The calling thread's connection to the file (its last few files kept open)."""
        held: dict[Any, sqlite3.Connection] | None = getattr(_local, "dbs", None)
        if held is None:
            held = _local.dbs = {}
        db = held.get(pub.path)
        if db is None:
            while len(held) >= FILES_PER_THREAD:
                held.pop(next(iter(held))).close()
            db = held[pub.path] = _open_small(pub)
        return db

    def scan(self, pub: Publication, sql: str, where: str = "",
             args: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """One cursor on a connection of its own, closed at the end (SQLite streams)."""
        with closing(_open_small(pub)) as db:
            yield from db.execute(
                sql + (f" WHERE {where}" if where else "") + " ORDER BY p.fid", list(args))

    def source_name(self, pub: Publication) -> str:
        """The publication file."""
        return str(pub.path)

    def query(self, pub: Publication, where: Where | None = None,
              layer: Layer | None = None) -> GeoPackageQuery:
        """A fresh read-only connection, with ``where``'s exact tests bound when given."""
        try:
            q = GeoPackageQuery(pub)
        except sqlite3.Error as exc:  # the file vanished or is not readable
            raise OSError(str(exc)) from exc
        if where is not None and layer is not None:
            q.bind(where, layer.is_point)
        return q

    def geometry_column(self, column: str) -> str:
        """The GeoPackage blob as stored (decoded by :meth:`decode`)."""
        return column

    def decode(self, blobs: Sequence[bytes | None]) -> np.ndarray:
        """GeoPackage blobs → shapely geometries."""
        return decode(blobs)

    def classify(self, exc: BaseException) -> Failure | None:
        """``interrupted`` is the time budget; other SQLite errors a filter; OSError the file."""
        if isinstance(exc, sqlite3.OperationalError) and "interrupted" in str(exc):
            return Failure.BUDGET
        if isinstance(exc, sqlite3.Error):
            return Failure.QUERY
        if isinstance(exc, OSError):
            return Failure.UNAVAILABLE
        return None
