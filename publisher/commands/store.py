"""``vlok-publisher db upgrade`` and ``vlok-publisher flags``: the store and its facts."""

from __future__ import annotations

import argparse
import json

from publisher.cli import brussels_today, iso_date
from publisher.commands import add_store_option, engine_for
from publisher.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``db`` and ``flags``."""
    db = sub.add_parser("db", help="create or upgrade the store schema (Alembic)")
    db.add_argument("action", choices=["upgrade"])
    add_store_option(db)
    db.set_defaults(handler=upgrade)

    flags = sub.add_parser("flags", help="count the three public flags as of a date")
    flags.add_argument("--as-of", type=iso_date, help="date (default: today in Brussels)")
    flags.add_argument("--unit", help="show one unit's flags (reference, e.g. EN18-000001)")
    add_store_option(flags)
    flags.set_defaults(handler=show_flags)


def upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Apply all migrations."""
    from publisher.store.migrate import upgrade as do_upgrade

    do_upgrade(engine_for(args, settings))
    print("store schema is up to date")
    return 0


def show_flags(args: argparse.Namespace, settings: Settings) -> int:
    """Print the flags of one unit, or the totals, as JSON."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from publisher.rules import has_open_claim, has_valid_ca, is_on_inventory
    from publisher.store import models as m
    from publisher.store.dossiers import iter_units, load_unit
    from publisher.store.records import Claim

    on = args.as_of or brussels_today(settings)
    engine = engine_for(args, settings)
    if args.unit:
        with Session(engine) as session:
            unit = load_unit(session, args.unit)
        print(json.dumps({"unit": unit.reference, "as_of": str(on),
                          "Conformiteitsattest": has_valid_ca(unit, on),
                          "VlaamseInventarisOngeschikteOnbewoonbareWoningen":
                              is_on_inventory(unit, on)}))
        return 0
    with engine.connect() as conn:
        cas = vivoo = units = 0
        for unit in iter_units(conn):
            units += 1
            cas += has_valid_ca(unit, on)
            vivoo += is_on_inventory(unit, on)
        claims: dict[int, list[Claim]] = {}
        for row in conn.execute(select(m.RestorationClaim.id, m.RestorationClaim.building_id,
                                       m.RestorationClaim.filed_date,
                                       m.RestorationClaim.repair_confirmed_date)):
            claims.setdefault(row.building_id, []).append(Claim(*row))
    open_claims = sum(has_open_claim(c, on) for c in claims.values())
    print(json.dumps({"as_of": str(on), "units": units, "Conformiteitsattest": cas,
                      "VlaamseInventarisOngeschikteOnbewoonbareWoningen": vivoo,
                      "RegisterHerstelvorderingen": open_claims}))
    return 0
