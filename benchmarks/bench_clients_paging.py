"""How many requests GDAL's clients need for the whole flanders layer, before and after.

Run (loopback only, one run, a few minutes)::

    .venv/bin/python benchmarks/bench_clients_paging.py --publication /tmp/flanders-pub \\
        [--before-tree /tmp/before --before-publication /tmp/flanders-pub-old]

For each server ("after": this tree or ``--after-tree``; "before": ``--before-tree``, a git
worktree of older code), the script starts ``python -m publisher serve --publication DIR
--port P --workers 2`` as a subprocess whose working directory is that tree, so ``python -m
publisher`` resolves to that tree's package (checked: ``publisher.__file__`` is printed from
the same directory with the same interpreter and must lie inside the tree). Then, one after
the other:

- ``ogr2ogr -f GPKG out.gpkg WFS:http://127.0.0.1:P/wfs POI:POI`` (the layer name is checked
  with ``ogrinfo`` first): GDAL pages by the ``CountDefault`` it finds in the GetFeature
  operation metadata, 100 when there is none;
- ``ogr2ogr -f GPKG out.gpkg OAPIF:http://127.0.0.1:P/ogc/collections/poi``: GDAL 3.6 pages by
  10 (it does not read the OpenAPI ``limit``), capped by ``--oapif-timeout``; a capped run
  reports its rate and an extrapolation to the whole layer, labelled as such;
- the same with ``-oo PAGE_SIZE=1000`` (what GDAL >= 3.8 derives from our declared maximum).

Requests are counted on the server's side of the wire: GDAL talks to a small counting TCP relay
on 127.0.0.1 that forwards every byte to the server unchanged (keep-alive included) and parses
only the request heads (the server has no access log, and ``/metrics`` is per worker). GDAL's
own ``CPL_DEBUG=ON`` output is counted too, as a cross-check. Wall time is the whole
``ogr2ogr`` run, relay included (the same hop for both servers). Features are those in the
output GeoPackage (``ogrinfo -so``). The 1-minute load average is recorded next to every run:
the reference machine has 2 cores, shared by client, relay, server and anyone else.

Prints one JSON document: per server, per client, ``requests``, ``seconds``, ``features``.
Every server started is stopped (its whole process group) whatever happens.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
WFS_LAYER = "POI:POI"
OAPIF_COLLECTION = "poi"


# --------------------------------------------------------------------------- counting relay


def request_label(target: str) -> str:
    """Classify one request target for the counts.

    Parameters
    ----------
    target : str
        The request target of the HTTP request line (path and query).

    Returns
    -------
    str
        ``wfs <REQUEST>`` for WFS requests, ``ogc items`` for OGC API items pages, else the
        path.
    """
    parts = urlsplit(target)
    if parts.path.startswith("/wfs"):
        query = {k.upper(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
        return f"wfs {query.get('REQUEST', '?')}"
    if parts.path.startswith("/ogc/") and parts.path.endswith("/items"):
        return "ogc items"
    return parts.path


class CountingRelay:
    """A TCP relay on 127.0.0.1 that counts the HTTP requests passing through it.

    Bytes are forwarded unchanged in both directions, one upstream connection per client
    connection, so keep-alive behaves as without the relay. Only the client-to-server stream
    is parsed, for request heads (and ``Content-Length`` bodies, skipped).

    Parameters
    ----------
    upstream_port : int
        Port of the server on 127.0.0.1.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((HOST, 0))
        self._listener.listen(128)
        self.port: int = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def snapshot(self) -> Counter[str]:
        """A copy of the counts so far."""
        with self._lock:
            return Counter(self.counts)

    def close(self) -> None:
        """Stop accepting connections."""
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection((HOST, self.upstream_port))
            except OSError:
                with self._lock:
                    self.counts["relay: upstream connect failed"] += 1
                client.close()
                continue
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False),
                             daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, parse: bool) -> None:
        buffer = bytearray()
        body_left = 0
        try:
            while True:
                data = src.recv(262144)
                if not data:
                    break
                dst.sendall(data)
                if parse:
                    buffer += data
                    body_left = self._parse(buffer, body_left)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)
            if not parse:  # the response side ends last: close both
                for sock in (src, dst):
                    with contextlib.suppress(OSError):
                        sock.close()

    def _parse(self, buffer: bytearray, body_left: int) -> int:
        """Count complete request heads in ``buffer`` (consumed in place)."""
        while buffer:
            if body_left:
                taken = min(body_left, len(buffer))
                del buffer[:taken]
                body_left -= taken
                continue
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > 1 << 20:  # not HTTP: stop parsing, keep relaying
                    buffer.clear()
                break
            head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
            del buffer[:end + 4]
            fields = head[0].split(" ")
            label = request_label(fields[1]) if len(fields) == 3 else "unparsed"
            with self._lock:
                self.counts[label] += 1
                self.counts["total"] += 1
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length" and value.strip().isdigit():
                    body_left = int(value.strip())
        return body_left


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def load() -> dict[str, Any]:
    """The machine's load averages and ``uptime``'s line."""
    one, five, fifteen = os.getloadavg()
    line = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    return {"load_1m": round(one, 2), "load_5m": round(five, 2), "load_15m": round(fifteen, 2),
            "uptime": line.strip(), "cores": os.cpu_count()}


