"""Read every unit's dated history for the extraction, row by row, quarantining bad rows.

The store may hold rows no operation would write: an import from the real VLOK, a migration or
a hand edit. Values are read raw (text on SQLite, native on PostgreSQL) and checked here, so one
unparseable date or unknown status cannot stop the run. A bad row is quarantined with its reason
and left out; what it could have changed decides which of the unit's flags are withheld:

- a bad certificate row is dropped alone (it can only add a CA, never take one away), so one
  bad old certificate does not hide the unit's valid current CA;
- a bad decision, event or ODK value could lapse any CA, so the unit's CA flag is withheld;
  a bad decision or entry could open or close a VIVOO period, so its VIVOO flag is withheld.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import String, select, type_coerce
from sqlalchemy.engine import Connection

from publisher.mapping import load_mapping
from publisher.rules.dates import add_years
from publisher.rules.facts import MAX_VALIDITY_YEARS, ODK_IN_FORCE
from publisher.store import models as m
from publisher.store.records import Certificate, Decision, InventoryEntry, Policy, Unit, UnitEvent
from publisher.store.vocabulary import (
    CertificateStatus,
    DecisionKind,
    InventoryList,
    Issuer,
    LapseReason,
    RemovalReason,
    UnitEventKind,
    UnitType,
)

#: Product names by their code in ``mappings/poi.yml`` (the one statement of what is published).
_BY_CODE = {product["code"]: name for name, product in load_mapping("poi").products.items()}
CA = _BY_CODE["CA"]
VIVOO = _BY_CODE["VIVOO"]
E = TypeVar("E", bound=StrEnum)


IMPOSSIBLE = "impossible dates"
UNREADABLE = "unreadable value"
BEYOND_MAXIMUM = "validity beyond the legal maximum"
NOT_ODK = "impossible ODK"


class BadRow(ValueError):
    """A stored value the rules cannot use; the message is safe to report (no personal data).

    ``str()`` is ``"category (detail)"``: the run report counts by category.
    """

    def __init__(self, category: str, detail: str) -> None:
        super().__init__(f"{category} ({detail})")


@dataclass
class UnitHistory:
    """A unit's usable history, the flags withheld and why, for the extraction."""

    unit: Unit
    withheld: dict[str, str] = field(default_factory=dict)  # product → reason
    dropped: list[str] = field(default_factory=list)  # reasons of dropped certificate rows


_DAYS: dict[str, date] = {}


def as_date(value: Any, what: str) -> date:
    """A stored date (``date`` on PostgreSQL, ISO text on SQLite) or :class:`BadRow`.

    Text dates are cached: a store has a few thousand distinct days and millions of rows.
    """
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        known = _DAYS.get(value)
        if known is not None:
            return known
        try:
            day = date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            day = None
        if day is not None:
            if len(_DAYS) < 100_000:
                _DAYS[value] = day
            return day
    return _bad(what, value)


def opt_date(value: Any, what: str) -> date | None:
    """Like :func:`as_date`, ``None`` allowed."""
    return None if value is None else as_date(value, what)


_MEMBERS: dict[type, dict[Any, Any]] = {}


def as_enum(kind: type[E], value: Any, what: str) -> E:
    """A stored vocabulary value or :class:`BadRow` (a dict lookup: this runs per row)."""
    members = _MEMBERS.get(kind)
    if members is None:
        members = _MEMBERS[kind] = {m.value: m for m in kind}  # type: ignore[attr-defined]
    found = members.get(value) if isinstance(value, str) else None
    return found if found is not None else _bad(what, value)


def _bad(what: str, value: Any) -> Any:
    shown = repr(value)
    raise BadRow(UNREADABLE, f"{what} {shown[:40]}{'…' if len(shown) > 40 else ''}")


def _raw(*columns: Any) -> list[Any]:
    """Select columns without SQLAlchemy's type processing (which raises on bad values)."""
    return [type_coerce(c, String).label(c.key) for c in columns]


