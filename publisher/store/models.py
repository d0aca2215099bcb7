"""The VLOK procedure store: SQLAlchemy 2 models, the same on SQLite and PostgreSQL/PostGIS.

Tables mirror what VLOK holds, personal data included, because the product's promise is that the
*extraction* keeps it inside: tests plant canary persons and remarks here and search every output
for them. The schema is created and upgraded by Alembic (``publisher/store/migrations``); the
table list with one line per column is generated into ``docs/store-schema.md``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from publisher.store.geometry import Geometry
from publisher.store.vocabulary import (
    CertificateStatus,
    DecisionKind,
    InventoryList,
    InvestigationResult,
    Issuer,
    LapseReason,
    ProcedureKind,
    ProcedureStatus,
    RemovalReason,
    RoleKind,
    SigningFlow,
    UnitEventKind,
    UnitType,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(kind: type, name: str) -> Enum:
    """Store the Dutch value, checked by a constraint, portable across both databases."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=48,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """Declarative base with deterministic constraint names (Alembic needs them on SQLite)."""

    metadata = MetaData(naming_convention=NAMING)


# --- geography and identification -------------------------------------------------------------


class Municipality(Base):
    """A Flemish municipality (gemeente) after the 2025 mergers, keyed by NIS code."""

    __tablename__ = "municipality"
    niscode: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    province: Mapped[str] = mapped_column(String(40))
    boundary: Mapped[object | None] = mapped_column(Geometry("MULTIPOLYGON"))


class MunicipalityPostcode(Base):
    """Postal codes used in a municipality (a code can span a merger)."""

    __tablename__ = "municipality_postcode"
    niscode: Mapped[str] = mapped_column(ForeignKey("municipality.niscode"), primary_key=True)
    postcode: Mapped[str] = mapped_column(String(4), primary_key=True)


class Address(Base):
    """An address as in the Flemish address register (OSLO), positioned in Lambert 72."""

    __tablename__ = "address"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    adres_id: Mapped[str] = mapped_column(String(40), unique=True)
    straatnaam: Mapped[str] = mapped_column(String(120))
    huisnummer: Mapped[str] = mapped_column(String(12))
    busnummer: Mapped[str | None] = mapped_column(String(12))
    postcode: Mapped[str] = mapped_column(String(4), index=True)
    niscode: Mapped[str] = mapped_column(ForeignKey("municipality.niscode"), index=True)
    position: Mapped[object | None] = mapped_column(Geometry("POINT"))


class Parcel(Base):
    """A cadastral parcel. The store accepts any key; operations validate new ones."""

    __tablename__ = "parcel"
    capakey: Mapped[str] = mapped_column(String(24), primary_key=True)
    niscode: Mapped[str | None] = mapped_column(ForeignKey("municipality.niscode"))


class Building(Base):
    """A building (pand): one or more addresses and parcels, one or more units."""

    __tablename__ = "building"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    niscode: Mapped[str] = mapped_column(ForeignKey("municipality.niscode"), index=True)
    construction_year: Mapped[int | None] = mapped_column(Integer)


class BuildingAddress(Base):
    """Addresses of a building; ``is_main`` marks the one a building-level POI is placed at."""

    __tablename__ = "building_address"
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), primary_key=True)
    address_id: Mapped[int] = mapped_column(ForeignKey("address.id"), primary_key=True)
    is_main: Mapped[bool] = mapped_column(Boolean, default=False)


class BuildingParcel(Base):
    """Parcels a building stands on."""

    __tablename__ = "building_parcel"
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), primary_key=True)
    capakey: Mapped[str] = mapped_column(ForeignKey("parcel.capakey"), primary_key=True)
    __table_args__ = (Index("ix_building_parcel_capakey", "capakey"),)


class DwellingUnit(Base):
    """A dwelling unit (entiteit), e.g. ``EN18-016485``, with its ODK status if a room."""

    __tablename__ = "dwelling_unit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    address_id: Mapped[int] = mapped_column(ForeignKey("address.id"), index=True)
    unit_type: Mapped[UnitType] = mapped_column(_enum(UnitType, "unit_type"))
    odk_established: Mapped[date | None] = mapped_column(Date)
    odk_ended: Mapped[date | None] = mapped_column(Date)
    odk_end_reason: Mapped[str | None] = mapped_column(Text)


# --- persons: personal data that must never leave the store ------------------------------------


class Person(Base):
    """A natural person known to VLOK. Every column here is personal data."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    national_number: Mapped[str | None] = mapped_column(String(15))
    email: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(30))
    home_address: Mapped[str | None] = mapped_column(Text)


class Role(Base):
    """A person's role towards a building, a unit or a procedure."""

    __tablename__ = "role"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[RoleKind] = mapped_column(_enum(RoleKind, "role_kind"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("dwelling_unit.id"))
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))
    since: Mapped[date | None] = mapped_column(Date)
    #: The role ended (e.g. the owner sold the building); claims stay on the building.
    until: Mapped[date | None] = mapped_column(Date)


# --- procedures ---------------------------------------------------------------------------------


class Procedure(Base):
    """A main procedure on a building; the warning-procedure columns drive the daily task."""

    __tablename__ = "procedure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    kind: Mapped[ProcedureKind] = mapped_column(_enum(ProcedureKind, "procedure_kind"))
    status: Mapped[ProcedureStatus] = mapped_column(_enum(ProcedureStatus, "procedure_status"))
    request_date: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)
    closed_date: Mapped[date | None] = mapped_column(Date)
    info: Mapped[str | None] = mapped_column(String(120))
    first_investigation_date: Mapped[date | None] = mapped_column(Date)
    repair_deadline: Mapped[date | None] = mapped_column(Date)
    repair_reported_date: Mapped[date | None] = mapped_column(Date)
    recheck_date: Mapped[date | None] = mapped_column(Date)
    recheck_conform: Mapped[bool | None] = mapped_column(Boolean)