def package_file(python: str, tree: Path) -> str:
    """The ``publisher.__file__`` that ``python`` imports with ``tree`` as working directory.

    Parameters
    ----------
    python : str
        The interpreter the server is started with.
    tree : Path
        The source tree whose package must be used.

    Returns
    -------
    str
        The resolved path of ``publisher/__init__.py``.

    Raises
    ------
    SystemExit
        When the package imported is not the tree's.
    """
    out = subprocess.run([python, "-c", "import publisher; print(publisher.__file__)"],
                         cwd=tree, env=server_env(tree), capture_output=True, text=True,
                         check=True).stdout.strip()
    resolved = Path(out).resolve()
    if not resolved.is_relative_to(tree.resolve()):
        raise SystemExit(f"{python} in {tree} imports publisher from {resolved}, not the tree")
    print(f"[{tree}] publisher.__file__ = {resolved}", file=sys.stderr)
    return str(resolved)


def server_env(tree: Path) -> dict[str, str]:
    """The environment of a server: the tree first on the path, nothing else changed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env.pop("PYTHONSAFEPATH", None)
    env.pop("VLOK_PUBLICATION_DIR", None)
    env.pop("VLOK_BASE_URL", None)
    return env


@contextlib.contextmanager
def serve(python: str, tree: Path, publication: Path, log: Path) -> Iterator[int]:
    """Run ``python -m publisher serve`` from ``tree`` on a free port; yield the port.

    Parameters
    ----------
    python : str
        The interpreter.
    tree : Path
        Working directory, so ``python -m publisher`` is that tree's package.
    publication : Path
        The publication directory.
    log : Path
        Where the server's output goes.

    Yields
    ------
    int
        The port, once ``/health`` answers 200.
    """
    port = free_port()
    command = [python, "-m", "publisher", "serve", "--publication", str(publication),
               "--port", str(port), "--workers", "2"]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=tree, env=server_env(tree), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"server from {tree} on {publication} exited "
                                 f"{proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=5) as r:
                    if r.status == 200:
                        break
            if time.monotonic() > deadline:
                raise SystemExit(f"server from {tree} did not answer /health in 90 s")
            time.sleep(0.5)
        yield port
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process started in its own session, and its children (its process group)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # orphaned workers, if any
        os.killpg(proc.pid, signal.SIGKILL)


def health_features(port: int) -> int | None:
    """The feature count of ``poi`` that ``/health`` reports (None when it has none)."""
    with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=10) as r:
        body = json.load(r)
    poi = (body.get("datasets") or {}).get("poi") or {}
    return poi.get("features")


# --------------------------------------------------------------------------- clients


def wfs_layers(url: str) -> list[str]:
    """The layer names ``ogrinfo`` lists for a WFS endpoint."""
    out = subprocess.run(["ogrinfo", "-ro", "-q", f"WFS:{url}"], capture_output=True,
                         text=True, timeout=120, check=False).stdout
    return re.findall(r"^\d+: (\S+)", out, flags=re.M)


def gpkg_features(path: Path) -> int | None:
    """The feature count of every layer of a GeoPackage, summed (None when unreadable)."""
    if not path.exists():
        return None
    done = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True,
                          text=True, timeout=300, check=False)
    counts = re.findall(r"^Feature Count: (\d+)", done.stdout, flags=re.M)
    return sum(int(c) for c in counts) if counts else None


def debug_counts(stderr: str) -> dict[str, Any]:
    """Requests as GDAL's ``CPL_DEBUG=ON`` output tells them."""
    return {
        "http_fetch_lines": len(re.findall(r"^HTTP: Fetch\(", stderr, flags=re.M)),
        "wfs_getfeature_urls": len(re.findall(r"^WFS: http\S*REQUEST=GetFeature", stderr,
                                              flags=re.M | re.I)),
        "error_lines": len(re.findall(r"^ERROR", stderr, flags=re.M)),
        "errors_first": re.findall(r"^ERROR.*$", stderr, flags=re.M)[:5],
        "http_errors_first": re.findall(r"^HTTP:.*(?:error|Error|retry|Retry).*$", stderr,
                                        flags=re.M)[:5],
    }