def certificate(r: Any) -> Certificate:
    """A checked certificate row: lawful dates, status, at most 10 years of validity."""
    what = f"certificate {r.id}:"
    ca_date = as_date(r.ca_date, f"{what} date")
    expires = as_date(r.expires_on, f"{what} expires_on")
    years = int(r.validity_years) if str(r.validity_years or "").isdigit() else 0
    if not 1 <= years <= MAX_VALIDITY_YEARS:
        _bad(f"{what} validity_years", r.validity_years)
    if expires <= ca_date:
        raise BadRow(IMPOSSIBLE, f"{what} expires {expires}, not after its date {ca_date}")
    if expires > add_years(ca_date, MAX_VALIDITY_YEARS):
        raise BadRow(BEYOND_MAXIMUM, f"{what} expires {expires}, more than 10 years after "
                                     f"{ca_date}")
    sent = opt_date(r.sent_date, f"{what} sent_date")
    lapse = opt_date(r.lapse_date, f"{what} lapse_date")
    if sent and sent < ca_date:
        raise BadRow(IMPOSSIBLE, f"{what} sent {sent}, before its date {ca_date}")
    if lapse and lapse < ca_date:
        raise BadRow(IMPOSSIBLE, f"{what} lapses {lapse}, before its date {ca_date}")
    return Certificate(
        id=int(r.id), ca_date=ca_date, issuer=as_enum(Issuer, r.issuer, f"{what} issuer"),
        status=as_enum(CertificateStatus, r.status, f"{what} status"), validity_years=years,
        expires_on=expires, sent_date=sent, lapse_date=lapse,
        lapse_reason=None if r.lapse_reason is None else as_enum(
            LapseReason, r.lapse_reason, f"{what} lapse_reason"))


def decision(r: Any) -> Decision:
    """A checked decision row."""
    what = f"decision {r.id}:"
    decided = as_date(r.decision_date, f"{what} date")
    annulled = opt_date(r.annulled_date, f"{what} annulled_date")
    if annulled and annulled < decided:
        raise BadRow(IMPOSSIBLE, f"{what} annulled {annulled}, before the decision {decided}")
    return Decision(id=int(r.id), decision_date=decided,
                    kind=as_enum(DecisionKind, r.kind, f"{what} kind"),
                    issuer=as_enum(Issuer, r.issuer, f"{what} issuer"), annulled_date=annulled)


def entry(r: Any) -> InventoryEntry:
    """A checked VIVOO entry row."""
    what = f"inventory entry {r.id}:"
    entered = as_date(r.entry_date, f"{what} entry_date")
    removed = opt_date(r.removal_date, f"{what} removal_date")
    if removed and removed < entered:
        raise BadRow(IMPOSSIBLE, f"{what} removed {removed}, before its entry {entered}")
    return InventoryEntry(
        id=int(r.id), inventory_list=as_enum(InventoryList, r.inventory_list, f"{what} list"),
        entry_date=entered, removal_date=removed,
        removal_reason=None if r.removal_reason is None else as_enum(
            RemovalReason, r.removal_reason, f"{what} removal_reason"),
        decision_id=None if r.decision_id is None else int(r.decision_id))


def event(r: Any) -> UnitEvent:
    """A checked works/demolition row."""
    what = f"unit event {r.id}:"
    return UnitEvent(id=int(r.id), kind=as_enum(UnitEventKind, r.kind, f"{what} kind"),
                     event_date=as_date(r.event_date, f"{what} date"))


def _odk(h: Any, unit_type: UnitType | None) -> tuple[date | None, date | None]:
    what = f"unit {h.reference}:"
    established = opt_date(h.odk_established, f"{what} odk_established")
    ended = opt_date(h.odk_ended, f"{what} odk_ended")
    if established is None:
        if ended is not None:
            raise BadRow(NOT_ODK, f"{what} ODK ended {ended} but never established")
        return None, None
    if unit_type is not None and not unit_type.is_room:
        raise BadRow(NOT_ODK, f"{what} ODK on a {unit_type.value}")
    if established < ODK_IN_FORCE:
        raise BadRow(NOT_ODK, f"{what} ODK established {established}, before the rule "
                              f"({ODK_IN_FORCE})")
    if ended and ended < established:
        raise BadRow(IMPOSSIBLE, f"{what} ODK ended {ended}, before its establishment "
                                 f"{established}")
    return established, ended


