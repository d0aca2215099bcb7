"""What a person sees in a terminal: bars that complete, no JSON, human summaries, the URLs."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import pty
import queue
import re
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

DAY = "2026-11-23"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "publisher", *args]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    """A tiny synthetic store (built through the CLI, not on a terminal)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('terminal') / 'vlok.sqlite'}"
    subprocess.run(cli("demo", "--scale", "tiny", "--until", DAY, "--store", url, "--json"),
                   check=True, capture_output=True, timeout=120)
    return url


@pytest.fixture(scope="module")
def publication(store, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("publication")
    subprocess.run(cli("publish", "--as-of", DAY, "--store", store, "--target", str(root),
                       "--quiet"), check=True, capture_output=True, timeout=120)
    return root


def run_in_pty(args: list[str], timeout: float = 120) -> tuple[int, str]:
    """Run a command with stdin, stdout and stderr on a pseudo-terminal; (exit code, output)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env,
                            close_fds=True)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                data = os.read(master, 65536)
            except OSError as exc:  # EIO: the child closed the terminal
                if exc.errno != errno.EIO:
                    raise
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")


def screen_lines(raw: str) -> list[str]:
    """The output as lines, colour codes removed, each carriage-return redraw a line of its own."""
    return [line.strip() for line in re.split(r"[\r\n]+", ANSI.sub("", raw)) if line.strip()]


def test_publish_on_a_terminal_shows_completed_bars_and_no_json(store, tmp_path) -> None:
    code, raw = run_in_pty(cli("publish", "--as-of", DAY, "--store", store,
                               "--target", str(tmp_path / "pub")))
    lines = screen_lines(raw)
    assert code == 0, raw
    assert not [line for line in lines if line.startswith("{") or '"event"' in line], raw
    stages = ("recover", "extract", "write", "changes", "switch", "after_switch")
    for name in stages:
        drawn = [line for line in lines if line.startswith(f"publish: {name} ")]
        assert drawn, f"no bar for {name}: {lines}"
        assert "done" in drawn[-1] and "?" not in drawn[-1], drawn[-1]
    assert any(line.startswith("published poi as of 2026-11-23") for line in lines), lines


def test_demo_on_a_terminal_fills_its_bar_to_the_real_total(tmp_path) -> None:
    store = f"sqlite:///{tmp_path / 'vlok.sqlite'}"
    code, raw = run_in_pty(cli("demo", "--scale", "tiny", "--until", DAY, "--store", store))
    lines = screen_lines(raw)
    assert code == 0, raw
    assert not [line for line in lines if line.startswith("{")], raw
    final = [line for line in lines if line.startswith("demo: buildings and units")][-1]
    done, total = re.search(r"(\d[\d,]*)/(\d[\d,]*)", final).groups()
    assert done == total and int(total.replace(",", "")) > 0, final
    buildings = next(line for line in lines if line.startswith("buildings "))
    assert buildings.split()[-1] == total


def test_demo_prints_a_human_summary(tmp_path) -> None:
    store = f"sqlite:///{tmp_path / 'vlok.sqlite'}"
    r = subprocess.run(cli("demo", "--scale", "tiny", "--until", DAY, "--store", store),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[0].startswith("synthetic Flanders built in sqlite:///") and DAY in out[0]
    labels = ["dwelling units", "buildings", "valid conformity certificates",
              "on the inventory (VIVOO)", "open restoration claims",
              "public address register", "time"]
    assert all(line.strip().startswith(label)
               for line, label in zip(out[1:], labels, strict=True))
    assert len({len(line) for line in out[1:7]}) == 1  # numbers right-aligned
    assert "{" not in r.stdout
    again = subprocess.run(cli("demo", "--scale", "tiny", "--if-empty", "--store", store,
                               "--json"), capture_output=True, text=True, timeout=120)
    assert json.loads(again.stdout)["demo"] == "already present"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_prints_where_to_open_what(publication) -> None:
    port = _free_port()
    proc = subprocess.Popen(cli("serve", "--port", str(port), "--workers", "1",
                                "--publication", str(publication)),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while not any("Ctrl-C stops the server" in line for line in seen):
            try:
                seen.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                pytest.fail(f"no URL block within 60 s: {''.join(seen)}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    text = "".join(seen)
    base = f"http://127.0.0.1:{port}"
    assert f"served at {base}" in text
    for label, path in (("map", "/"), ("OGC API Features", "/ogc"), ("WFS", "/wfs"),
                        ("WMS", "/wms"), ("downloads", "/downloads"),
                        ("lookup API", "/api/v1/woningkwaliteit"),
                        ("change stream (LDES)", "/ldes/woningkwaliteit"), ("health", "/health")):
        assert re.search(rf"^\s+{re.escape(label)}.*\s{re.escape(base + path)}$", text,
                         re.MULTILINE), (label, text)
