"""How gunicorn's workers share the connections of many clients: fair accept vs asyncio's.

Issue 17: under 32 clients one worker held 26-29 of 36 connections, so its pool ran dry while
the other worker idled. This starts the same gunicorn twice on one publication, once with our
worker (``publisher.serving.protocol.EdgeWorker``: one accept per wake-up) and once with
uvicorn's stock h11 worker (asyncio accepts up to the backlog per wake-up), and for each:

- opens ``--clients`` keep-alive connections at once (one request each, then held open) and
  counts with ``ss`` which worker process holds each connection, ``--rounds`` times;
- runs ``wrk`` with the same number of connections on a small OGC API page, alternating
  between the two servers ``--wrk-rounds`` times, and reports the median req/s and which
  worker holds wrk's connections mid-run.

Run::

    .venv/bin/python benchmarks/bench_connection_spread.py --publication data/publication
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from processes import stop_group

WORKERS = {"ours (EdgeWorker, fair accept)": "publisher.serving.protocol.EdgeWorker",
           "stock (UvicornH11Worker)": "uvicorn_worker.UvicornH11Worker"}
PAGE = "/ogc/collections/poi/items?limit=10&f=json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(worker: str, port: int, publication: str, workers: int) -> subprocess.Popen[bytes]:
    env = {"VLOK_PUBLICATION_DIR": publication, "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "publisher.serving.app:create_app_from_env()",
         "-k", worker, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            # one request per worker at least, so each has loaded the publication
            for _ in range(workers * 4):
                httpx.get(f"http://127.0.0.1:{port}{PAGE}", timeout=10).raise_for_status()
            return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    stop_group(proc)
    raise SystemExit(f"{worker} did not start")


def holders(port: int) -> Counter[int]:
    """Established server-side connections on ``port`` by owning process id."""
    out = subprocess.run(["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, check=True).stdout
    return Counter(int(m) for m in re.findall(r"pid=(\d+)", out))


def burst(port: int, clients: int) -> Counter[int]:
    """Open ``clients`` keep-alive connections at once, one request each; who holds them."""
    ready = threading.Barrier(clients + 1)
    done = threading.Barrier(clients + 1)
    sockets: list[socket.socket] = []
    lock = threading.Lock()

    def one() -> None:
        ready.wait()
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        sock.recv(65536)
        with lock:
            sockets.append(sock)
        done.wait()

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    done.wait()
    seen = holders(port)
    for sock in sockets:
        sock.close()
    for t in threads:
        t.join()
    time.sleep(0.3)
    return seen


def under_wrk(port: int, clients: int, seconds: int) -> tuple[float, Counter[int]]:
    """req/s of wrk on :data:`PAGE` and who holds wrk's connections halfway."""
    proc = subprocess.Popen(["wrk", "-t2", f"-c{clients}", f"-d{seconds}s",
                             f"http://127.0.0.1:{port}{PAGE}"],
                            stdout=subprocess.PIPE, text=True)
    time.sleep(seconds / 2)
    seen = holders(port)
    out, _ = proc.communicate()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return rate, seen


def spread(seen: Counter[int]) -> str:
    counts = sorted(seen.values(), reverse=True)
    return " / ".join(str(c) for c in counts) or "none"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--publication", default="data/publication")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--clients", type=int, default=36)
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--wrk-rounds", type=int, default=3)
    args = p.parse_args()
    if not Path(args.publication).exists() and "://" not in args.publication:
        raise SystemExit(f"no publication at {args.publication}")
    servers: dict[str, tuple[int, subprocess.Popen[bytes]]] = {}
    try:
        for label, worker in WORKERS.items():  # both up at once: every round alternates
            port = free_port()
            servers[label] = (port, start(worker, port, args.publication, args.workers))
        for label, (port, _) in servers.items():
            rounds = [burst(port, args.clients) for _ in range(args.rounds)]
            largest = [max(r.values()) for r in rounds]
            print(f"{label}: {args.clients} connections at once over {args.workers} workers, "
                  f"{args.rounds} rounds: busiest worker held "
                  f"{min(largest)}-{max(largest)} (mean {sum(largest) / len(largest):.1f}); "
                  f"rounds: {'; '.join(spread(r) for r in rounds)}")
        if shutil.which("wrk") is None:
            return
        rates: dict[str, list[float]] = {label: [] for label in servers}
        for _ in range(args.wrk_rounds):
            for label, (port, _) in servers.items():
                rate, seen = under_wrk(port, args.clients, args.seconds)
                rates[label].append(rate)
                print(f"  {label}: wrk -c{args.clients} {args.seconds} s: {rate:.1f} req/s, "
                      f"connections per worker mid-run {spread(seen)}")
        for label, got in rates.items():
            print(f"{label}: wrk -c{args.clients} on {PAGE}: median "
                  f"{statistics.median(got):.1f} req/s over {len(got)} alternating runs")
    finally:
        for _, proc in servers.values():
            stop_group(proc)


if __name__ == "__main__":
    main()
