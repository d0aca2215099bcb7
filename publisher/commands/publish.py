"""``vlok-publisher publish`` (daily POI) and ``publish-parameters`` (monthly policy)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from publisher.commands import add_store_option, brussels_today, engine_for, iso_date
from publisher.config import Settings
from publisher.errors import ConfigError

#: Exit codes of the publish commands (README "Exit codes").
EXIT_PUBLISHED = 0
EXIT_FOLLOW_UP_FAILED = 7


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``publish`` and ``publish-parameters``."""
    for name, help_ in (("publish", "daily: the three POI products as of a date"),
                        ("publish-parameters", "monthly: local housing-quality policy")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("--as-of", type=iso_date, help="date of the facts (default: today in "
                                                      "Brussels)")
        p.add_argument("--target", metavar="DIR|URL",
                       help="publication directory, or postgresql+psycopg:// URL of the PostGIS "
                            "publication store (default: setting publication_dir)")
        p.add_argument("--quiet", action="store_true", help="no progress, no summary")
        add_store_option(p)
        p.set_defaults(handler=run, dataset=name)


def open_target(text: str, files_dir: Path | None = None):
    """A directory, or a PostgreSQL URL for the PostGIS publication store.

    With PostGIS, ``files_dir`` (setting ``files_dir``) receives the download files.
    """
    if "://" not in text:
        from publisher.publication.directory import DirectoryTarget

        return DirectoryTarget(Path(text))
    if not text.startswith(("postgresql", "postgres")):
        raise ConfigError(f"unsupported publication target {text!r}: give a directory or a "
                          "postgresql+psycopg:// URL")
    from publisher.publication.postgis import PostGISTarget
    from publisher.store.db import open_engine

    return PostGISTarget(open_engine(text), mirror_dir=files_dir)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one publish job and print its summary."""
    from publisher.publication.run import publish_poi, publish_policy
    from publisher.store.migrate import has_schema, upgrade

    engine = engine_for(args, settings)
    if has_schema(engine):
        # The job writes to the store (the warning task), so it brings an older store's schema
        # up to date first, as every writing entry point does.
        upgrade(engine)
    target = open_target(args.target or settings.publication_dir, Path(settings.files_dir))
    store = make_url(str(engine.url)).render_as_string(hide_password=True)
    as_of = args.as_of or brussels_today(settings)
    follow_up = downloads_after_switch(target, as_of, settings.retention_days, args.quiet)
    if args.dataset == "publish":
        report = publish_poi(engine, target, as_of, store=store,
                             retention_days=settings.retention_days, quiet=args.quiet,
                             after_switch=follow_up)
    else:
        report = publish_policy(engine, target, as_of, store=store, quiet=args.quiet,
                                after_switch=follow_up)
    if not args.quiet:
        print(report.summary(), file=sys.stderr)
        print(f"report: {report.run_id} in {target.describe()}", file=sys.stderr)
    if report.follow_up_error:
        print(f"vlok-publisher: error: published, but writing the downloads failed: "
              f"{report.follow_up_error}", file=sys.stderr)
        return EXIT_FOLLOW_UP_FAILED
    return EXIT_PUBLISHED


def downloads_after_switch(target, as_of, keep_days: int, quiet: bool):
    """The daily files follow every publication.

    A directory target keeps them beside its publications; a PostGIS target writes them from
    its GeoPackage mirror into its ``mirror_dir`` (setting ``files_dir``), then drops the mirror.
    The returned function takes the date and run from the publication it is given, not from
    ``as_of`` (kept for callers): the next run also uses it to complete a run that died after
    its switch, whose day may be an earlier one.
    """
    from publisher.publication.directory import DirectoryTarget

    if isinstance(target, DirectoryTarget):
        root = target.root
    elif getattr(target, "mirror_dir", None) is not None:
        root = target.mirror_dir
    else:
        return ldes_after_switch(target)

    def export(current, changes, report) -> None:
        from publisher.downloads import export_downloads, prune_downloads

        source = current.path if isinstance(target, DirectoryTarget) \
            else target.mirror_file(current.dataset, current.run_id)
        export_downloads(root, current.dataset, source, current.as_of, current.run_id, changes,
                         quiet=quiet, previous_run_id=report.previous_run,
                         previous_as_of=report.previous_as_of)
        prune_downloads(root, keep_days, current.as_of)
        if not isinstance(target, DirectoryTarget):
            source.unlink(missing_ok=True)
        ldes_after_switch(target)(current, changes, report)

    return export


def ldes_after_switch(target):
    """The event stream follows every POI publication (a no-op for the policy dataset).

    Idempotent: it appends the runs not in the stream yet, so completing a dead run's
    follow-up, or the first publish after an upgrade (the backfill), write what is missing.
    """

    def append(current, changes, report) -> None:
        if current.dataset != "poi":
            return
        from publisher.publication.ldes import write_stream

        serving = target.current("poi")
        location = None if serving is None else (
            str(serving.location.relative_to(target.root)) if hasattr(target, "root")
            else serving.location)
        write_stream(target, location)

    return append
