"""The longer WFS fuzz run: the in-suite fuzzer's strategies, many more examples.

Run: ``.venv/bin/python benchmarks/fuzz_wfs.py [--examples 5000] [--url URL]``

Without ``--url`` it builds the test suite's small synthetic publication (3,000 dwelling
units, seed 11) in a temporary folder and serves the WFS on 127.0.0.1 with uvicorn in a
thread; with ``--url http://127.0.0.1:5000/wfs`` it fuzzes a running server (``make run``).
Unlike the in-suite test it does not stop at the first failure: every failed invariant is
recorded, and the figures (requests, 4xx, 5xx, timeouts, longest answer) are printed at the
end. Exit status 1 when any invariant failed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import uvicorn
from hypothesis import HealthCheck, given, settings
from starlette.applications import Starlette

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "wfs_fuzz_strategies", ROOT / "tests" / "serving" / "wfs" / "fuzz_strategies.py")
assert _spec is not None and _spec.loader is not None
strategies = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = strategies  # dataclasses look their module up there
_spec.loader.exec_module(strategies)


@contextlib.contextmanager
def local_server(units: int) -> Iterator[str]:
    """A fresh small publication served on a free port; yields the /wfs URL."""
    from publisher.publication.directory import DirectoryTarget
    from publisher.publication.run import publish_poi, publish_policy
    from publisher.serving.publications import PublicationReader
    from publisher.serving.wfs import routes
    from publisher.store.db import open_engine
    from publisher.synthetic.generator import build_demo

    as_of = date(2026, 11, 23)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/vlok.sqlite"
        engine = open_engine(url)
        build_demo(engine, units=units, seed=11, until=as_of, quiet=True)
        target = DirectoryTarget(Path(tmp) / "publication")
        publish_poi(engine, target, as_of, store=url, quiet=True)
        publish_policy(engine, target, as_of, store=url, quiet=True)
        app = Starlette(routes=routes(PublicationReader(Path(tmp) / "publication")))
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}/wfs"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def fuzz(url: str, examples: int) -> strategies.Tally:
    """Half GET, half POST; failures are recorded, never raised."""
    tally = strategies.Tally()
    run = settings(max_examples=examples // 2, deadline=None, database=None,
                   suppress_health_check=list(HealthCheck))

    def attempt(method: str, client: httpx.Client, **kwargs: object) -> None:
        try:
            strategies.check(client, tally, method, url, **kwargs)
        except Exception as exc:  # an invariant failed or the request timed out
            tally.failures.append(f"{type(exc).__name__}: {str(exc)[:300]}")

    with httpx.Client() as client:

        @run
        @given(params=strategies.kvp_requests())
        def get(params: list[tuple[str, str]]) -> None:
            attempt("GET", client, params=params)

        @run
        @given(body=strategies.xml_bodies())
        def post(body: bytes) -> None:
            attempt("POST", client, content=body, headers={"Content-Type": "text/xml"})

        get()
        post()
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000, help="requests in all")
    parser.add_argument("--url", help="fuzz this running WFS endpoint instead")
    parser.add_argument("--units", type=int, default=3000, help="demo size without --url")
    args = parser.parse_args()
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(local_server(args.units))
        tally = fuzz(url, args.examples)
    print(tally.summary())
    print(f"failures: {len(tally.failures)}; wall time {time.perf_counter() - started:.0f} s")
    for failure in tally.failures[:20]:
        print("  " + failure)
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
