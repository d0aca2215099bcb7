"""Buffered bulk inserts in foreign-key order, fast enough for 400k units in minutes.

ORM objects cost ~50 µs each; executemany over plain dicts costs a few. Buffers are flushed
parent tables first, so every flush leaves the database consistent.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.engine import Connection

from publisher.store.models import Base


class BulkWriter:
    """Collects rows per table and writes them with ``executemany``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._seen: dict[str, set[Any]] = defaultdict(set)
        self._columns = {t.name: [c.name for c in t.columns] for t in Base.metadata.sorted_tables}
        self.pending = 0
        self.written: dict[str, int] = defaultdict(int)

    def add(self, model: type, **values: Any) -> None:
        """Queue one row; columns not given are NULL."""
        name = model.__tablename__
        self._rows[name].append({c: values.get(c) for c in self._columns[name]})
        self.pending += 1

    def add_unique(self, model: type, key: Any, **values: Any) -> None:
        """Queue a row unless one with the same ``key`` was queued before in this run."""
        seen = self._seen[model.__tablename__]
        if key not in seen:
            seen.add(key)
            self.add(model, **values)

    def flush(self) -> None:
        """Write every buffer, parents before children."""
        for table in Base.metadata.sorted_tables:
            rows = self._rows.pop(table.name, None)
            if rows:
                self.conn.execute(table.insert(), rows)
                self.written[table.name] += len(rows)
        self.pending = 0
