"""Plain, immutable views of the histories the rules reason about.

The rules work on these records, never on ORM objects or sessions, so they stay pure and the
same code decides a flag in a unit test, in the synthetic generator and in the daily extraction.
``publisher.store.dossiers`` moves them in and out of the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from publisher.store.vocabulary import (
    CertificateStatus,
    DecisionKind,
    InventoryList,
    Issuer,
    LapseReason,
    ProcedureKind,
    ProcedureStatus,
    RemovalReason,
    UnitEventKind,
    UnitType,
)


@dataclass(frozen=True)
class Certificate:
    """A conformity certificate (CA) of one unit; ``expires_on`` is the first day it is gone."""

    id: int
    ca_date: date
    issuer: Issuer
    status: CertificateStatus
    validity_years: int
    expires_on: date
    sent_date: date | None = None
    lapse_date: date | None = None
    lapse_reason: LapseReason | None = None
    procedure_id: int | None = None


@dataclass(frozen=True)
class Decision:
    """A decision declaring a unit unfit, uninhabitable or overcrowded."""

    id: int
    decision_date: date
    kind: DecisionKind
    issuer: Issuer
    annulled_date: date | None = None
    procedure_id: int | None = None


@dataclass(frozen=True)
class InventoryEntry:
    """One period on a VIVOO list: entered on ``entry_date``, gone from ``removal_date`` on."""

    id: int
    inventory_list: InventoryList
    entry_date: date
    removal_date: date | None = None
    removal_reason: RemovalReason | None = None
    decision_id: int | None = None


@dataclass(frozen=True)
class UnitEvent:
    """Very large works or demolition of a unit on ``event_date``."""

    id: int
    kind: UnitEventKind
    event_date: date


@dataclass(frozen=True)
class Refusal:
    """A refused CA (weigering): recorded, never public, no effect on the flags."""

    id: int
    refusal_date: date
    issuer: Issuer
    procedure_id: int | None = None


@dataclass(frozen=True)
class Unit:
    """A dwelling unit with the histories that decide its two public flags."""

    id: int
    reference: str
    building_id: int
    unit_type: UnitType
    odk_established: date | None = None
    odk_ended: date | None = None
    certificates: tuple[Certificate, ...] = ()
    decisions: tuple[Decision, ...] = ()
    entries: tuple[InventoryEntry, ...] = ()
    events: tuple[UnitEvent, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    #: Where the unit is published; not part of its legal history, so not compared.
    address_id: int | None = field(default=None, compare=False)
    #: Municipality of the building: whose policy decides CA validity. Not compared.
    niscode: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Claim:
    """A restoration claim (herstelvordering) on a building; only its existence is public."""

    id: int
    building_id: int
    filed_date: date
    repair_confirmed_date: date | None = None


@dataclass(frozen=True)
class Policy:
    """One version of a municipality's housing-quality policy, in force from ``valid_from``."""

    niscode: str
    valid_from: date
    ca_validity_years: int | None = None


@dataclass(frozen=True)
class WarningProcedure:
    """A warning procedure (waarschuwingsprocedure) and, once converted, the OO it became."""

    id: int
    building_id: int
    unit_ids: tuple[int, ...]
    report_date: date
    kind: ProcedureKind = ProcedureKind.WS
    status: ProcedureStatus = ProcedureStatus.GESTART
    first_investigation_date: date | None = None
    repair_deadline: date | None = None
    repair_reported_date: date | None = None
    recheck_date: date | None = None
    recheck_conform: bool | None = None
    start_date: date | None = None
    info: str | None = None
    closed_date: date | None = None
