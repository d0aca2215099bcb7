"""``vlok-publisher publish`` (daily POI) and ``publish-parameters`` (monthly policy)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from publisher.cli import brussels_today, iso_date
from publisher.commands import add_store_option, engine_for
from publisher.config import Settings
from publisher.errors import ConfigError

#: Exit codes of the publish commands (README "Exit codes").
EXIT_PUBLISHED = 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``publish`` and ``publish-parameters``."""
    for name, help_ in (("publish", "daily: the three POI products as of a date"),
                        ("publish-parameters", "monthly: local housing-quality policy")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("--as-of", type=iso_date, help="date of the facts (default: today in "
                                                      "Brussels)")
        p.add_argument("--target", metavar="DIR",
                       help="publication directory (default: setting publication_dir)")
        p.add_argument("--quiet", action="store_true", help="no progress, no summary")
        add_store_option(p)
        p.set_defaults(handler=run, dataset=name)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one publish job and print its summary."""
    from publisher.publication.directory import DirectoryTarget
    from publisher.publication.run import publish_poi, publish_policy

    target_text = args.target or settings.publication_dir
    if "://" in target_text:
        raise ConfigError(f"unsupported publication target {target_text!r}: give a directory")
    target = DirectoryTarget(Path(target_text))
    engine = engine_for(args, settings)
    store = make_url(str(engine.url)).render_as_string(hide_password=True)
    as_of = args.as_of or brussels_today(settings)
    if args.dataset == "publish":
        report = publish_poi(engine, target, as_of, store=store,
                             retention_days=settings.retention_days, quiet=args.quiet)
    else:
        report = publish_policy(engine, target, as_of, store=store, quiet=args.quiet)
    if not args.quiet:
        print(report.summary(), file=sys.stderr)
        print(f"report: {target.reports / (report.run_id + '.json')}", file=sys.stderr)
    return EXIT_PUBLISHED
