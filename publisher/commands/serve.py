"""``vlok-publisher serve``: the production web server (gunicorn with uvicorn workers).

Why gunicorn: it supervises several worker processes (restart on crash, graceful reload),
and uvicorn's worker class (package ``uvicorn-worker``) runs our ASGI app in each. Every worker
builds the app from the environment (``VLOK_PUBLICATION_DIR``, ``VLOK_BASE_URL``) so workers
are stateless and identical; the publication is read from disk (or from the PostGIS
publication database when ``--publication`` is a ``postgresql+psycopg://`` URL), so they need
no coordination.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
from pathlib import Path
from typing import Any

from publisher.config import Settings
from publisher.errors import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_WORKERS = 2


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``serve``."""
    p = sub.add_parser("serve", help="serve OGC API Features, WFS, health and metrics")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port to bind (default {DEFAULT_PORT})")
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                   help=f"worker processes (default {DEFAULT_WORKERS})")
    p.add_argument("--publication", metavar="DIR|URL",
                   help="publication directory, or the postgresql+psycopg:// URL of a PostGIS "
                        "publication database (default: setting publication_dir)")
    p.add_argument("--base-url", help="public URL used in links, e.g. https://example.org "
                                      "(default: the URL each client used)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Check the publication and the port, then hand over to gunicorn (blocks)."""
    from publisher.serving.publications import is_database_url

    source = str(args.publication or settings.publication_dir)
    if is_database_url(source):
        check_database(source)
    else:
        check_publication(Path(source))
        source = str(Path(source).resolve())
    if args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, not {args.workers}")
    check_port(args.host, args.port)
    os.environ["VLOK_PUBLICATION_DIR"] = source
    if args.base_url:
        os.environ["VLOK_BASE_URL"] = args.base_url
    block = url_block(args.base_url or local_url(args.host, args.port))
    _Gunicorn({"bind": f"{args.host}:{args.port}", "workers": args.workers,
               "worker_class": "publisher.serving.protocol.EdgeWorker", "accesslog": None,
               "graceful_timeout": 10, "timeout": 60, "keepalive": KEEPALIVE_SECONDS,
               "when_ready": lambda server: print(block, flush=True)}).run()
    return 0


#: Seconds an idle keep-alive connection stays open (gunicorn's default is 2). The timer starts
#: when the last byte is handed to the kernel, not when the client has read it: a client still
#: reading a large page from the socket buffers when it fires finds its next request reset.
#: 15 s (nginx keeps 75) makes that race rare; an idle connection costs a socket, no thread.
KEEPALIVE_SECONDS = 15


#: What the closing block lists: label, path.
URLS = (("map", "/"), ("OGC API Features", "/ogc"), ("WFS 2.0 (QGIS)", "/wfs"),
        ("WMS (maps)", "/wms"), ("downloads", "/downloads"),
        ("lookup API", "/api/v1/woningkwaliteit"),
        ("change stream (LDES)", "/ldes/woningkwaliteit"), ("health", "/health"))


def local_url(host: str, port: int) -> str:
    """The URL a browser on this machine opens for ``host:port``."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def url_block(base: str) -> str:
    """The lines printed once the server listens: where to open what, and how to stop."""
    base = base.rstrip("/")
    width = max(len(label) for label, _ in URLS)
    lines = ["", f"VLOK publication served at {base}"]
    lines += [f"  {label:<{width}}  {base}{path}" for label, path in URLS]
    lines += ["Ctrl-C stops the server.", ""]
    return "\n".join(lines)


def check_publication(root: Path) -> None:
    """Refuse to start on a directory without any publication (one clear line)."""
    from publisher.serving.publications import PublicationReader

    if not root.is_dir():
        raise ConfigError(f"publication directory {str(root)!r} does not exist")
    try:
        reader = PublicationReader(root)
        found = any(reader.current(d) for d in ("poi", "woningkwaliteitsbeleid"))
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"publication directory {str(root)!r} is unreadable: {exc}") from None
    if not found:
        raise ConfigError(f"no publication in {str(root)!r}: run 'vlok-publisher publish' "
                          "first or give --publication DIR")


def check_database(url: str) -> None:
    """Refuse to start on a PostGIS database that cannot be read or has no publication."""
    from sqlalchemy.exc import ArgumentError

    from publisher.serving.publications import PostGISReader, PublicationUnreadable

    try:
        reader = PostGISReader(url)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(f"invalid publication database URL: {exc}") from None
    described = reader.describe()
    try:
        found = any(reader.current(d) for d in ("poi", "woningkwaliteitsbeleid"))
    except PublicationUnreadable as exc:
        raise ConfigError(f"publication database {described!r} is unreadable: {exc}") from None
    finally:
        reader.database.dispose()
    if not found:
        raise ConfigError(f"no publication in {described!r}: run 'vlok-publisher publish' "
                          "with that PostGIS target first")


def check_port(host: str, port: int) -> None:
    """Fail early, in one line, when the address is taken (gunicorn would retry and log)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(f"port {port} on {host} is already in use: choose another "
                                  "with --port") from None
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _gunicorn_base() -> type:
    from gunicorn.app.base import BaseApplication

    return BaseApplication


class _Gunicorn(_gunicorn_base()):  # type: ignore[misc]
    """gunicorn configured in code: no config file, no command line of its own."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply our options to gunicorn's settings."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Each worker builds its own app (after the fork)."""
        from publisher.serving.app import create_app_from_env

        return create_app_from_env()
