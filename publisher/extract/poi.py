"""Extract the POI features as of a date, each at its address point.

One feature per unit with a valid CA, one per unit on VIVOO, one per building with an open
restoration claim.

Reads only what the rules and the mapping need (histories, addresses, parcels, municipality
names); persons, remarks and secret details are never selected. Rows that cannot be published
correctly are quarantined with a reason instead of stopping the run.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import shapely
from sqlalchemy import LargeBinary, String, func, select, type_coerce
from sqlalchemy.engine import Connection

from publisher.extract.histories import (
    CA,
    IMPOSSIBLE,
    VIVOO,
    BadRow,
    as_date,
    opt_date,
    read_histories,
)
from publisher.extract.histories import read_policies as _read_policies
from publisher.identifiers import is_capakey
from publisher.mapping import Mapping, load_mapping
from publisher.rules import has_open_claim, has_valid_ca, is_on_inventory
from publisher.store import models as m
from publisher.store.records import Claim

HV = next(name for name, product in load_mapping("poi").products.items()
          if product["code"] == "HV")
PRODUCTS = (CA, VIVOO, HV)
CHUNK = 5000


@dataclass
class Quarantined:
    """A row kept out of the publication, and why (for the run report; no personal data)."""

    product: str
    subject: str
    reason: str


@dataclass
class Extraction:
    """Features in publication order, plus what was quarantined."""

    as_of: date
    features: list[dict[str, Any]]
    xy: np.ndarray
    parcels: list[tuple[str, str]]
    quarantined: list[Quarantined] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Features per product."""
        out = dict.fromkeys(PRODUCTS, 0)
        for f in self.features:
            out[f["PRODUCT"]] += 1
        return out


def poid(code: str, reference: str) -> str:
    """Stable, opaque identity of a fact: same product and dwelling → same POID every day."""
    return f"{code}_{hashlib.sha256(f'{code}|{reference}'.encode()).hexdigest()[:16]}"


def extract_poi(conn: Connection, as_of: date, mapping: Mapping | None = None) -> Extraction:
    """Decide the flags as of ``as_of`` and build the mapped features."""
    mapping = mapping or load_mapping("poi")
    quarantine: list[Quarantined] = []
    candidates: list[tuple[str, str, int, int]] = []  # product, reference, address, building
    policies = _read_policies(conn)
    flags = ((CA, lambda u, d: has_valid_ca(u, d, policies.get(u.niscode, ()))),
             (VIVOO, is_on_inventory))
    for history in read_histories(conn, 50000):
        unit = history.unit
        quarantine += [Quarantined(CA, unit.reference, why) for why in history.dropped]
        for product, flag in flags:
            if product in history.withheld:
                quarantine.append(Quarantined(product, unit.reference,
                                              history.withheld[product]))
            elif flag(unit, as_of):
                candidates.append((product, unit.reference, unit.address_id, unit.building_id))
    candidates += _claim_candidates(conn, as_of, quarantine)
    addresses = _addresses(conn, {c[2] for c in candidates})
    parcels = _parcels(conn, {c[3] for c in candidates})
    names = dict(conn.execute(select(m.Municipality.niscode, m.Municipality.name)).all())
    flanders = _flanders(conn)

    rows, positions, parcel_rows = [], [], []
    for product, reference, address_id, building_id in candidates:
        spec = mapping.products[product]
        address = addresses.get(address_id)
        keys = parcels.get(building_id, [])
        reason = None
        if address is None or address["x"] is None:
            reason = "address without position"
        elif not shapely.contains_xy(flanders, address["x"], address["y"]):
            reason = "address outside Flanders"
        elif not keys:
            reason = "building without parcel"
        elif any(not is_capakey(k) for k in keys):
            reason = "malformed capakey"
        if reason:
            quarantine.append(Quarantined(product, reference, reason))
            continue
        sources = {
            "derived.poid": poid(spec["code"], reference), "run.as_of": as_of,
            "product.name": product,
            "parcel.capakey": min(keys), "municipality.name": names.get(address["niscode"]),
            **{f"product.{k}": v for k, v in spec.items()},
            **{f"address.{k}": v for k, v in address.items()},
        }
        row = {f.name: sources[f.source] for f in mapping.fields}
        too_long = next((f for f in mapping.fields if f.width and isinstance(row[f.name], str)
                         and len(row[f.name]) > f.width), None)
        if too_long:
            quarantine.append(Quarantined(product, reference, f"{too_long.name} longer than "
                                          f"{too_long.width} characters"))
            continue
        rows.append(row)
        positions.append((address["x"], address["y"]))
        parcel_rows += [(rows[-1]["POID"], k) for k in keys]
    order = sorted(range(len(rows)), key=lambda i: _sort_key(rows[i]))
    return Extraction(
        as_of=as_of, features=[rows[i] for i in order],
        xy=np.array([positions[i] for i in order], dtype=float).reshape(-1, 2),
        parcels=sorted(parcel_rows), quarantined=quarantine)


