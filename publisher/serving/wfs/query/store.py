"""Reading a publication GeoPackage: counts, ordered pages, decoded geometries.

Each request gets its own read-only connection (cheap with ``immutable=1``) because a
streamed response is iterated in whatever worker thread Starlette picks, and because the
exact spatial tests are a SQL function bound to this request's filter. The connection keeps
the file readable even if the publish job switches ``current.json`` meanwhile, so one
response never mixes two publications.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from publisher.publication.gpkg import decode
from publisher.serving.filters.compiler import Where, bind_spatial
from publisher.serving.filters.dialect import GPKG
from publisher.serving.publications import Publication
from publisher.serving.wfs.featuretypes import FeatureType
from publisher.serving.wfs.settings import BATCH

__all__ = ["decode"]  # pages decode geometries through the backend module


def connect(pub: Publication, where: Where, ft: FeatureType) -> sqlite3.Connection:
    """A fresh read-only connection with the exact spatial test bound to ``where``'s tests."""
    db = sqlite3.connect(f"file:{pub.path}?mode=ro&immutable=1", uri=True,
                         check_same_thread=False)
    db.execute("PRAGMA query_only = ON")
    bind_spatial(db, where, ft.is_point)
    return db


def set_deadline(db: sqlite3.Connection, deadline: float | None) -> None:
    """Abort this connection's statements once ``time.monotonic()`` passes ``deadline``.

    SQLite calls the handler every few thousand VM steps, so even a full scan with a
    Python spatial test stops within milliseconds of the deadline (``OperationalError:
    interrupted``); None removes the handler.
    """
    if deadline is None:
        db.set_progress_handler(None, 0)
        return
    db.set_progress_handler(lambda: int(time.monotonic() > deadline), 5_000)


def count(db: sqlite3.Connection, pub: Publication, ft: FeatureType, where: Where) -> int:
    """Exact number of matching features; without a filter it is the published count."""
    if where.everything and "features" in pub.meta:
        return int(pub.meta["features"])
    if where.count_sql is not None:  # one spatial predicate: the R-tree alone answers
        return int(db.execute(*where.count_sql).fetchone()[0])
    sql = f'SELECT count(*) FROM "{ft.table}" t WHERE {where.sql}'
    return int(db.execute(sql, where.params).fetchone()[0])


def page(db: sqlite3.Connection, ft: FeatureType, where: Where, order: str, columns: str,
         offset: int, limit: int, join_fragments: bool = False) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of one page in batches (bounded memory), in the given total order.

    Unfiltered pages in publication order seek by ``fid`` instead of skipping ``offset`` rows:
    publications number their features 1..n in that order, so ``fid > offset`` is the same
    page, and the last page of a 160k layer costs what the first does.
    """
    join = (f' JOIN "{ft.table}_fragment" f ON f.fid = t.fid' if join_fragments else "")
    if where.everything and order == "t.fid":
        sql = (f'SELECT {columns} FROM "{ft.table}" t{join} WHERE t.fid > ? '
               "ORDER BY t.fid LIMIT ?")
        cursor = db.execute(sql, [offset, limit])
    else:
        sql = (f'SELECT {columns} FROM "{ft.table}" t{join} WHERE {where.sql} '
               f"ORDER BY {order} LIMIT ? OFFSET ?")
        cursor = db.execute(sql, [*where.params, limit, offset])
    while batch := cursor.fetchmany(BATCH):
        yield batch


DIALECT = GPKG
#: Errors that mean "this filter cannot be evaluated" (a client error, 400).
QUERY_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error,)
#: Errors that mean "the publication cannot be read now" (503).
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (OSError,)


def geometry_column(ft: FeatureType) -> str:
    """The geometry as the page reads it (a GeoPackage blob, decoded by :func:`decode`)."""
    return f't."{ft.geometry_name}"'


def backend_of(pub: Publication) -> ModuleType:
    """The store module reading ``pub``: this one, or :mod:`.store_postgis`."""
    if pub.backend == "postgis":
        from publisher.serving.wfs.query import store_postgis

        return store_postgis
    return sys.modules[__name__]
