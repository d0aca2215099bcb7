"""Read-only access to the current publication, picking up a new one without a restart.

Each request asks :meth:`PublicationReader.current`; a ``stat`` of ``current.json`` tells
whether the publish job switched the pointer, and only then is it re-read. SQLite connections
are opened read-only, one per thread and file. A file the retention deletes while a request
still reads it stays readable (POSIX unlink semantics) until that connection closes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any


@dataclass
class Publication:
    """One published file (a dataset as of a date)."""

    dataset: str
    path: Path
    as_of: date
    run_id: str
    meta: dict[str, Any] = field(default_factory=dict)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def connect(self) -> sqlite3.Connection:
        """Read-only connection to the file, one per thread."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True,
                                 check_same_thread=False)
            db.execute("PRAGMA query_only = ON")
            db.execute("PRAGMA cache_size = -65536")
            self._local.db = db
        return db


class PublicationReader:
    """The serving side's view of a publication directory (see ``publication.directory``)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._current: dict[str, Publication] = {}

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

    def _reload(self, pointer: Path, stamp: tuple[int, int]) -> None:
        entries = json.loads(pointer.read_text(encoding="utf-8"))
        fresh: dict[str, Publication] = {}
        for dataset, entry in entries.items():
            old = self._current.get(dataset)
            if old is not None and old.run_id == entry["run_id"]:
                fresh[dataset] = old
                continue
            pub = Publication(dataset, self.root / entry["file"],
                              date.fromisoformat(entry["as_of"]), entry["run_id"])
            with sqlite3.connect(f"file:{pub.path}?mode=ro", uri=True) as db:
                pub.meta = {k: json.loads(v) for k, v in
                            db.execute("SELECT key, value FROM publication_meta")}
            fresh[dataset] = pub
        self._current, self._stamp = fresh, stamp
