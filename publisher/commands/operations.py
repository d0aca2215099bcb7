"""``vlok-publisher op …``: the state-changing operations of the rules, on a live store.

Mostly for administrators and tests: each loads the unit or building, applies one rule
operation (which refuses unlawful histories), and writes the result in one transaction.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from sqlalchemy.orm import Session

from publisher.commands import add_store_option, brussels_today, engine_for, iso_date
from publisher.config import Settings
from publisher.errors import NotFound
from publisher.extract.warning_task import run_warning_task
from publisher.identifiers import validate_capakey
from publisher.rules import has_valid_ca, is_on_inventory, validity_years_for
from publisher.rules import operations as ops
from publisher.store import models as m
from publisher.store.dossiers import (
    StoreIds,
    building_id_for,
    load_claims,
    load_policies,
    load_unit,
    niscode_of_unit,
    save_claim,
    save_unit,
)
from publisher.store.records import Unit
from publisher.store.vocabulary import CertificateStatus, DecisionKind, Issuer, RemovalReason

DECISIONS = {"ongeschikt": DecisionKind.ONGESCHIKT, "onbewoonbaar": DecisionKind.ONBEWOONBAAR,
             "overbewoond": DecisionKind.OVERBEWOOND, "ngw": DecisionKind.ONBEWOONBAAR_NGW}
REMOVALS = {"gesloopt": RemovalReason.GESLOOPT, "overname": RemovalReason.OVERNAME_OUDE_GEGEVENS,
            "opgeheven": RemovalReason.BESLUIT_OPGEHEVEN}
ISSUERS = {"burgemeester": Issuer.BURGEMEESTER, "wonen": Issuer.WONEN_VLAANDEREN}
DRAFT_STATUSES = {"opmaak": CertificateStatus.IN_OPMAAK,
                  "ondertekening": CertificateStatus.TER_ONDERTEKENING,
                  "te-versturen": CertificateStatus.TE_VERSTUREN}

UnitOp = Callable[[Unit, argparse.Namespace, Session], Unit]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``op`` group."""
    group = sub.add_parser("op", help="apply one VLOK operation to the store")
    ops_sub = group.add_subparsers(dest="operation", required=True,
                                   parser_class=type(group))

    def unit_op(name: str, help_: str, fn: UnitOp) -> argparse.ArgumentParser:
        p = ops_sub.add_parser(name, help=help_)
        p.add_argument("--unit", required=True, help="unit reference, e.g. EN18-000001")
        p.add_argument("--date", required=True, type=iso_date, help="date of the act")
        add_store_option(p)
        p.set_defaults(handler=lambda a, s: _run_unit_op(a, s, fn))
        return p

    p = unit_op("issue-ca", "issue and send a conformity certificate", _issue_ca)
    p.add_argument("--sent", type=iso_date, help="date sent (default: the CA date)")
    p.add_argument("--issuer", choices=ISSUERS, default="burgemeester")
    p = unit_op("decide", "declare unfit, uninhabitable, overcrowded or NGW", _decide)
    p.add_argument("--kind", required=True, choices=DECISIONS)
    p = unit_op("annul", "annul a decision on appeal", _annul)
    p.add_argument("--decision", required=True, type=int, help="decision id")
    p = unit_op("remove", "remove from VIVOO for a reason other than a CA", _remove)
    p.add_argument("--reason", required=True, choices=REMOVALS)
    unit_op("demolish", "record a demolished unit",
            lambda u, a, s: ops.demolish(u, a.date, ids=StoreIds(s)))
    unit_op("works", "record very large works (zeer ingrijpende werken)",
            lambda u, a, s: ops.major_works(u, a.date, ids=StoreIds(s)))
    p = unit_op("draft-ca", "make a CA that is not sent yet", _draft_ca)
    p.add_argument("--status", choices=DRAFT_STATUSES, default="opmaak")
    p = unit_op("send-ca", "send a drafted or signed CA", _send_ca)
    p.add_argument("--certificate", required=True, type=int, help="certificate id")
    unit_op("refuse-ca", "refuse a CA (the only outcome for an ODK room)",
            lambda u, a, s: ops.refuse_ca(u, a.date, issuer=Issuer.BURGEMEESTER,
                                          ids=StoreIds(s)))
    p = unit_op("withdraw-ca", "withdraw a CA", _withdraw)
    p.add_argument("--certificate", required=True, type=int, help="certificate id")
    unit_op("odk", "establish an unlicensed domicile room",
            lambda u, a, s: ops.establish_odk(u, a.date, today=a.today))
    unit_op("end-odk", "end an unlicensed domicile room",
            lambda u, a, s: ops.end_odk(u, a.date, today=a.today))

    p = ops_sub.add_parser("file-claim", help="file a restoration claim on a building")
    _building_target(p)
    p.add_argument("--date", required=True, type=iso_date)
    add_store_option(p)
    p.set_defaults(handler=_file_claim)

    p = ops_sub.add_parser("confirm-repair", help="confirm the repair of a claim")
    p.add_argument("--claim", required=True, type=int)
    p.add_argument("--date", required=True, type=iso_date)
    add_store_option(p)
    p.set_defaults(handler=_confirm_repair)

    p = ops_sub.add_parser("link-parcel", help="record that a building stands on a parcel")
    p.add_argument("--building", required=True, help="building reference, e.g. PA18-000001")
    p.add_argument("--capakey", required=True, type=_capakey)
    add_store_option(p)
    p.set_defaults(handler=_link_parcel)

    p = ops_sub.add_parser("warning-task", help="run the daily warning-procedure task")
    p.add_argument("--today", type=iso_date, help="default: today in Brussels")
    add_store_option(p)
    p.set_defaults(handler=_warning_task)


