"""What a public flag means on a date, and the operations that change a unit's history.

Pure functions over ``publisher.store.records``: no database, no session, no clock. The same
code decides a flag in the rule tests, the synthetic generator and the daily extraction.
"""

from publisher.rules.facts import (
    active_certificate,
    ca_expiry,
    has_open_claim,
    has_valid_ca,
    is_on_inventory,
    validity_years_for,
)

__all__ = [
    "active_certificate",
    "ca_expiry",
    "has_open_claim",
    "has_valid_ca",
    "is_on_inventory",
    "validity_years_for",
]
