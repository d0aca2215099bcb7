"""Reading a PostGIS publication schema: counts, ordered pages, decoded geometries.

The same functions as :mod:`.store` (the GeoPackage flavour), over one pooled, read-only
psycopg connection per request. The schema was resolved once for the request (the
:class:`~publisher.serving.publications.Publication`), and every statement names it, so a
publication switched meanwhile is not seen by this request. A page is read through a
server-side cursor in batches (bounded memory) and the connection goes back to the pool when
the stream ends or is abandoned.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import psycopg
import shapely

from publisher.serving.publications import Publication, PublicationUnreadable
from publisher.serving.wfs.featuretypes import FeatureType
from publisher.serving.wfs.query.dialect import POSTGIS
from publisher.serving.wfs.query.sql import Where
from publisher.serving.wfs.settings import BATCH

DIALECT = POSTGIS
#: Errors that mean "this filter cannot be evaluated" (a client error, 400).
QUERY_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.errors.DataError, psycopg.errors.ProgramLimitExceeded,
    psycopg.errors.InternalError_)
#: Errors that mean "the publication cannot be read now" (503).
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.OperationalError, psycopg.errors.UndefinedTable, PublicationUnreadable)
_names = itertools.count()


class Session:
    """One request's connection and the publication schema it reads."""

    def __init__(self, pub: Publication) -> None:
        assert pub.database is not None and pub.schema is not None
        self.pub = pub
        self._handle = pub.database.checkout()
        self.conn = self._handle.conn

    def table(self, name: str) -> str:
        """Schema-qualified table name."""
        return self.pub.table(name)

    def close(self) -> None:
        """Roll back and give the connection back to the pool."""
        self._handle.close()


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
    try:
        return int(db.conn.execute(sql, where.params).fetchone()[0])
    except psycopg.Error:
        db.conn.rollback()
        raise


def page(db: Session, ft: FeatureType, where: Where, order: str, columns: str,
         offset: int, limit: int, join_fragments: bool = False) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of one page in batches (server-side cursor), in the given total order.

    As in the GeoPackage store, unfiltered pages in publication order seek by ``fid``.
    """
    join = (f" JOIN {db.table(ft.table + '_fragment')} f ON f.fid = t.fid"
            if join_fragments else "")
    if where.everything and order == "t.fid":
        sql = (f"SELECT {columns} FROM {db.table(ft.table)} t{join} WHERE t.fid > %s "
               "ORDER BY t.fid LIMIT %s")
        params = [offset, limit]
    else:
        sql = (f"SELECT {columns} FROM {db.table(ft.table)} t{join} WHERE {where.sql} "
               f"ORDER BY {order} LIMIT %s OFFSET %s")
        params = [*where.params, limit, offset]
    with db.conn.cursor(name=f"wfs_page_{next(_names)}") as cursor:
        cursor.itersize = BATCH
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(BATCH):
            yield batch
