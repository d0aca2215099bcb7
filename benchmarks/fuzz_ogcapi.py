"""The long OGC API and lookup fuzz run: the in-suite fuzzer's strategies, many more examples.

Run: ``.venv/bin/python benchmarks/fuzz_ogcapi.py --publication data/publication
[--examples 5000]`` (starts uvicorn on a free 127.0.0.1 port over that publication and stops
it after) or ``--url http://127.0.0.1:5000`` against a server already running (``make run``).

Sends hypothesis-generated hostile requests (``tests/serving/ogcapi/fuzzing.py``: items
queries, feature ids, random paths under ``/ogc``, lookup queries), one at a time with a 10 s
timeout, and prints one JSON document: requests, answers by status class, 5xx, timeouts,
answers breaking a rule (``check_answer``: 5xx, stack trace or path, error without a JSON
message), and the longest answer with its request. Exit status 1 when any rule was broken.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import hypothesis
from hypothesis import HealthCheck, Phase, given, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "serving"))
from ogcapi.fuzzing import REQUESTS, TIMEOUT, check_answer  # noqa: E402


@contextlib.contextmanager
def _server(publication: Path) -> Iterator[str]:
    """uvicorn (one worker) over ``publication`` on a free port; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "VLOK_PUBLICATION_DIR": str(publication.resolve())}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "publisher.serving.app:"
         "create_app_from_env", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=2).status_code < 600:
                    break
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("server did not start")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def fuzz(url: str, examples: int, seed: int) -> dict[str, Any]:
    """Send ``examples`` generated requests to ``url``; the counts and the worst findings."""
    stats: dict[str, Any] = {"requests": 0, "by_status": Counter(), "timeouts": 0,
                             "broken": 0, "longest_s": 0.0, "longest_request": None,
                             "examples_of_broken": []}
    client = httpx.Client(base_url=url, timeout=TIMEOUT)

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(request=REQUESTS)
    def one(request: tuple[str, list[tuple[str, str]]]) -> None:
        path, params = request
        stats["requests"] += 1
        started = time.perf_counter()
        try:
            response = client.get(path, params=params)
        except httpx.TimeoutException:
            stats["timeouts"] += 1
            _remember(stats, request, ["timeout"])
            return
        except httpx.HTTPError as exc:  # e.g. a URL httpx itself refuses to send
            stats["by_status"]["client-refused"] += 1
            stats.setdefault("client_refused_example", f"{path} {params!r:.200} {exc}")
            return
        took = time.perf_counter() - started
        if took > stats["longest_s"]:
            stats["longest_s"], stats["longest_request"] = took, f"{path} {params!r:.300}"
        stats["by_status"][f"{response.status_code // 100}xx"] += 1
        if problems := check_answer(response):
            _remember(stats, request, problems)

    hypothesis.seed(seed)(one)()
    client.close()
    stats["by_status"] = dict(stats["by_status"])
    stats["longest_s"] = round(stats["longest_s"], 3)
    return stats


def _remember(stats: dict[str, Any], request: Any, problems: list[str]) -> None:
    stats["broken"] += 1
    if len(stats["examples_of_broken"]) < 10:
        stats["examples_of_broken"].append({"request": repr(request)[:300],
                                            "problems": problems})


def main() -> int:
    """Parse the arguments, run the fuzzer, print the figures; 1 when a rule was broken."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--publication", type=Path, help="publication directory to serve")
    where.add_argument("--url", help="base URL of a running server")
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    started = time.perf_counter()
    if args.url:
        stats = fuzz(args.url.rstrip("/"), args.examples, args.seed)
    else:
        with _server(args.publication) as url:
            stats = fuzz(url, args.examples, args.seed)
    stats["wall_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(stats, indent=2, ensure_ascii=False))
    fives = sum(v for k, v in stats["by_status"].items() if k == "5xx")
    print(f"{stats['requests']} requests: {stats['by_status']}, {fives} × 5xx, "
          f"{stats['timeouts']} timeouts, {stats['broken']} broken, longest answer "
          f"{stats['longest_s']} s")
    return 1 if stats["broken"] or stats["timeouts"] else 0


if __name__ == "__main__":
    sys.exit(main())
