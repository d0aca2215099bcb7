"""Reading a PostGIS publication schema: counts, ordered pages, decoded geometries.

The PostGIS implementation of :class:`~.base.PublicationBackend`, over pooled, read-only
psycopg connections. The schema was resolved once for the request (the
:class:`~publisher.serving.publications.Publication`), and every statement names it, so a
publication switched meanwhile is not seen by this request.

A page is read in batches, each in its own short transaction on a connection borrowed for that
batch only: while the response waits on the client (which may read slowly, stall, or vanish)
no connection and no transaction is held, so slow clients cannot exhaust the pool (issue 17).
Re-querying per batch is consistent because a published schema is never written again.
Publication order (``t.fid``) continues by key (``fid > last``); other orders by ``OFFSET``,
in larger batches to bound the repeated sorting.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import psycopg
import shapely

from publisher.serving.backends.base import BATCH, Failure, PublicationBackend, Query
from publisher.serving.filters.compiler import Layer, Where
from publisher.serving.filters.dialect import POSTGIS
from publisher.serving.publications import (
    PortableConnection,
    Publication,
    PublicationUnreadable,
)

#: Errors that mean "this filter cannot be evaluated" (a client error, 400).
_QUERY_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.errors.DataError, psycopg.errors.ProgramLimitExceeded,
    psycopg.errors.InternalError_)
#: Errors that mean "the publication cannot be read now" (503).
_UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.OperationalError, psycopg.errors.UndefinedTable, PublicationUnreadable)
#: Rows per batch when the page is not in publication order: each batch repeats the sort
#: (``ORDER BY … LIMIT … OFFSET``), so fewer, larger batches keep a 10,000 page at 5 sorts.
SORTED_BATCH = 2_000


class PostGISQuery(Query):
    """One request's publication schema; connections are borrowed per statement or batch."""

    dialect = POSTGIS

    def __init__(self, pub: Publication) -> None:
        assert pub.database is not None and pub.schema is not None
        super().__init__(pub)
        self._held: psycopg.Connection[Any] | None = None

    @contextmanager
    def borrow(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection for one short transaction, rolled back and returned after.

        Inside :meth:`held`, the held one. Raises ``PublicationUnreadable`` when no connection
        can be had (``PoolExhausted`` on a busy pool).
        """
        if self._held is not None:
            yield self._held
            return
        assert self.pub.database is not None
        handle = self.pub.database.checkout()
        try:
            yield handle.conn
        finally:
            handle.close()

    @contextmanager
    def held(self) -> Iterator[None]:
        """One connection and transaction for the statements inside.

        Each checkout costs a round trip: an OGC API page's few statements share one. Never
        around a streamed response (it would hold the connection while the client reads).
        """
        assert self.pub.database is not None
        handle = self.pub.database.checkout()
        self._held = handle.conn
        try:
            yield
        finally:
            self._held = None
            handle.close()

    def rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """All rows of one statement, on a connection borrowed for it alone."""
        with self.borrow() as conn:
            return conn.execute(sql, params).fetchall()

    def count(self, layer: Layer, where: Where) -> int:
        """Exact number of matching features; without a filter it is the published count."""
        if where.everything and "features" in self.pub.meta:
            return int(self.pub.meta["features"])
        sql = f"SELECT count(*) FROM {self.table(layer.table)} t WHERE {where.sql}"
        return int(self.rows(sql, where.params)[0][0])

    def page(self, layer: Layer, where: Where, order: str, columns: str, offset: int,
             limit: int, join_fragments: bool = False) -> Iterator[list[tuple[Any, ...]]]:
        """Rows of one page in batches, in the given total order, each batch its own transaction.

        As on a GeoPackage, unfiltered pages in publication order seek by ``fid``; any page in
        publication order continues after the last ``fid`` read, so a batch costs an index
        range scan however deep into the page it is.
        """
        table = layer.table
        # Fragments are fetched by fid after the page's fids are known: joined in one
        # statement, the planner merge-joined a bbox page over the whole fragment index
        # (70 ms of a 80 ms page); by fid it is 1,000 primary-key lookups.
        select = f"t.fid, {columns}" if not join_fragments else "t.fid"
        base = f"SELECT {select} FROM {self.table(table)} t WHERE "
        fetch = (lambda rows: self._with_fragments(table, rows, columns)) if join_fragments \
            else (lambda rows: rows)
        done = 0
        if order == "t.fid":
            last: int | None = offset if where.everything else None
            while done < limit:
                size = min(BATCH, limit - done)
                if last is None:  # the first batch of a filtered page: skip by OFFSET once
                    sql = f"{base}{where.sql} ORDER BY t.fid LIMIT %s OFFSET %s"
                    params = [*where.params, size, offset]
                else:
                    sql = f"{base}({where.sql}) AND t.fid > %s ORDER BY t.fid LIMIT %s"
                    params = [*where.params, last, size]
                rows = self.rows(sql, params)
                if not rows:
                    return
                last, done = rows[-1][0], done + len(rows)
                yield [r[1:] for r in fetch(rows)]
            return
        while done < limit:
            size = min(SORTED_BATCH, limit - done)
            rows = self.rows(f"{base}{where.sql} ORDER BY {order} LIMIT %s OFFSET %s",
                             [*where.params, size, offset + done])
            if not rows:
                return
            done += len(rows)
            for i in range(0, len(rows), BATCH):  # renderers still get BATCH-sized batches
                yield [r[1:] for r in fetch(rows[i:i + BATCH])]

    def _with_fragments(self, table: str, rows: list[tuple[Any, ...]], columns: str
                        ) -> list[tuple[Any, ...]]:
        """``(fid, *columns)`` of the fragments of ``rows``' fids, in ``rows``' order."""
        fids = [r[0] for r in rows]
        found = {r[0]: r for r in self.rows(
            f"SELECT f.fid, {columns} FROM {self.table(table + '_fragment')} f "
            "WHERE f.fid = ANY(%s)", [fids])}
        return [found[fid] for fid in fids]


#: Rows per statement when a PostGIS publication is scanned (the portable connection reads
#: every row of a statement into a list, so a scan is read in pages by fid).
PAGE_ROWS = 5_000


class PostGISBackend(PublicationBackend):
    """Publications as PostGIS schemas (GiST, ``ST_*`` tests in the database)."""

    dialect = POSTGIS

    def portable(self, pub: Publication) -> PortableConnection:
        """The schema's portable connection (each statement borrows from the pool)."""
        assert pub.database is not None and pub.schema is not None
        return PortableConnection(pub.database, pub.schema)

    def scan(self, pub: Publication, sql: str, where: str = "",
             args: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """Pages of :data:`PAGE_ROWS` rows by fid, each its own short transaction."""
        db = self.portable(pub)
        after = None
        while True:
            conditions = [f"({where})"] if where else []
            params = list(args)
            if after is not None:
                conditions.append("p.fid > ?")
                params.append(after)
            rows = db.execute(sql + (" WHERE " + " AND ".join(conditions) if conditions else "")
                              + f" ORDER BY p.fid LIMIT {PAGE_ROWS}", params).fetchall()
            yield from rows
            if len(rows) < PAGE_ROWS:
                return
            after = rows[-1][0]

    def source_name(self, pub: Publication) -> str:
        """The database (no password) and the schema."""
        assert pub.database is not None
        return f"{pub.database.describe()}#{pub.schema}"

    def query(self, pub: Publication, where: Where | None = None,
              layer: Layer | None = None) -> PostGISQuery:
        """A query on ``pub``'s schema (exact spatial tests run in PostGIS)."""
        return PostGISQuery(pub)

    def geometry_column(self, column: str) -> str:
        """The geometry as WKB (decoded by :meth:`decode`)."""
        return f"ST_AsBinary({column})"

    def decode(self, blobs: Sequence[bytes | None]) -> np.ndarray:
        """WKB values → shapely geometries (vectorized)."""
        return shapely.from_wkb([bytes(b) if b is not None else None for b in blobs])

    def classify(self, exc: BaseException) -> Failure | None:
        """A cancelled statement is the time budget; data errors a filter; the rest 503."""
        if isinstance(exc, psycopg.errors.QueryCanceled):
            return Failure.BUDGET
        if isinstance(exc, _QUERY_ERRORS):
            return Failure.QUERY
        if isinstance(exc, _UNAVAILABLE_ERRORS):
            return Failure.UNAVAILABLE
        return None
