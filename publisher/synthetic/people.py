"""Synthetic persons, and the canary values that must never leave the store.

Names are common Flemish ones; national register numbers carry a valid mod-97 check so they
look real to any validator. The canaries are fixed, documented values (``docs/canaries.md``)
planted on dwellings that *are* published, so a leaking join would carry them out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

FIRST_NAMES = (
    "Jan", "Marc", "Luc", "Peter", "Koen", "Tom", "Bart", "Wim", "Dirk", "Geert", "Jef", "Lieven",
    "Maarten", "Pieter", "Stijn", "Wout", "Arne", "Lars", "Noah", "Louis", "Liam", "Mohamed",
    "Anna", "Marie", "Els", "An", "Katrien", "Sofie", "Lien", "Griet", "Hilde", "Veerle",
    "Nathalie", "Emma", "Olivia", "Louise", "Elise", "Fatima", "Yasmina", "Noor", "Chloë",
    "Zoë", "Renée", "Anaïs", "Jonas", "Ruben", "Senne", "Jozef", "Maria", "Agnes",
)
LAST_NAMES = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
    "Wouters", "De Smet", "Dubois", "Vermeulen", "Van den Broeck", "Hermans", "Pauwels",
    "De Clercq", "Michiels", "Aerts", "Van Damme", "De Backer", "Lambrechts", "Verstraete",
    "Desmet", "Claeys", "Wuyts", "Smets", "Van Dyck", "De Wilde", "Verhoeven", "Martens",
    "Coppens", "Stevens", "Bogaerts", "Devos", "Verbeke", "Vandenberghe", "Thijs", "Segers",
    "Cools", "Baert", "Declercq", "Van de Velde", "Mahieu", "Şahin", "El Amrani", "Nuyts",
    "Vanneste", "D'Hondt", "Sleeuwaert", "Van Acker",
)


@dataclass(frozen=True)
class Canary:
    """A planted personal value and where it sits in the store."""

    kind: str
    value: str
    table: str
    column: str


#: Planted in every demo store, on published dwellings. Search outputs for these.
CANARIES: tuple[Canary, ...] = (
    Canary("first name", "Kanariefriedel", "person", "first_name"),
    Canary("last name", "Vogelzangh-Canarius", "person", "last_name"),
    Canary("national register number", "71.02.29-947.48", "person", "national_number"),
    Canary("e-mail", "kanarie.vogelzangh@canary-vlok.invalid", "person", "email"),
    Canary("phone", "+32 470 99 11 47", "person", "phone"),
    Canary("home address", "Kanariestraat 999 bus K9, 9999 Canarydorp", "person",
           "home_address"),
    Canary("remark", "CANARY-OPMERKING: huurder Kanariefriedel meldt schimmel", "remark", "text"),
    Canary("investigation detail", "CANARY-ONDERZOEK-DETAIL-5521", "investigation", "details"),
    Canary("decision motivation", "CANARY-MOTIVERING-BESLUIT-7734", "decision", "motivation"),
    Canary("PV number", "PV-CANARY-2024-000731", "restoration_claim", "pv_number"),
    Canary("court", "CANARY-Rechtbank van eerste aanleg Kanariegem", "restoration_claim",
           "court"),
    Canary("claim details", "CANARY-HERSTELVORDERING-DETAIL-4410", "restoration_claim",
           "details"),
    Canary("ODK end reason", "CANARY-ODK-EINDE-REDEN-3301", "dwelling_unit", "odk_end_reason"),
)


def canary_values() -> tuple[str, ...]:
    """Just the strings to search for."""
    return tuple(c.value for c in CANARIES)


def national_number(rng: random.Random, born: date, serial: int | None = None) -> str:
    """A well-formed Belgian national register number (YY.MM.DD-SSS.CC, mod-97 check)."""
    serial = rng.randint(1, 997) if serial is None else serial
    base = int(f"{born:%y%m%d}{serial:03d}")
    if born.year >= 2000:
        base += 2_000_000_000
    check = 97 - base % 97
    return f"{born:%y.%m.%d}-{serial:03d}.{check:02d}"


def person(rng: random.Random) -> tuple[str, str, str, str, str]:
    """First name, last name, national number, e-mail and phone of a synthetic person."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    born = date(rng.randint(1940, 2004), rng.randint(1, 12), rng.randint(1, 28))
    handle = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
    email = f"{handle}{rng.randint(1, 999)}@example.be"
    phone = f"+32 4{rng.randint(60, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} " \
            f"{rng.randint(10, 99)}"
    return first, last, national_number(rng, born), email, phone