def _capakey(text: str) -> str:
    try:
        return validate_capakey(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _building_target(p: argparse.ArgumentParser) -> None:
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--building", help="building reference")
    target.add_argument("--capakey", type=_capakey, help="a parcel the building stands on")


def _run_unit_op(args: argparse.Namespace, settings: Settings, fn: UnitOp) -> int:
    args.today = brussels_today(settings)
    with Session(engine_for(args, settings)) as session:
        unit = fn(load_unit(session, args.unit), args, session)
        save_unit(session, unit)
        session.commit()
        policies = load_policies(session, niscode_of_unit(session, unit))
    print(json.dumps({"unit": unit.reference, "as_of": str(args.date),
                      "Conformiteitsattest": has_valid_ca(unit, args.date, policies),
                      "VlaamseInventarisOngeschikteOnbewoonbareWoningen":
                          is_on_inventory(unit, args.date)}))
    return 0


def _issue_ca(unit: Unit, args: argparse.Namespace, session: Session) -> Unit:
    years = validity_years_for(load_policies(session, niscode_of_unit(session, unit)), args.date)
    return ops.issue_ca(unit, args.date, issuer=ISSUERS[args.issuer], validity_years=years,
                        ids=StoreIds(session), sent_date=args.sent)


def _draft_ca(unit: Unit, args: argparse.Namespace, session: Session) -> Unit:
    years = validity_years_for(load_policies(session, niscode_of_unit(session, unit)), args.date)
    return ops.draft_ca(unit, args.date, issuer=Issuer.BURGEMEESTER, validity_years=years,
                        ids=StoreIds(session), status=DRAFT_STATUSES[args.status])


def _send_ca(unit: Unit, args: argparse.Namespace, session: Session) -> Unit:
    return ops.send_ca(unit, args.certificate, args.date)


def _decide(unit: Unit, args: argparse.Namespace, session: Session) -> Unit:
    return ops.take_decision(unit, args.date, DECISIONS[args.kind], issuer=Issuer.BURGEMEESTER,
                             ids=StoreIds(session))


def _annul(unit: Unit, args: argparse.Namespace, session: Session) -> Unit:
    return ops.annul_decision(unit, args.decision, args.date)


def _remove(unit: Unit, args: argparse.Namespace, session: Session) -> Unit:
    return ops.remove_from_inventory(unit, args.date, REMOVALS[args.reason],
                                     ids=StoreIds(session))


def _withdraw(unit: Unit, args: argparse.Namespace, session: Session) -> Unit:
    return ops.withdraw_ca(unit, args.certificate, args.date)


def _file_claim(args: argparse.Namespace, settings: Settings) -> int:
    with Session(engine_for(args, settings)) as session:
        bid = building_id_for(session, reference=args.building, capakey=args.capakey)
        claim = ops.file_claim(bid, args.date, ids=StoreIds(session))
        save_claim(session, claim)
        session.commit()
    print(json.dumps({"claim": claim.id, "building_id": bid, "filed": str(claim.filed_date)}))
    return 0


def _confirm_repair(args: argparse.Namespace, settings: Settings) -> int:
    with Session(engine_for(args, settings)) as session:
        row = session.get(m.RestorationClaim, args.claim)
        if row is None:
            raise NotFound(f"no restoration claim with id {args.claim}")
        claim = next(c for c in load_claims(session, row.building_id) if c.id == args.claim)
        save_claim(session, ops.confirm_repair(claim, args.date))
        session.commit()
    print(json.dumps({"claim": args.claim, "repair_confirmed": str(args.date)}))
    return 0


def _link_parcel(args: argparse.Namespace, settings: Settings) -> int:
    with Session(engine_for(args, settings)) as session:
        bid = building_id_for(session, reference=args.building)
        if session.get(m.Parcel, args.capakey) is None:
            session.add(m.Parcel(capakey=args.capakey))
            session.flush()
        session.merge(m.BuildingParcel(building_id=bid, capakey=args.capakey))
        session.commit()
    print(json.dumps({"building": args.building, "capakey": args.capakey}))
    return 0


def _warning_task(args: argparse.Namespace, settings: Settings) -> int:
    today = args.today or brussels_today(settings)
    with Session(engine_for(args, settings)) as session:
        changed = run_warning_task(session, today)
        session.commit()
    print(json.dumps({"today": str(today), "changed": changed}))
    return 0