def gdal_page_size(stderr: str) -> int | None:
    """The page size GDAL used, from its debug output (None when it did not say)."""
    found = re.search(r"^WFS: Paging support with page size (\d+)", stderr, flags=re.M)
    if found is None:
        found = re.search(r"^HTTP: Fetch\(\S*[?&]limit=(\d+)", stderr, flags=re.M)
    return int(found.group(1)) if found else None


def run_client(name: str, source: list[str], relay: CountingRelay, workdir: Path,
               timeout: float, page_size: int, total: int | None,
               keep_logs: Path | None = None) -> dict[str, Any]:
    """One ``ogr2ogr`` to GeoPackage, timed and counted.

    Parameters
    ----------
    name : str
        Label of the run (also the output file's stem).
    source : list[str]
        Data source and options after ``ogr2ogr -f GPKG out.gpkg``.
    relay : CountingRelay
        The relay GDAL talks to (its counts are read before and after).
    workdir : Path
        Where the output and GDAL's debug log are written.
    timeout : float
        Seconds after which the run is stopped and extrapolated.
    page_size : int
        The page size GDAL is expected to use, when its debug output does not say (for the
        extrapolation only).
    total : int or None
        The layer's feature count as the server reports it (for the extrapolation only).
    keep_logs : Path or None
        Where GDAL's debug log is copied when the run logged an error, failed or timed out.

    Returns
    -------
    dict
        ``requests``, ``seconds``, ``features`` and the details.
    """
    out = workdir / f"{name}.gpkg"
    err = workdir / f"{name}.stderr"
    out.unlink(missing_ok=True)
    command = ["ogr2ogr", "-f", "GPKG", str(out), *source]
    env = dict(os.environ, CPL_DEBUG="ON")
    before, load_before = relay.snapshot(), load()
    started = time.perf_counter()
    with err.open("wb") as stderr:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
                                start_new_session=True)
        try:
            rc: int | None = proc.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out, rc = True, None
        finally:
            stop(proc)
    seconds = time.perf_counter() - started
    time.sleep(0.2)  # let the relay see the last bytes
    counted = relay.snapshot()
    counted.subtract(before)
    counts = {k: v for k, v in sorted(counted.items()) if v}
    data_requests = counts.get("wfs GetFeature", 0) + counts.get("ogc items", 0)
    result: dict[str, Any] = {
        "command": " ".join(["CPL_DEBUG=ON", *command]),
        "requests": counts.get("total", 0),
        "data_requests": data_requests,
        "seconds": round(seconds, 2),
        "features": None if timed_out else gpkg_features(out),
        "returncode": rc,
        "timed_out": timed_out,
        "requests_by_kind": counts,
        "gdal_debug": debug_counts(err.read_text(errors="replace")),
        "load_before": load_before,
        "load_after": load(),
    }
    seen = gdal_page_size(err.read_text(errors="replace"))
    result["gdal_page_size"] = seen
    if timed_out and data_requests and total:
        # GDAL's OAPIF driver reads the first page twice (once to learn the schema)
        expected = math.ceil(total / (seen or page_size)) + source[0].startswith("OAPIF:")
        rate = data_requests / seconds
        result["extrapolation"] = {
            "note": f"stopped after {timeout:.0f} s; figures below are extrapolated, not measured",
            "data_requests_per_second": round(rate, 2),
            "expected_data_requests": expected,
            "expected_seconds": round(expected / rate, 1),
        }
    out.unlink(missing_ok=True)
    if keep_logs is not None and (result["gdal_debug"]["error_lines"] or timed_out or rc):
        keep_logs.mkdir(parents=True, exist_ok=True)
        kept = keep_logs / err.name
        shutil.copyfile(err, kept)
        result["debug_log"] = str(kept)
    return result


