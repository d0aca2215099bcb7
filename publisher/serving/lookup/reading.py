"""How the lookup and the viewer read a publication without growing the worker.

Why not :meth:`Publication.connect`: its GeoPackage connection keeps a 64 MB page cache per
thread, and every thread of the pool gets one. A scan of the whole ``poi`` table (the address
index, the viewer's coordinate columns) fills that cache, and many small queries from many
threads fill theirs over a day: several hundred MB per worker at flanders scale. The file is
read-only and the kernel's page cache already holds it, so a small SQLite cache costs little.
On PostGIS, :class:`~publisher.serving.publications.PortableConnection` reads every row of a
statement into a list, so a scan is read in pages by ``fid`` instead.
"""

from __future__ import annotations

import ctypes
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import closing
from typing import Any

from publisher.serving.publications import Publication

#: SQLite page cache per connection of ours, in KiB (SQLite's own default).
CACHE_KIB = 2048
#: Rows per statement when a PostGIS publication is scanned.
PAGE_ROWS = 5_000
#: Files a thread keeps a connection to.
FILES_PER_THREAD = 2

_local = threading.local()


def _open(pub: Publication) -> sqlite3.Connection:
    db = sqlite3.connect(f"file:{pub.path}?mode=ro&immutable=1", uri=True,
                         check_same_thread=False)
    db.execute("PRAGMA query_only = ON")
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return db


def connect(pub: Publication) -> sqlite3.Connection:
    """A connection for small queries: this thread's, with a small cache (GeoPackage).

    On PostGIS the publication's portable connection (it borrows from the shared pool).
    A thread keeps one connection per file for the last :data:`FILES_PER_THREAD` files it
    read (the POI and the policy publication), so a new day's file replaces the old one.
    """
    if pub.backend != "gpkg":
        return pub.connect()
    held: dict[Any, sqlite3.Connection] | None = getattr(_local, "dbs", None)
    if held is None:
        held = _local.dbs = {}
    db = held.get(pub.path)
    if db is None:
        while len(held) >= FILES_PER_THREAD:
            held.pop(next(iter(held))).close()
        db = held[pub.path] = _open(pub)
    return db


def scan(pub: Publication, columns: str, where: str = "",
         args: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
    """Rows ``(p.fid, *columns)`` of ``poi p JOIN poi_fragment f`` in fid order, streamed.

    ``where`` (with ``?`` placeholders for ``args``) filters; a GeoPackage is read through a
    connection of its own that is closed at the end, a PostGIS publication in pages of
    :data:`PAGE_ROWS` rows, so neither keeps more than a page of rows in memory.
    """
    sql = f"SELECT p.fid, {columns} FROM poi p JOIN poi_fragment f ON f.fid = p.fid"
    if pub.backend == "gpkg":
        with closing(_open(pub)) as db:
            yield from db.execute(
                sql + (f" WHERE {where}" if where else "") + " ORDER BY p.fid", list(args))
        return
    db = pub.connect()
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


def give_back_memory() -> None:
    """Hand the heap's free pages back to the kernel (glibc's ``malloc_trim``), if any.

    Why: a one-off build (the address index, once per publication) frees its scratch, but
    glibc keeps freed small blocks in the heap, so the worker's resident size would stay at
    the build's peak. Elsewhere than glibc this does nothing.
    """
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