class SubProcedure(Base):
    """Per-unit part of a procedure (deelprocedure) with its own status."""

    __tablename__ = "sub_procedure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("dwelling_unit.id"), index=True)
    status: Mapped[ProcedureStatus] = mapped_column(_enum(ProcedureStatus, "sub_status"))


class Investigation(Base):
    """A conformity investigation. Defect points and details are confidential."""

    __tablename__ = "investigation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("dwelling_unit.id"))
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))
    investigation_date: Mapped[date] = mapped_column(Date)
    result: Mapped[InvestigationResult] = mapped_column(
        _enum(InvestigationResult, "investigation_result")
    )
    defect_points: Mapped[int] = mapped_column(Integer, default=0)
    signed: Mapped[bool] = mapped_column(Boolean, default=False)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    details: Mapped[str | None] = mapped_column(Text)


class Decision(Base):
    """A decision (besluit) on a unit: unfit, uninhabitable (also NGW) or overcrowded."""

    __tablename__ = "decision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("dwelling_unit.id"), index=True)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))
    decision_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[DecisionKind] = mapped_column(_enum(DecisionKind, "decision_kind"))
    issuer: Mapped[Issuer] = mapped_column(_enum(Issuer, "decision_issuer"))
    annulled_date: Mapped[date | None] = mapped_column(Date)
    motivation: Mapped[str | None] = mapped_column(Text)


class Certificate(Base):
    """A conformity certificate (conformiteitsattest, CA) of one unit."""

    __tablename__ = "certificate"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("dwelling_unit.id"), index=True)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))
    ca_date: Mapped[date] = mapped_column(Date)
    issuer: Mapped[Issuer] = mapped_column(_enum(Issuer, "ca_issuer"))
    status: Mapped[CertificateStatus] = mapped_column(_enum(CertificateStatus, "ca_status"))
    sent_date: Mapped[date | None] = mapped_column(Date)
    validity_years: Mapped[int] = mapped_column(Integer)
    expires_on: Mapped[date] = mapped_column(Date)
    lapse_date: Mapped[date | None] = mapped_column(Date)
    lapse_reason: Mapped[LapseReason | None] = mapped_column(_enum(LapseReason, "lapse_reason"))


class CertificateRefusal(Base):
    """A refusal decision on a CA request (weigering CA): the only outcome for an ODK room."""

    __tablename__ = "certificate_refusal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("dwelling_unit.id"), index=True)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))
    refusal_date: Mapped[date] = mapped_column(Date)
    issuer: Mapped[Issuer] = mapped_column(_enum(Issuer, "refusal_issuer"))
    motivation: Mapped[str | None] = mapped_column(Text)


class UnitEvent(Base):
    """A dated event on a unit that ends its CAs by law: very large works, demolition."""

    __tablename__ = "unit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("dwelling_unit.id"), index=True)
    kind: Mapped[UnitEventKind] = mapped_column(_enum(UnitEventKind, "unit_event_kind"))
    event_date: Mapped[date] = mapped_column(Date)


class InventoryEntry(Base):
    """One period of a unit on VIVOO (opname … schrapping); a unit can have several."""

    __tablename__ = "inventory_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("dwelling_unit.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))
    inventory_list: Mapped[InventoryList] = mapped_column(_enum(InventoryList, "inventory_list"))
    entry_date: Mapped[date] = mapped_column(Date)
    removal_date: Mapped[date | None] = mapped_column(Date)
    removal_reason: Mapped[RemovalReason | None] = mapped_column(
        _enum(RemovalReason, "removal_reason")
    )


class RestorationClaim(Base):
    """A restoration claim of the housing inspectorate; everything but existence is secret."""

    __tablename__ = "restoration_claim"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    filed_date: Mapped[date] = mapped_column(Date)
    repair_confirmed_date: Mapped[date | None] = mapped_column(Date)
    pv_number: Mapped[str | None] = mapped_column(String(40))
    court: Mapped[str | None] = mapped_column(String(120))
    details: Mapped[str | None] = mapped_column(Text)


class PolicyParameter(Base):
    """One version of a municipality's local housing-quality policy, from ``valid_from`` on."""

    __tablename__ = "policy_parameter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    niscode: Mapped[str] = mapped_column(ForeignKey("municipality.niscode"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    ca_compulsory: Mapped[bool] = mapped_column(Boolean, default=False)
    ca_compulsory_scope: Mapped[str | None] = mapped_column(String(120))
    ca_compulsory_built_before: Mapped[int | None] = mapped_column(Integer)
    minister_approval_date: Mapped[date | None] = mapped_column(Date)
    ca_validity_years: Mapped[int | None] = mapped_column(Integer)
    fee_per_dwelling: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    fee_per_room: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    fee_room_from: Mapped[int | None] = mapped_column(Integer)
    fee_cap: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    hearing_term_days: Mapped[int | None] = mapped_column(Integer)
    signing_flow: Mapped[SigningFlow] = mapped_column(_enum(SigningFlow, "signing_flow"))
    runs_procedures: Mapped[bool] = mapped_column(Boolean, default=False)
    levy_unfit: Mapped[bool] = mapped_column(Boolean, default=False)
    levy_vacancy: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (UniqueConstraint("niscode", "valid_from"),)


class Remark(Base):
    """Free-text remarks (opmerkingen) written by users: personal by nature, never published."""

    __tablename__ = "remark"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("dwelling_unit.id"))
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    written_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
