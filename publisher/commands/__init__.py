"""One module per group of CLI commands; each exposes ``register(subparsers)``."""

from __future__ import annotations

import argparse

from publisher.config import Settings
from publisher.store.db import open_engine


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """``--store URL``: which VLOK store to use (default: the ``store_url`` setting)."""
    parser.add_argument("--store", metavar="URL",
                        help="store database URL (default: setting store_url)")


def engine_for(args: argparse.Namespace, settings: Settings):
    """Open (and check) the store the user asked for."""
    return open_engine(args.store or settings.store_url)
