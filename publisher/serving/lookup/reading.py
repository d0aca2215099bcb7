"""How the lookup and the viewer read a publication: through the backend contract.

Small portable queries and bounded-memory scans (``PublicationBackend.portable`` and
``.scan``): a 2 MB SQLite cache per thread on a GeoPackage (a 64 MB one per thread grew the
workers by hundreds of MB at flanders scale), pages by ``fid`` on PostGIS.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator, Sequence
from typing import Any

from publisher.serving.backends import backend_for
from publisher.serving.publications import Publication


def connect(pub: Publication) -> Any:
    """A connection for small portable queries (``?`` placeholders): the backend's."""
    return backend_for(pub).portable(pub)


def scan(pub: Publication, columns: str, where: str = "",
         args: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
    """Rows ``(p.fid, *columns)`` of ``poi p JOIN poi_fragment f`` in fid order, streamed.

    ``where`` (with ``?`` placeholders for ``args``) filters; the backend streams in bounded
    memory (a cursor of its own on a GeoPackage, pages by fid on PostGIS).
    """
    sql = f"SELECT p.fid, {columns} FROM poi p JOIN poi_fragment f ON f.fid = p.fid"
    return backend_for(pub).scan(pub, sql, where, args)


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
