"""Arrays built once per host and publication, then memory-mapped by every worker.

Why: each gunicorn worker used to build and hold its own copy of the address index (~20 MB
of numpy arrays at flanders scale, ~45 MB while building). Now the first worker that needs
it builds it under a file lock and writes it as ``.npy`` files; every worker (the builder
too) maps them read-only. A mapped page is resident only once a query touches it, and it is
the kernel's page cache, shared by all workers: a look-up touches a few pages.

The files live in ``VLOK_INDEX_DIR`` or ``<tmp>/vlok-publisher-<uid>`` (mode 0700, ours), one
directory per publication run. When that place is unusable the arrays stay in memory, as
before: a cache must never stop the service.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from publisher.serving.backends import backend_for
from publisher.serving.lookup.reading import give_back_memory
from publisher.serving.publications import Publication

LOGGER = logging.getLogger(__name__)

#: Runs of one source kept in the directory (the current one and the one before it).
KEEP_RUNS = 2
#: Seconds after which an index no worker loaded (or a half-written one) is removed.
STALE_S = 7 * 24 * 3600
Parts = tuple[dict[str, np.ndarray], dict[str, Any]]


def directory() -> Path | None:
    """Where the mapped files live, created private to this user; None when unusable."""
    configured = os.environ.get("VLOK_INDEX_DIR")
    root = Path(configured) if configured else \
        Path(tempfile.gettempdir()) / f"vlok-publisher-{os.getuid()}"
    try:
        root.mkdir(mode=0o700, parents=bool(configured), exist_ok=True)
        st = root.stat()
    except OSError as exc:
        LOGGER.warning("index directory %s unusable (%s): indexes stay in memory", root, exc)
        return None
    if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        LOGGER.warning("index directory %s is not private to this user: indexes stay in "
                       "memory", root)
        return None
    return root


def source_of(pub: Publication) -> str:
    """What names ``pub``'s storage: its file, or its database and schema (no password)."""
    return backend_for(pub).source_name(pub)


def mapped(source: str, run_id: str, kind: str, build: Callable[[], Parts]) -> Parts:
    """The arrays ``build()`` makes for ``kind`` of run ``run_id`` of ``source``, mapped.

    The second element (small JSON-able values, e.g. lists of texts) is read into memory.
    Built at most once per host and run; other runs of ``source`` beyond :data:`KEEP_RUNS`
    are removed by the builder.
    """
    root = directory()
    if root is None:
        return build()
    family = hashlib.sha256(f"{source}\0{kind}".encode()).hexdigest()[:16]
    run = hashlib.sha256(run_id.encode()).hexdigest()[:16]
    final = root / f"{family}-{run}"
    found = _try_load(final)
    if found is not None:
        return found
    try:
        lock = _lock(root / f"{family}.lock")
    except OSError as exc:
        LOGGER.warning("index %s not shared (%s): kept in memory", final, exc)
        return build()
    try:
        found = _try_load(final)
        if found is not None:
            return found
        shutil.rmtree(final, ignore_errors=True)  # damaged (the rename makes whole ones)
        arrays, values = build()  # its errors (publication unreadable) are the caller's
        try:
            _write(final, arrays, values)
        except (OSError, ValueError) as exc:  # disk full, read-only: keep them in memory
            LOGGER.warning("index %s not shared (%s): kept in memory", final, exc)
            return arrays, values
        del arrays, values
        give_back_memory()  # the build's scratch, now that the arrays are on disk
        _prune(root, family, keep=final)
        return _load(final)
    finally:
        os.close(lock)  # releases the lock


def _lock(path: Path) -> int:
    """A descriptor holding an exclusive lock between processes (others wait for it)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.utime(fd)  # in use: not stale (see _prune)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _write(final: Path, arrays: dict[str, np.ndarray], values: dict[str, Any]) -> None:
    """Write into a fresh directory, then rename it into place (readers never see half)."""
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    try:
        for name, array in arrays.items():
            np.save(work / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        (work / "values.json").write_text(json.dumps({"arrays": sorted(arrays),
                                                      "values": values}), encoding="utf-8")
        os.rename(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _try_load(final: Path) -> Parts | None:
    """:func:`_load`, or None when there is nothing (or nothing whole) to load."""
    try:
        return _load(final)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError) as exc:
        LOGGER.warning("index %s unreadable (%s): rebuilding it", final, exc)
        return None


def _load(final: Path) -> Parts:
    """The arrays of ``final`` mapped read-only, and its values."""
    meta = json.loads((final / "values.json").read_text(encoding="utf-8"))
    arrays = {name: np.load(final / f"{name}.npy", mmap_mode="r", allow_pickle=False)
              for name in meta["arrays"]}
    with contextlib.suppress(OSError):
        os.utime(final)  # in use: not stale (see _prune)
    return arrays, meta["values"]


def _prune(root: Path, family: str, keep: Path) -> None:
    """Remove this family's older runs, and anything no worker loaded for :data:`STALE_S`.

    A worker still mapping a removed run keeps its pages; the others are tests' and old
    publications' indexes.
    """
    runs = sorted((p for p in root.glob(f"{family}-*") if p != keep and p.is_dir()),
                  key=lambda p: p.stat().st_mtime, reverse=True)
    for old in runs[KEEP_RUNS - 1:]:
        shutil.rmtree(old, ignore_errors=True)
    for entry in root.iterdir():
        with contextlib.suppress(OSError):
            if entry != keep and entry.name != f"{family}.lock" and \
                    time.time() - entry.stat().st_mtime > STALE_S:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()
