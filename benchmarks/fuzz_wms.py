"""The longer WMS fuzz run: the in-suite fuzzer's strategy (``tests/serving/wms/test_fuzz.py``),
many more examples, every failure recorded rather than stopping at the first.

Run: ``.venv/bin/python benchmarks/fuzz_wms.py --publication DIR [--examples 5000]`` (serves
the WMS of the publication on 127.0.0.1 with uvicorn in a thread) or ``--url
http://127.0.0.1:5000/wms`` (a running server). Prints the figures (requests, 2xx, 4xx, 5xx,
failed invariants, slowest answer); exit status 1 when any invariant failed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn
from hypothesis import HealthCheck, given, settings
from starlette.applications import Starlette

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location(
    "wms_fuzz", ROOT / "tests" / "serving" / "wms" / "test_fuzz.py")
assert _spec is not None and _spec.loader is not None
fuzz = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = fuzz
_spec.loader.exec_module(fuzz)


@contextlib.contextmanager
def local_server(publication: Path) -> Iterator[str]:
    from publisher.serving.publications import PublicationReader
    from publisher.serving.wms import routes

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(
        Starlette(routes=routes(PublicationReader(publication))), host="127.0.0.1",
        port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/wms"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--url")
    parser.add_argument("--publication", type=Path, default=ROOT / "data" / "publication")
    args = parser.parse_args()
    tally: Counter[str] = Counter()
    failures: list[str] = []
    slowest = [0.0]

    def run(url: str) -> None:
        with httpx.Client(timeout=30) as http:
            @settings(max_examples=args.examples, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(params=fuzz.requests())
            def one(params: dict[str, str]) -> None:
                started = time.perf_counter()
                try:
                    fuzz.test_fuzzed_requests_never_fail_the_server.hypothesis.inner_test(
                        http, url, params)
                except Exception as exc:  # every failure recorded, the run goes on
                    failures.append(f"{type(exc).__name__}: {str(exc)[:300]} {params!r:.300}")
                    tally["failed"] += 1
                tally["requests"] += 1
                slowest[0] = max(slowest[0], time.perf_counter() - started)

            one()

    if args.url:
        run(args.url)
    else:
        with local_server(args.publication) as url:
            run(url)
    print(f"{tally['requests']} requests, {tally['failed']} failed invariants, slowest "
          f"answer {slowest[0] * 1000:.0f} ms")
    for failure in failures[:20]:
        print(" -", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
