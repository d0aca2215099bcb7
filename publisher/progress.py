"""Progress for long jobs: bars on a terminal, structured JSON lines otherwise.

Operators watch ``make run`` in a terminal; cron and CI read logs. One API serves both:

- stderr is a terminal: one bar per stage, all in one live display (stages may nest), each
  ending filled and green; a stage that knows its total counts ``done/total``, one that does not
  shows ``done`` when it ends. No JSON is printed (the commands print their own summaries).
- otherwise: ``stage.start``/``stage.end`` JSON lines and every ``log_event``, as before.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

#: The live display shared by nested stages, and how many stages are open in it.
_live: Any = None
_open = 0


def interactive() -> bool:
    """True when progress goes to a person (stderr is a terminal)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


def log_event(event: str, **fields: Any) -> None:
    """One structured line on stderr (JSON), for machines and for the record.

    On a terminal nothing is printed, except a short human line for failures (the commands
    print their own summaries there).
    """
    if interactive():
        if "fail" in event or "error" in event:
            detail = fields.get("error") or ", ".join(f"{k} {v}" for k, v in fields.items())
            _say(f"[yellow]![/] {event}: {detail}")
        return
    record = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event}
    record.update(fields)
    print(json.dumps(record, default=str, ensure_ascii=False), file=sys.stderr, flush=True)


def _say(text: str) -> None:
    if _live is not None:
        _live.console.print(text, markup=True, highlight=False)
    else:
        print(text.replace("[yellow]", "").replace("[/]", ""), file=sys.stderr, flush=True)


class _Stage:
    def __init__(self, name: str, total: int | None, bar: Any, task: Any) -> None:
        self.name, self.total, self._bar, self._task, self.done = name, total, bar, task, 0

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(self._task, advance=n)


def _count_column() -> Any:
    from rich.progress import ProgressColumn
    from rich.text import Text

    class Count(ProgressColumn):
        """``done/total`` for counted stages; ``done`` once an uncounted stage has ended."""

        def render(self, task: Any) -> Text:
            if task.fields.get("counted"):
                width = len(f"{int(task.total):,}")
                return Text(f"{int(task.completed):>{width},}/{int(task.total):,}",
                            style="progress.download")
            return Text("done" if task.finished else "…", style="progress.download")

    return Count()


def _start_display() -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description:<30}"),
                   BarColumn(finished_style="green"), _count_column(),
                   TimeElapsedColumn(), console=Console(stderr=True), transient=False)
    bar.start()
    return bar


@contextmanager
def stage(name: str, total: int | None = None, *, quiet: bool = False) -> Iterator[_Stage]:
    """Report a stage's progress and duration; a bar when stderr is a terminal."""
    global _live, _open
    started = time.perf_counter()
    if quiet:
        yield _Stage(name, total, None, None)
        return
    if interactive():
        if _live is None:
            _live = _start_display()
        bar, ok = _live, False
        _open += 1
        # Unknown totals get a bar that pulses while running and fills at the end.
        task = bar.add_task(name, total=total, counted=total is not None)
        s = _Stage(name, total, bar, task)
        try:
            yield s
            ok = True
        finally:
            if ok:
                final = max(s.done, total or 0, 1)
                bar.update(task, total=final, completed=final)
            else:
                bar.stop_task(task)
            _open -= 1
            if _open == 0:
                _live = None
                bar.stop()
        return
    s = _Stage(name, total, None, None)
    log_event("stage.start", stage=name, total=total)
    yield s
    log_event("stage.end", stage=name, items=s.done,
              seconds=round(time.perf_counter() - started, 3))
