"""Process and report helpers shared by the side-by-side benchmarks (not a benchmark itself)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_group(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM the process group we started (``start_new_session``), SIGKILL if it lingers."""
    if proc is None:
        return
    for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            proc.poll()
            if not group_alive(proc.pid):
                return
            time.sleep(0.1)


def tail(path: Path, n: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def ratio(ours: float, theirs: float) -> float | None:
    return round(theirs / ours, 2) if ours else None
