"""Progress for long jobs: a bar on a terminal, structured JSON lines otherwise.

Operators watch ``make run`` in a terminal; cron and CI read logs. One API serves both.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any


def log_event(event: str, **fields: Any) -> None:
    """One structured line on stderr (JSON), for machines and for the record."""
    record = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event}
    record.update(fields)
    print(json.dumps(record, default=str, ensure_ascii=False), file=sys.stderr, flush=True)


class _Stage:
    def __init__(self, name: str, total: int | None, bar: Any, task: Any) -> None:
        self.name, self.total, self._bar, self._task, self.done = name, total, bar, task, 0

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(self._task, advance=n)


@contextmanager
def stage(name: str, total: int | None = None, *, quiet: bool = False) -> Iterator[_Stage]:
    """Report a stage's progress and duration; a bar when stderr is a terminal."""
    started = time.perf_counter()
    interactive = sys.stderr.isatty() and not quiet
    if interactive:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        with Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), transient=False) as bar:
            s = _Stage(name, total, bar, bar.add_task(name, total=total))
            yield s
    else:
        s = _Stage(name, total, None, None)
        if not quiet:
            log_event("stage.start", stage=name, total=total)
        yield s
        if not quiet:
            log_event("stage.end", stage=name, items=s.done,
                      seconds=round(time.perf_counter() - started, 3))
