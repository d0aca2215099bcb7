"""``vlok-publisher db upgrade`` and ``vlok-publisher flags``: the store and its facts."""

from __future__ import annotations

import argparse
import json

from publisher.commands import add_store_option, brussels_today, engine_for, iso_date
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
    """Print one unit's flags with the facts that made them, or the totals, as JSON."""
    from sqlalchemy.orm import Session

    from publisher.extract.poi import extract_poi
    from publisher.rules import has_open_claim, has_valid_ca, is_on_inventory
    from publisher.rules.explain import explain_ca, explain_claims, explain_inventory
    from publisher.store.dossiers import load_claims, load_policies, load_unit

    on = args.as_of or brussels_today(settings)
    engine = engine_for(args, settings)
    if args.unit:
        with Session(engine) as session:
            unit = load_unit(session, args.unit)
            policies = load_policies(session, unit.niscode) if unit.niscode else []
            claims = load_claims(session, unit.building_id)
        print(json.dumps({
            "unit": unit.reference, "as_of": str(on),
            "Conformiteitsattest": has_valid_ca(unit, on, policies),
            "VlaamseInventarisOngeschikteOnbewoonbareWoningen": is_on_inventory(unit, on),
            "RegisterHerstelvorderingen": has_open_claim(claims, on),
            "why": {"Conformiteitsattest": explain_ca(unit, on, policies),
                    "VlaamseInventarisOngeschikteOnbewoonbareWoningen":
                        explain_inventory(unit, on),
                    "RegisterHerstelvorderingen": explain_claims(claims, on)},
        }, ensure_ascii=False, indent=2))
        return 0
    with engine.connect() as conn:
        extraction = extract_poi(conn, on)
    print(json.dumps({"as_of": str(on), **extraction.counts(),
                      "quarantined": len(extraction.quarantined)}))
    return 0