def _sort_key(row: dict[str, Any]) -> tuple:
    """Publication order: by product, then as a person reads a list of addresses."""
    number = row["HUISNUMMER"] or ""
    digits = "".join(ch for ch in number if ch.isdigit())
    return (PRODUCTS.index(row["PRODUCT"]), row["NISCODE"] or "", row["POSTCODE"] or "",
            row["STRAAT"] or "", int(digits or 0), number, row["BUSNUMMER"] or "", row["POID"])


def _claim_candidates(conn: Connection, as_of: date, quarantine: list[Quarantined]
                      ) -> list[tuple[str, str, int, int]]:
    """Buildings with an open claim, placed at their one main address."""
    claims: dict[int, list[Claim]] = defaultdict(list)
    broken: dict[int, str] = {}
    rc = m.RestorationClaim
    for row in conn.execute(select(rc.id, rc.building_id, type_coerce(rc.filed_date, String),
                                   type_coerce(rc.repair_confirmed_date, String))):
        try:
            filed = as_date(row[2], f"claim {row.id}: filed_date")
            repaired = opt_date(row[3], f"claim {row.id}: repair_confirmed_date")
            if repaired and repaired < filed:
                raise BadRow(IMPOSSIBLE, f"claim {row.id}: repaired {repaired}, "
                                         f"before filing {filed}")
            claims[row.building_id].append(Claim(row.id, row.building_id, filed, repaired))
        except BadRow as exc:
            broken.setdefault(row.building_id, str(exc))
    for building_id, why in broken.items():
        quarantine.append(Quarantined(HV, f"building {building_id}", why))
    open_buildings = sorted(b for b, history in claims.items()
                            if b not in broken and has_open_claim(history, as_of))
    out = []
    for chunk in _chunks(open_buildings):
        mains: dict[int, list[int]] = defaultdict(list)
        references: dict[int, str] = {}
        for row in conn.execute(
            select(m.Building.id, m.Building.reference, m.BuildingAddress.address_id)
            .outerjoin(m.BuildingAddress, (m.BuildingAddress.building_id == m.Building.id)
                       & m.BuildingAddress.is_main)
            .where(m.Building.id.in_(chunk))
        ):
            references[row.id] = row.reference
            if row.address_id is not None:
                mains[row.id].append(row.address_id)
        for building_id in chunk:
            reference = references.get(building_id, f"building {building_id}")
            found = mains.get(building_id, [])
            if len(found) == 1:
                out.append((HV, reference, found[0], building_id))
            else:
                why = "building without main address" if not found else \
                    f"building with {len(found)} main addresses"
                quarantine.append(Quarantined(HV, reference, why))
    return out


def _addresses(conn: Connection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Address fields and x/y for the given ids (positions decoded in bulk, not per row)."""
    pos = m.Address.__table__.c.position
    postgis = conn.dialect.name == "postgresql"
    xy_cols = ([func.ST_X(pos), func.ST_Y(pos)] if postgis
               else [type_coerce(pos, LargeBinary)])
    out: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(sorted(ids)):
        rows = conn.execute(
            select(m.Address.id, m.Address.straatnaam, m.Address.huisnummer,
                   m.Address.busnummer, m.Address.postcode, m.Address.niscode,
                   m.Address.adres_id, *xy_cols).where(m.Address.id.in_(chunk))).all()
        if postgis:
            coords = [(r[7], r[8]) for r in rows]
        else:
            geoms = shapely.from_wkb(np.array([r[7] for r in rows], dtype=object),
                                   on_invalid="ignore")
            coords = [(None, None) if g is None else (shapely.get_x(g), shapely.get_y(g))
                      for g in geoms]
        for r, (x, y) in zip(rows, coords, strict=True):
            out[r[0]] = {"straatnaam": r[1], "huisnummer": r[2], "busnummer": r[3],
                         "postcode": r[4], "niscode": r[5], "adres_id": r[6],
                         "x": None if x is None else float(x),
                         "y": None if y is None else float(y)}
    return out


def _parcels(conn: Connection, building_ids: Iterable[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(sorted(building_ids)):
        for bid, key in conn.execute(select(m.BuildingParcel.building_id,
                                            m.BuildingParcel.capakey)
                                     .where(m.BuildingParcel.building_id.in_(chunk))):
            out[bid].append(key)
    return out


def _flanders(conn: Connection) -> shapely.Geometry:
    """The Flemish Region as the union of the store's municipality boundaries (prepared)."""
    boundaries = conn.execute(select(m.Municipality.boundary)).scalars().all()
    region = shapely.union_all([b for b in boundaries if b is not None])
    shapely.prepare(region)
    return region


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]
