"""The allow-list: ``mappings/*.yml`` say, field by field, what may leave the store.

A mapping is validated when loaded (unique names, Shapefile short names of at most 10 ASCII
characters, known types, sources from the small set the extraction can fill), so a typo fails
the run instead of publishing something unintended.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from publisher.errors import ConfigError

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"
TYPES = {"string", "integer", "real", "date", "boolean"}
#: Everything a mapping may name as a source. None of these can reach a person.
SOURCES = {
    "derived.poid", "run.as_of", "address.position", "address.straatnaam", "address.huisnummer",
    "address.busnummer", "address.postcode", "address.niscode", "address.adres_id",
    "municipality.name", "municipality.niscode", "municipality.province",
    "municipality.boundary", "parcel.capakey",
    "product.name", "product.code", "product.poitype", "product.categorie", "product.naam",
    "product.omschr", "product.link",
    "policy.valid_from", "policy.ca_compulsory", "policy.ca_compulsory_scope",
    "policy.ca_compulsory_built_before", "policy.minister_approval_date",
    "policy.ca_validity_years_effective", "policy.fee_per_dwelling", "policy.fee_per_room",
    "policy.fee_room_from", "policy.fee_cap", "policy.hearing_term_days",
    "policy.signing_flow", "policy.runs_procedures", "policy.levy_unfit", "policy.levy_vacancy",
}


@dataclass(frozen=True)
class Field:
    """One published attribute."""

    name: str
    type: str
    short: str
    source: str
    description: str
    width: int | None = None


@dataclass(frozen=True)
class Mapping:
    """A published layer: its fields, geometry and (for POI) the product constants."""

    layer: str
    geometry_name: str
    geometry_type: str
    fields: tuple[Field, ...]
    products: dict[str, dict[str, Any]]
    digest: str

    @property
    def names(self) -> tuple[str, ...]:
        """Field names in publication order."""
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        return next(f for f in self.fields if f.name == name)


@cache
def load_mapping(name: str) -> Mapping:
    """Load and validate ``mappings/<name>.yml``."""
    path = MAPPINGS / f"{name}.yml"
    raw_text = path.read_text(encoding="utf-8")
    raw = yaml.safe_load(raw_text)
    fields = tuple(Field(**f) for f in raw["fields"])
    problems = []
    names = [f.name for f in fields]
    shorts = [f.short for f in fields]
    if len(set(names)) != len(names):
        problems.append("duplicate field names")
    if len(set(shorts)) != len(shorts):
        problems.append("duplicate Shapefile short names")
    for f in fields:
        if f.type not in TYPES:
            problems.append(f"{f.name}: unknown type {f.type!r}")
        if f.source not in SOURCES:
            problems.append(f"{f.name}: source {f.source!r} is not an allowed source")
        if len(f.short) > 10 or not f.short.isascii():
            problems.append(f"{f.name}: Shapefile name {f.short!r} is not ≤10 ASCII characters")
        if f.type == "string" and not f.width:
            problems.append(f"{f.name}: string fields need a width")
    if raw["geometry"]["source"] not in SOURCES:
        problems.append("geometry source not allowed")
    if problems:
        raise ConfigError(f"mapping {path.name} is invalid: {'; '.join(problems)}")
    return Mapping(layer=raw["layer"], geometry_name=raw["geometry"]["name"],
                   geometry_type=raw["geometry"]["type"], fields=fields,
                   products=raw.get("products", {}),
                   digest=hashlib.sha256(raw_text.encode()).hexdigest()[:16])