def bench_server(label: str, python: str, tree: Path, publication: Path, workdir: Path,
                 args: argparse.Namespace) -> dict[str, Any]:
    """Start one server, run every client against it, stop it.

    Parameters
    ----------
    label : str
        ``before`` or ``after``.
    python : str
        The interpreter.
    tree : Path
        The source tree to serve from.
    publication : Path
        Its publication directory.
    workdir : Path
        Scratch directory.
    args : argparse.Namespace
        Command-line options (timeouts, clients to skip).

    Returns
    -------
    dict
        The server's description and one result per client.
    """
    commit = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=False).stdout.strip()
    result: dict[str, Any] = {
        "tree": str(tree), "commit": commit or None,
        "publisher_file": package_file(python, tree),
        "publication": str(publication),
        "current_json": json.loads((publication / "current.json").read_text()),
    }
    with serve(python, tree, publication, workdir / f"server-{label}.log") as port:
        relay = CountingRelay(port)
        try:
            base = f"http://{HOST}:{relay.port}"
            total = health_features(port)
            layers = wfs_layers(f"{base}/wfs")
            if WFS_LAYER not in layers:
                raise SystemExit(f"{label}: WFS layers are {layers}, no {WFS_LAYER}")
            result["features_served"] = total
            result["wfs_layers"] = layers
            result["load"] = load()
            clients: dict[str, Any] = {}
            print(f"[{label}] WFS ...", file=sys.stderr)
            clients["wfs"] = run_client(
                f"{label}-wfs", [f"WFS:{base}/wfs", WFS_LAYER], relay, workdir,
                args.wfs_timeout, 100, total, args.keep_logs)
            collection = f"OAPIF:{base}/ogc/collections/{OAPIF_COLLECTION}"
            if not args.skip_page10:
                print(f"[{label}] OAPIF default page size ...", file=sys.stderr)
                clients["oapif_default_page"] = run_client(
                    f"{label}-oapif-default", [collection], relay, workdir,
                    args.oapif_timeout, 10, total, args.keep_logs)
            print(f"[{label}] OAPIF PAGE_SIZE=1000 ...", file=sys.stderr)
            clients["oapif_page_size_1000"] = run_client(
                f"{label}-oapif-1000", [collection, "-oo", "PAGE_SIZE=1000"], relay, workdir,
                args.oapif_timeout, 1000, total, args.keep_logs)
            result["clients"] = clients
        finally:
            relay.close()
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--publication", type=Path, required=True,
                        help="flanders-scale publication directory served by this tree")
    parser.add_argument("--before-tree", type=Path,
                        help="git worktree of the older code (omit: this tree only)")
    parser.add_argument("--after-tree", type=Path, default=ROOT,
                        help="source tree of the current code (default: this repository's "
                             "working tree, uncommitted edits included; give a clean export "
                             "of HEAD to measure the commit alone)")
    parser.add_argument("--before-publication", type=Path,
                        help="publication directory for the older code (default: --publication)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter for both servers (default: this one)")
    parser.add_argument("--wfs-timeout", type=float, default=900.0,
                        help="seconds before a WFS run is stopped (default 900)")
    parser.add_argument("--oapif-timeout", type=float, default=300.0,
                        help="seconds before an OAPIF run is stopped and extrapolated "
                             "(default 300)")
    parser.add_argument("--keep-logs", type=Path,
                        help="directory to keep GDAL's debug log of any run that logged an "
                             "ERROR, failed or timed out")
    parser.add_argument("--skip-page10", action="store_true",
                        help="skip the OAPIF run at GDAL's default page size")
    args = parser.parse_args(argv)
    if shutil.which("ogr2ogr") is None or shutil.which("ogrinfo") is None:
        parser.error("needs GDAL's ogr2ogr and ogrinfo on PATH")
    for path in (args.publication, args.before_publication):
        if path is not None and not (path / "current.json").is_file():
            parser.error(f"{path} is not a publication directory (no current.json)")

    gdal = subprocess.run(["ogr2ogr", "--version"], capture_output=True, text=True,
                          check=False).stdout.strip()
    document: dict[str, Any] = {
        "command": " ".join([sys.executable, *sys.argv]),
        "gdal": gdal, "python": args.python, "load_start": load(),
        "counting": "requests counted by a byte-transparent relay on 127.0.0.1 in front of "
                    "the server (seconds include it); gdal_debug is GDAL's own count",
        "servers": {},
    }
    with tempfile.TemporaryDirectory(prefix="vlok-paging-") as tmp:
        workdir = Path(tmp)
        if args.before_tree is not None:
            document["servers"]["before"] = bench_server(
                "before", args.python, args.before_tree.resolve(),
                (args.before_publication or args.publication).resolve(), workdir, args)
        document["servers"]["after"] = bench_server(
            "after", args.python, args.after_tree.resolve(), args.publication.resolve(), workdir,
            args)
    document["load_end"] = load()
    json.dump(document, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
