"""``vlok-publisher demo``: build synthetic Flanders into a store."""

from __future__ import annotations

import argparse
import json

from sqlalchemy.engine import make_url

from publisher.commands import add_store_option, brussels_today, iso_date
from publisher.config import Settings
from publisher.store.db import normalise_url, open_engine


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demo`` command."""
    p = sub.add_parser("demo", help="fill a store with a deterministic synthetic Flanders")
    p.add_argument("--scale", help="tiny, small, medium, flanders or a number of dwelling units "
                                   "(default: setting demo_scale)")
    p.add_argument("--seed", type=int, help="random seed (default: setting demo_seed)")
    p.add_argument("--until", type=iso_date,
                   help="last day of the histories (default: today in Brussels)")
    p.add_argument("--replace", action="store_true",
                   help="drop an existing SQLite store file first (PostgreSQL: all tables)")
    p.add_argument("--if-empty", action="store_true",
                   help="do nothing when the store already holds a demo")
    p.add_argument("--json", action="store_true",
                   help="print the summary as one JSON line instead of aligned text")
    add_store_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Build the demo and print its summary (aligned text, or one JSON line with --json)."""
    from publisher.synthetic.generator import build_demo, parse_scale

    units = parse_scale(args.scale or settings.demo_scale)
    url = normalise_url(args.store or settings.store_url)
    if args.replace:
        _drop(url)
    engine = open_engine(url)
    if args.if_empty and _has_demo(engine):
        if args.json:
            print(json.dumps({"demo": "already present", "store": _safe(url)}))
        else:
            print(f"demo already present in {_safe(url)} (kept; --replace builds a new one)")
        return 0
    until = args.until or brussels_today(settings)
    summary = build_demo(engine, units=units, seed=args.seed if args.seed is not None
                         else settings.demo_seed, until=until)
    if args.json:
        print(json.dumps({"store": _safe(url), **summary.__dict__}))
    else:
        print(human_summary(summary, _safe(url), until))
    return 0


def human_summary(summary, store: str, until) -> str:
    """A few aligned lines: what was built, the flags on the last day, where and how long."""
    rows = [("dwelling units", summary.units), ("buildings", summary.buildings),
            ("valid conformity certificates", summary.valid_cas),
            ("on the inventory (VIVOO)", summary.on_vivoo),
            ("open restoration claims", summary.open_claims),
            ("public address register", summary.register_addresses)]
    width = max(len(label) for label, _ in rows)
    digits = max(len(f"{n:,}") for _, n in rows)
    lines = [f"synthetic Flanders built in {store}, histories until {until.isoformat()}"]
    lines += [f"  {label:<{width}}  {n:>{digits},}" for label, n in rows]
    lines.append(f"  {'time':<{width}}  {summary.seconds:.1f} s")
    return "\n".join(lines)


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _has_demo(engine) -> bool:
    from sqlalchemy import func, inspect, select

    from publisher.store.models import Municipality

    if "municipality" not in inspect(engine).get_table_names():
        return False
    with engine.connect() as conn:
        return bool(conn.scalar(select(func.count()).select_from(Municipality)))


def _drop(url: str) -> None:
    """Start over: delete the SQLite file, or drop every table on PostgreSQL."""
    from pathlib import Path

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    from sqlalchemy import text

    from publisher.store.models import Base

    engine = open_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
