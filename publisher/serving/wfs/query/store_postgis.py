"""Reading a PostGIS publication schema: counts, ordered pages, decoded geometries.

The same functions as :mod:`.store` (the GeoPackage flavour), over one pooled, read-only
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

from publisher.serving.filters.compiler import Where
from publisher.serving.filters.dialect import POSTGIS
from publisher.serving.publications import Publication, PublicationUnreadable
from publisher.serving.wfs.featuretypes import FeatureType
from publisher.serving.wfs.settings import BATCH

DIALECT = POSTGIS
#: Errors that mean "this filter cannot be evaluated" (a client error, 400).
QUERY_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.errors.DataError, psycopg.errors.ProgramLimitExceeded,
    psycopg.errors.InternalError_)
#: Errors that mean "the publication cannot be read now" (503).
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.OperationalError, psycopg.errors.UndefinedTable, PublicationUnreadable)
#: Rows per batch when the page is not in publication order: each batch repeats the sort
#: (``ORDER BY … LIMIT … OFFSET``), so fewer, larger batches keep a 10,000 page at 5 sorts.
SORTED_BATCH = 2_000


class Session:
    """One request's publication schema; connections are borrowed per statement or batch."""

    def __init__(self, pub: Publication) -> None:
        assert pub.database is not None and pub.schema is not None
        self.pub = pub

    def table(self, name: str) -> str:
        """Schema-qualified table name."""
        return self.pub.table(name)

    @contextmanager
    def borrow(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection for one short transaction, rolled back and returned after.

        Raises
        ------
        PublicationUnreadable
            When no connection can be had (``PoolExhausted`` on a busy pool).
        """
        assert self.pub.database is not None
        handle = self.pub.database.checkout()
        try:
            yield handle.conn
        finally:
            handle.close()

    def close(self) -> None:
        """Nothing to give back: no connection outlives a statement or a batch."""


def geometry_column(ft: FeatureType) -> str:
    """The geometry as the page reads it (WKB, decoded by :func:`decode`)."""
    return f'ST_AsBinary(t."{ft.geometry_name}")'


def decode(blobs: Sequence[bytes | None]) -> np.ndarray:
    """WKB values → shapely geometries (vectorized)."""
    return shapely.from_wkb([bytes(b) if b is not None else None for b in blobs])


def connect(pub: Publication, where: Where, ft: FeatureType) -> Session:
    """A pooled connection for one request (exact spatial tests run in PostGIS)."""
    return Session(pub)


def count(db: Session, pub: Publication, ft: FeatureType, where: Where) -> int:
    """Exact number of matching features; without a filter it is the published count."""
    if where.everything and "features" in pub.meta:
        return int(pub.meta["features"])
    sql = f"SELECT count(*) FROM {db.table(ft.table)} t WHERE {where.sql}"
    with db.borrow() as conn:
        return int(conn.execute(sql, where.params).fetchone()[0])


def page(db: Session, ft: FeatureType, where: Where, order: str, columns: str,
         offset: int, limit: int, join_fragments: bool = False) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of one page in batches, in the given total order, each batch its own transaction.

    As in the GeoPackage store, unfiltered pages in publication order seek by ``fid``; any
    page in publication order continues after the last ``fid`` read, so a batch costs an
    index range scan however deep into the page it is.
    """
    join = (f" JOIN {db.table(ft.table + '_fragment')} f ON f.fid = t.fid"
            if join_fragments else "")
    base = f"SELECT t.fid, {columns} FROM {db.table(ft.table)} t{join} WHERE "
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
            rows = _fetch(db, sql, params)
            if not rows:
                return
            last, done = rows[-1][0], done + len(rows)
            yield [r[1:] for r in rows]
        return
    while done < limit:
        size = min(SORTED_BATCH, limit - done)
        rows = _fetch(db, f"{base}{where.sql} ORDER BY {order} LIMIT %s OFFSET %s",
                      [*where.params, size, offset + done])
        if not rows:
            return
        done += len(rows)
        for i in range(0, len(rows), BATCH):  # renderers still get BATCH-sized batches
            yield [r[1:] for r in rows[i:i + BATCH]]


def _fetch(db: Session, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """All rows of one batch, read on a borrowed connection that is returned at once."""
    with db.borrow() as conn:
        return conn.execute(sql, params).fetchall()