CHILDREN = (  # table, converter, products a bad row withholds (CA rows are dropped alone)
    (m.Certificate, certificate, ()),
    (m.Decision, decision, (CA, VIVOO)),
    (m.InventoryEntry, entry, (VIVOO,)),
    (m.UnitEvent, event, (CA, VIVOO)),
)


def read_histories(conn: Connection, chunk_size: int = 20000) -> Iterator[UnitHistory]:
    """Every unit that has any dated history, in id order, in chunks of bounded memory."""
    u = m.DwellingUnit
    heads_query = select(u.id, u.reference, u.building_id, u.address_id, m.Building.niscode,
                         *_raw(u.unit_type, u.odk_established, u.odk_ended)
                         ).join(m.Building, m.Building.id == u.building_id).where(u.id.in_(
                             select(m.Certificate.unit_id).union(
                                 select(m.InventoryEntry.unit_id), select(m.Decision.unit_id),
                                 select(m.UnitEvent.unit_id))))
    last = 0
    while True:
        heads = conn.execute(heads_query.where(u.id > last).order_by(u.id)
                             .limit(chunk_size)).all()
        if not heads:
            return
        low, high = heads[0].id, heads[-1].id
        rows: dict[Any, dict[int, list]] = {}
        for model, convert, withholds in CHILDREN:
            per_unit: dict[int, list] = defaultdict(list)
            table = model.__table__
            cols = [c for c in table.c if c.key not in ("unit_id",)]
            for r in conn.execute(select(table.c.unit_id, *_raw(*cols)).where(
                    table.c.unit_id.between(low, high)).order_by(table.c.id)):
                try:
                    per_unit[r.unit_id].append(convert(r))
                except (BadRow, TypeError, ValueError) as exc:
                    per_unit[r.unit_id].append((withholds, str(exc)))
            rows[model] = per_unit
        for h in heads:
            yield _history(h, rows)
        last = high


def _history(h: Any, rows: dict[Any, dict[int, list]]) -> UnitHistory:
    withheld: dict[str, str] = {}
    dropped: list[str] = []
    good: dict[Any, list] = {}
    for model, _convert, _withholds in CHILDREN:
        good[model] = []
        for item in rows[model].get(h.id, ()):
            if isinstance(item, tuple):
                products, reason = item
                dropped += [reason] if not products else []
                for product in products:
                    withheld.setdefault(product, reason)
            else:
                good[model].append(item)
    unit_type = None
    try:
        unit_type = as_enum(UnitType, h.unit_type, f"unit {h.reference}: type")
        established, ended = _odk(h, unit_type)
    except BadRow as exc:
        withheld.setdefault(CA, str(exc))
        established, ended = None, None
    unit = Unit(id=h.id, reference=h.reference, building_id=h.building_id,
                unit_type=unit_type or UnitType.ZW, odk_established=established,
                odk_ended=ended, certificates=tuple(good[m.Certificate]),
                decisions=tuple(good[m.Decision]), entries=tuple(good[m.InventoryEntry]),
                events=tuple(good[m.UnitEvent]), address_id=h.address_id, niscode=h.niscode)
    return UnitHistory(unit, withheld, dropped)


def read_policies(conn: Connection) -> dict[str, list[Policy]]:
    """Every municipality's policy versions (validity in force on a CA date), bad rows skipped.

    A policy row with an unreadable date or validity is left out: the CA then gets the legal
    maximum only if no other version is in force, never more than 10 years.
    """
    p = m.PolicyParameter
    out: dict[str, list[Policy]] = defaultdict(list)
    for r in conn.execute(select(p.niscode, *_raw(p.valid_from, p.ca_validity_years))):
        try:
            years = r.ca_validity_years
            out[r.niscode].append(Policy(r.niscode, as_date(r.valid_from, "policy valid_from"),
                                         None if years is None else int(years)))
        except (BadRow, ValueError):
            continue
    return out
