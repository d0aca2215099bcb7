"""How free-text addresses are read (no server needed)."""

from __future__ import annotations

import pytest

from publisher.serving.lookup.address import ParsedAddress, fold, parse


@pytest.mark.parametrize(("text", "expected"), [
    ("Kerkstraat 12 bus 3, 9000 Gent", ParsedAddress("kerkstraat", "12", "3", "9000", "gent")),
    ("kerkstraat 12/3", ParsedAddress("kerkstraat", "12", "3")),
    ("KERKSTRAAT 12 BTE 0.2 GENT", ParsedAddress("kerkstraat", "12", "0.2", "", "gent")),
    ("Sint-Raphaëlstraat 120", ParsedAddress("sintraphaelstraat", "120")),
    ("Kerkstraat 12A, 9000", ParsedAddress("kerkstraat", "12a", "", "9000")),
    ("Kerkstraat 12 bus 03", ParsedAddress("kerkstraat", "12", "3")),
])
def test_free_text_addresses_are_split_into_their_parts(text, expected):
    assert parse(text) == expected


def test_an_address_without_a_house_number_is_not_an_address():
    assert parse("Kerkstraat, Gent") is None


def test_folding_drops_case_and_accents():
    assert fold("  Chloë  ÉCOLE ") == "chloe ecole"
