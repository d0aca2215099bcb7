"""Identifiers VLOK shares with the outside world: cadastral parcel keys and unit references."""

from __future__ import annotations

import re

#: Capakey of the AAPD: division (5 digits), section (letter), radical (4 digits) "/" bis
#: (2 digits), exponent letter (or "_" / "0"), power (3 digits). Example: ``11004A0479/00N000``.
CAPAKEY = re.compile(r"^[0-9]{5}[A-Z][0-9]{4}/[0-9]{2}[A-Z_0][0-9]{3}$")
CAPAKEY_FORMAT = "5 digits, a capital letter, 4 digits, '/', 2 digits, a capital letter, '_' or " \
    "'0', 3 digits (e.g. 11004A0479/00N000)"


class InvalidCapakey(ValueError):
    """A string that is not a capakey; the message says the expected format."""


def is_capakey(value: str) -> bool:
    """Whether ``value`` is a well-formed capakey (no normalisation)."""
    return bool(CAPAKEY.match(value))


def validate_capakey(value: str) -> str:
    """Return ``value`` if it is a capakey, else raise :class:`InvalidCapakey`."""
    if not isinstance(value, str) or not is_capakey(value):
        raise InvalidCapakey(f"invalid capakey {value!r}: expected {CAPAKEY_FORMAT}")
    return value
