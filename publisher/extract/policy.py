"""Extract the monthly policy dataset: each municipality with the policy in force on a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.engine import Connection

from publisher.mapping import Mapping, load_mapping
from publisher.rules.facts import MAX_VALIDITY_YEARS
from publisher.store import models as m


@dataclass
class PolicyExtraction:
    """One feature per municipality, with its boundary as WKB and its bounds."""

    as_of: date
    features: list[dict[str, Any]]
    wkbs: list[bytes]
    bounds: list[tuple[float, float, float, float]]

    def counts(self) -> dict[str, int]:
        """Municipalities published."""
        return {"Woningkwaliteitsbeleid": len(self.features)}


def extract_policy(conn: Connection, as_of: date, mapping: Mapping | None = None
                   ) -> PolicyExtraction:
    """Municipalities in NIS-code order with the policy version valid on ``as_of``."""
    mapping = mapping or load_mapping("woningkwaliteitsbeleid")
    versions: dict[str, Any] = {}
    for row in conn.execute(select(m.PolicyParameter).where(m.PolicyParameter.valid_from
                                                            <= as_of)
                            .order_by(m.PolicyParameter.niscode, m.PolicyParameter.valid_from)):
        versions[row.niscode] = row  # the last one in force wins
    features, wkbs, bounds = [], [], []
    for mu in conn.execute(select(m.Municipality).order_by(m.Municipality.niscode)):
        if mu.boundary is None:
            continue
        policy = versions.get(mu.niscode)
        sources: dict[str, Any] = {
            "municipality.niscode": mu.niscode, "municipality.name": mu.name,
            "municipality.province": mu.province, "run.as_of": as_of,
        }
        if policy is not None:
            years = policy.ca_validity_years
            sources.update({f"policy.{c}": getattr(policy, c) for c in (
                "valid_from", "ca_compulsory", "ca_compulsory_scope",
                "ca_compulsory_built_before", "minister_approval_date", "fee_per_dwelling",
                "fee_per_room", "fee_room_from", "fee_cap", "hearing_term_days",
                "signing_flow", "runs_procedures", "levy_unfit", "levy_vacancy")})
            sources["policy.ca_validity_years_effective"] = (
                MAX_VALIDITY_YEARS if not years or years <= 0 else min(years, MAX_VALIDITY_YEARS))
        feature = {}
        for f in mapping.fields:
            value = sources.get(f.source)
            if f.type == "real" and value is not None:
                value = float(value)
            elif f.source == "policy.signing_flow" and value is not None:
                value = value.value
            feature[f.name] = value
        features.append(feature)
        wkbs.append(shapely.to_wkb(mu.boundary))
        bounds.append(tuple(shapely.bounds(mu.boundary).tolist()))
    return PolicyExtraction(as_of, features, wkbs, bounds)
