"""The closed vocabularies of VLOK: unit types, statuses, decision kinds and reasons.

They live in the store because they are what VLOK holds; the rules import them (downhill).
Values are the Dutch terms VLOK users know, so a row read in ``psql`` speaks their language.
"""

from __future__ import annotations

from enum import StrEnum


class UnitType(StrEnum):
    """Kind of dwelling unit (entiteit): one self-contained type, three non-self-contained."""

    ZW = "zelfstandige woning"
    KAMER = "kamer"
    STUDENTENKAMER = "studentenkamer"
    KAMER_SEIZOENARBEIDER = "kamer seizoenarbeider"

    @property
    def is_room(self) -> bool:
        """Non-self-contained units (NZW) are the only ones that can be an ODK."""
        return self is not UnitType.ZW


class CertificateStatus(StrEnum):
    """A CA is public only once sent ("CA verstuurd"), never while drafted or being signed."""

    IN_OPMAAK = "CA in opmaak"
    TER_ONDERTEKENING = "CA ter ondertekening"
    #: Signed, waiting to be sent: still not public.
    TE_VERSTUREN = "CA te versturen"
    VERSTUURD = "CA verstuurd"


class Issuer(StrEnum):
    """Who issued a CA or took a decision."""

    BURGEMEESTER = "burgemeester"
    WONEN_VLAANDEREN = "Wonen-Vlaanderen"
    GEWESTELIJK_AMBTENAAR = "gewestelijk ambtenaar"


class LapseReason(StrEnum):
    """Why a CA lapsed (vervallen) or was withdrawn."""

    ONGESCHIKT = "ongeschikt verklaard"
    ONBEWOONBAAR = "onbewoonbaar verklaard"
    OVERBEWOOND = "overbewoond verklaard"
    ONBEWOONBAAR_NGW = "onbewoonbaar verklaard (NGW art. 135)"
    ONVERGUNDE_DOMICILIEKAMER = "onvergunde domiciliekamer"
    ZEER_INGRIJPENDE_WERKEN = "zeer ingrijpende werken"
    GESLOOPT = "gesloopt"
    INGETROKKEN = "ingetrokken"


class UnitEventKind(StrEnum):
    """Dated events on a unit that end its CAs by law (and, for demolition, its VIVOO periods)."""

    ZEER_INGRIJPENDE_WERKEN = "zeer ingrijpende werken"
    GESLOOPT = "gesloopt"


class DecisionKind(StrEnum):
    """Decisions of the mayor or the regional official; each says which list it enters."""

    ONGESCHIKT = "ongeschikt"
    ONBEWOONBAAR = "onbewoonbaar"
    OVERBEWOOND = "overbewoond"
    ONBEWOONBAAR_NGW = "onbewoonbaar NGW"


class InventoryList(StrEnum):
    """The two VIVOO lists: Vlaamse Codex Wonen and New Municipal Law."""

    VIVOO_OO = "VIVOO-OO"
    VIVOO_NGW = "VIVOO-NGW"


class RemovalReason(StrEnum):
    """Why a unit left VIVOO (reden van schrapping)."""

    CONFORMITEITSATTEST = "Conformiteitsattest"
    GESLOOPT = "Gesloopt"
    BESLUIT_VERNIETIGD = "Besluit vernietigd"
    OVERNAME_OUDE_GEGEVENS = "Overname oude gegevens"
    BESLUIT_OPGEHEVEN = "Besluit opgeheven"


class ProcedureKind(StrEnum):
    """Main procedure types in VLOK."""

    OO = "OO"  # ongeschikt- en onbewoonbaarverklaring
    CA = "CA"  # conformiteitsattest
    WS = "WS"  # waarschuwingsprocedure
    NGW = "NGW"  # besluit Nieuwe Gemeentewet
    WI = "WI"  # wooninspectie (strafrechtelijk, volledig afgeschermd)


class ProcedureStatus(StrEnum):
    """Statuses of (sub-)procedures used by the operations and the warning task."""

    GESTART = "Gestart"
    HERSTELTERMIJN_TOEGEKEND = "Hersteltermijn toegekend"
    HERSTEL_GEMELD = "Herstel gemeld"
    CA_TE_MAKEN = "CA te maken"
    HERSTELD = "Hersteld"
    CA_VERSTUURD = "CA verstuurd"
    BESLISSING_GELDIG = "Beslissing geldig"
    AFGESLOTEN = "Afgesloten"


class InvestigationResult(StrEnum):
    """Outcome of a conformity investigation (the defect details stay in the store)."""

    CONFORM = "conform"
    NIET_CONFORM = "niet conform"
    ONGESCHIKT = "ongeschikt"
    ONBEWOONBAAR = "onbewoonbaar"
    OVERBEWOOND = "overbewoond"


class RoleKind(StrEnum):
    """Roles a person plays towards a building, unit or procedure. Never published."""

    HOUDER_ZAKELIJK_RECHT = "houder zakelijk recht"
    BEWONER = "bewoner"
    AANVRAGER = "aanvrager"
    VERZOEKER = "verzoeker"
    WONINGCONTROLEUR = "woningcontroleur"
    WOONINSPECTEUR = "wooninspecteur"
    DOSSIERBEHEERDER = "dossierbeheerder"


class SigningFlow(StrEnum):
    """How a municipality signs CAs and decisions in VLOK."""

    MANUEEL = "manueel"
    DIGITAAL = "digitaal"
