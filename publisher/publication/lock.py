"""One publish at a time: a second concurrent run is refused, whatever the backend.

SQLite store or directory target: an exclusive ``flock`` on a lock file (released by the kernel
when the process dies, even by SIGKILL). PostgreSQL: a session-level advisory lock, released
when the connection closes, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from publisher.errors import PublisherError


class AlreadyRunning(PublisherError):
    """Another publish holds the lock."""

    exit_code = 6


@contextmanager
def file_lock(path: Path, what: str) -> Iterator[None]:
    """Hold an exclusive, non-blocking lock on ``path`` for the duration."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            raise AlreadyRunning(f"another publish is running on {what} (pid {holder}); "
                                 "refusing to start a second one") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


@contextmanager
def advisory_lock(engine: Engine, name: str, what: str) -> Iterator[None]:
    """Hold a PostgreSQL session advisory lock named ``name``, or refuse naming ``what``."""
    key = zlib.crc32(name.encode()) - 2**31
    with engine.connect() as conn:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            raise AlreadyRunning(f"another publish is running on {what}; "
                                 "refusing to start a second one")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()


@contextmanager
def store_lock(engine: Engine) -> Iterator[None]:
    """Lock the store: a flock beside a SQLite file, an advisory lock on PostgreSQL."""
    if engine.dialect.name == "postgresql":
        with advisory_lock(engine, "vlok-publisher publish", "this PostgreSQL store"):
            yield
        return
    database = engine.url.database or "memory"
    with file_lock(Path(f"{database}.publish.lock"), f"store {database}"):
        yield
