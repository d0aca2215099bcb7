"""The smallest world a rule or command test needs: one municipality, address, building, unit.

Tests that record a single unit's history (the rule matrix, the property tests, the ``op`` and
``flags`` commands) start from it, so they agree on what "unit EN18-000001 in Gent" is.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from publisher.store import models as m
from publisher.store.records import Unit
from publisher.store.vocabulary import SigningFlow, UnitType

NISCODE = "44021"
UNIT_REFERENCE = "EN18-000001"
BUILDING_REFERENCE = "PA18-000001"


def one_unit(session: Session, unit_type: UnitType = UnitType.ZW,
             policies: tuple[tuple[date, int | None], ...] = ()) -> Unit:
    """Add Gent, Kerkstraat 1, building PA18-000001 and unit EN18-000001 (ids 1); flush.

    ``policies`` are (valid from, CA validity in years) versions of Gent's policy.
    """
    session.add(m.Municipality(niscode=NISCODE, name="Gent", province="Oost-Vlaanderen"))
    session.flush()
    session.add(m.Address(id=1, adres_id="200001", straatnaam="Kerkstraat", huisnummer="1",
                          postcode="9000", niscode=NISCODE))
    session.add(m.Building(id=1, reference=BUILDING_REFERENCE, niscode=NISCODE))
    session.flush()
    session.add(m.DwellingUnit(id=1, reference=UNIT_REFERENCE, building_id=1, address_id=1,
                               unit_type=unit_type))
    for n, (valid_from, years) in enumerate(policies, 1):
        session.add(m.PolicyParameter(id=n, niscode=NISCODE, valid_from=valid_from,
                                      ca_validity_years=years, signing_flow=SigningFlow.MANUEEL))
    session.flush()
    return Unit(id=1, reference=UNIT_REFERENCE, building_id=1, unit_type=unit_type,
                address_id=1, niscode=NISCODE)
