"""One module per group of CLI commands; each exposes ``register(subparsers)``.

What the command modules share lives here, not in :mod:`publisher.cli`, so the arrows go one
way: ``cli`` imports the commands, never the reverse.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from zoneinfo import ZoneInfo

from publisher.config import Settings
from publisher.store.db import open_engine


def brussels_today(settings: Settings) -> date:
    """The legal "today": the calendar date in Brussels, whatever the server's clock zone."""
    return datetime.now(ZoneInfo(settings.timezone)).date()


def iso_date(text: str) -> date:
    """Argument type for ``YYYY-MM-DD`` dates with a message that names the bad value."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: expected YYYY-MM-DD") from None


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """``--store URL``: which VLOK store to use (default: the ``store_url`` setting)."""
    parser.add_argument("--store", metavar="URL",
                        help="store database URL (default: setting store_url)")


def engine_for(args: argparse.Namespace, settings: Settings):
    """Open (and check) the store the user asked for."""
    return open_engine(args.store or settings.store_url)
