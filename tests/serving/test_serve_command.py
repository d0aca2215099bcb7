"""``vlok-publisher serve``: a real gunicorn with uvicorn workers, and its one-line errors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from publisher.commands.serve import check_port, check_publication
from publisher.errors import ConfigError


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve_args(args: list[str]) -> list[str]:
    """Run ``serve`` through a parser that has it (publisher/cli.py lists it once wired)."""
    code = ("import argparse, sys\n"
            "from publisher.cli import _Parser\n"
            "from publisher.commands import serve\n"
            "from publisher.config import load_settings\n"
            "from publisher.errors import PublisherError\n"
            "p = _Parser(prog='vlok-publisher'); sub = p.add_subparsers(dest='command')\n"
            "serve.register(sub); a = p.parse_args(sys.argv[1:])\n"
            "try:\n    sys.exit(a.handler(a, load_settings()))\n"
            "except PublisherError as e:\n"
            "    print(f'vlok-publisher: error: {e}', file=sys.stderr); sys.exit(e.exit_code)\n")
    return [sys.executable, "-c", code, "serve", *args]


def test_serve_starts_several_workers_that_answer_health(publication_dir):
    port = _free_port()
    proc = subprocess.Popen(_serve_args(["--port", str(port), "--workers", "2",
                                         "--publication", str(publication_dir)]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read() if proc.stderr else ""
                    pytest.fail(f"server did not start: {err}")
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["publication_loaded"] is True
        items = httpx.get(f"http://127.0.0.1:{port}/ogc/collections/poi/items",
                          params={"limit": 2}, timeout=30)
        assert items.json()["numberReturned"] == 2
        workers = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                 text=True).stdout.split()
        assert len(workers) >= 2
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_serve_refuses_a_taken_port_in_one_line(publication_dir):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run(_serve_args(["--port", str(port), "--publication",
                                        str(publication_dir)]),
                           capture_output=True, text=True, timeout=60)
    assert r.returncode == ConfigError.exit_code
    assert r.stderr.strip().count("\n") == 0
    assert f"port {port}" in r.stderr and "already in use" in r.stderr


def test_serve_refuses_a_directory_without_publication(tmp_path):
    r = subprocess.run(_serve_args(["--publication", str(tmp_path)]), capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == ConfigError.exit_code
    assert "no publication in" in r.stderr and r.stderr.strip().count("\n") == 0


def test_checks_raise_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        check_publication(tmp_path / "missing")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(ConfigError, match="already in use"):
            check_port("127.0.0.1", s.getsockname()[1])
