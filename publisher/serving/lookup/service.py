"""The lookup itself, free of any web framework: query parameters in, a JSON-able dict out.

Why framework-free (as pygeoapi's ``api/`` modules are): the Vastgoedinformatieplatform's
contract is this function's input and output; tests exercise it without a server, and the
Starlette adapter in :mod:`.routes` stays a few lines.

An answer lists, per dwelling unit or building at the parcel or address, which of the three
public facts apply. An empty list is an answer too ("no known facts as of the date"), never
an error. Only allow-listed publication columns are read, so nothing personal can leak.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from publisher.identifiers import CAPAKEY_FORMAT, InvalidCapakey, validate_capakey
from publisher.mapping import load_mapping
from publisher.serving.lookup.errors import Problem, bad_parameter, no_publication
from publisher.serving.lookup.reading import connect
from publisher.serving.lookup.register import (
    Found,
    RegisterIndex,
    as_json,
    parse,
    register_for,
)
from publisher.serving.publications import Publication

#: The three public facts, in the order every answer lists them (``mappings/poi.yml``).
PRODUCTS = tuple(load_mapping("poi").products)
SOURCE = "Wonen-Vlaanderen"
PARAMETERS = ("capakey", "adres", "adresid")
#: An address-register id: the register's objectId, a positive integer (at most 20 digits).
ADRESID_PATTERN = re.compile("[0-9]{1,20}")
#: Longest free-text address: the longest Flemish street name is ~60 characters; with number,
#: box, postcode and municipality 200 is ample, and it bounds the parser's work.
MAX_ADDRESS_LENGTH = 200
#: Register addresses listed in an answer ("Kerkstraat 12" names every box at number 12).
MAX_RECOGNISED = 100
#: Where the OGC API serves one feature (another engineer's routes; we only link to them).
ITEM_PATH = "/ogc/collections/poi/items/{poid}"

_COLUMNS = ('p."POID", p."PRODUCT", p."POITYPE", p."STRAAT", p."HUISNUMMER", p."BUSNUMMER", '
            'p."POSTCODE", p."GEMEENTE", p."NISCODE", p."ADRESID", p."CAPAKEY"')


def query_parameter(params: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """The one (name, value) the request asks by; a 400 when missing, repeated or mixed."""
    names = [n for n, _ in params]
    unknown = sorted({n for n in names if n not in PARAMETERS})
    if unknown:
        raise bad_parameter(unknown[0], f"unknown parameter {unknown[0]!r}: use exactly one of "
                            "capakey, adres or adresid")
    given = [(n, v) for n, v in params if n in PARAMETERS]
    if not given:
        raise bad_parameter("capakey", "missing parameter: use exactly one of capakey, adres "
                            "or adresid")
    if len(given) > 1:
        raise bad_parameter(given[1][0], "conflicting parameters "
                            f"{', '.join(sorted({n for n, _ in given}))}: use exactly one of "
                            "capakey, adres or adresid, once")
    name, value = given[0]
    if not value.strip():
        raise bad_parameter(name, f"parameter {name!r} is empty")
    return name, value.strip()


def check_capakey(value: str) -> str:
    """The capakey in canonical form (upper case), or a 400 that states the format."""
    try:
        return validate_capakey(value.upper())
    except InvalidCapakey:
        raise Problem("invalid-capakey", "Ongeldige capakey",
                      f"invalid capakey {value!r}: expected {CAPAKEY_FORMAT}",
                      parameter="capakey", format=CAPAKEY_FORMAT,
                      pattern="^[0-9]{5}[A-Z][0-9]{4}/[0-9]{2}[A-Z_0][0-9]{3}$",
                      example="11004A0479/00N000") from None


def check_adresid(value: str) -> str:
    """The address-register id as given, or a 400 that states its form (digits only).

    Why check: an id that cannot exist must say so, not answer "no facts here" (issue 11).
    """
    if not ADRESID_PATTERN.fullmatch(value):
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise Problem("invalid-adresid", "Ongeldig adresid",
                      f"invalid adresid {shown!r}: expected the numeric identifier of the "
                      "address in the Flemish address register, e.g. 2000100",
                      parameter="adresid", pattern=ADRESID_PATTERN.pattern, example="2000100")
    return value


def check_address(value: str) -> str:
    """The free-text address, or a 400 when it is longer than any address can be."""
    if len(value) > MAX_ADDRESS_LENGTH:
        raise bad_parameter("adres", f"address is {len(value):,} characters long; the maximum "
                            f"is {MAX_ADDRESS_LENGTH}", maxLength=MAX_ADDRESS_LENGTH)
    return value


def _rows_by_capakey(pub: Publication, capakey: str) -> list[tuple]:
    return connect(pub).execute(
        f"SELECT {_COLUMNS} FROM poi_parcel k JOIN poi p ON p.\"POID\" = k.\"POID\" "
        "WHERE k.\"CAPAKEY\" = ?", (capakey,)).fetchall()


def rows_at(pub: Publication, found: list[Found], buildings: list[Found]) -> list[tuple]:
    """The publication's rows at the register addresses ``found``, and building rows.

    ``buildings`` are the house-number addresses of units asked for by their box: only the
    building's (pand) facts there apply.
    """
    units = {f.adresid for f in found}
    pand = {b.adresid for b in buildings} - units
    ids = sorted(units | pand)
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    rows = connect(pub).execute(
        f'SELECT {_COLUMNS} FROM poi p WHERE p."ADRESID" IN ({marks}) ORDER BY p.fid',
        ids).fetchall()
    return [r for r in rows if r[9] in units or r[2] == "Pand"]


def register_unavailable() -> Problem:
    """A 503: the publication names no address register index (capakey still works)."""
    return Problem("register-unavailable", "Adressenregister niet beschikbaar",
                   "This publication has no address register index: ask by capakey, or try "
                   "again after the next publication.", status=503)


def recognise(register: RegisterIndex, name: str, value: str) -> list[Found]:
    """The register addresses an ``adres`` or ``adresid`` question names (empty: unknown)."""
    if name == "adresid":
        return register.by_adresid(value)
    if not parse(value).number:
        raise bad_parameter("adres", f"address {value!r} has no house number: write "
                            "street, number, optional box and place, e.g. "
                            "'Kerkstraat 12 bus 3, 9000 Gent'")
    return register.recognise(value)


def _address_label(straat: str, nr: str, bus: str | None, postcode: str, gemeente: str) -> str:
    box = f" bus {bus}" if bus else ""
    return f"{straat} {nr}{box}, {postcode} {gemeente}"


def group_results(rows: list[tuple], base_url: str) -> list[dict[str, Any]]:
    """One entry per unit or building: its address, parcel, and a yes/no per product.

    Why group: a unit can carry two facts (a CA and, later, an inventory entry are separate
    features); the platform wants one line per dwelling with the three answers side by side.
    """
    entries: dict[tuple[str, str, str], dict[str, Any]] = {}
    for poid, product, poitype, straat, nr, bus, postcode, gemeente, nis, adresid, capakey \
            in rows:
        ident = (poitype or "", adresid or poid, bus or "")
        entry = entries.get(ident)
        if entry is None:
            entry = entries[ident] = {
                "type": poitype,
                "adres": {"volledig": _address_label(straat, nr, bus, postcode, gemeente),
                          "straat": straat, "huisnummer": nr, "busnummer": bus,
                          "postcode": postcode, "gemeente": gemeente, "niscode": nis,
                          "adresid": adresid},
                "capakey": capakey,
                "producten": dict.fromkeys(PRODUCTS, False),
                "features": []}
        entry["producten"][product] = True
        entry["features"].append({
            "poid": poid, "product": product,
            "href": base_url + ITEM_PATH.format(poid=poid)})
    return sorted(entries.values(), key=lambda e: (
        e["adres"]["postcode"] or "", e["adres"]["straat"] or "",
        _house_order(e["adres"]["huisnummer"]), e["adres"]["busnummer"] or "",
        e["type"] or ""))


def _house_order(nr: str | None) -> tuple[int, str]:
    digits = "".join(c for c in (nr or "") if c.isdigit())
    return (int(digits) if digits else 0, nr or "")


def lookup(pub: Publication | None, params: Sequence[tuple[str, str]],
           base_url: str) -> dict[str, Any]:
    """Answer one lookup request; raises :class:`Problem` for anything a client got wrong.

    Parameters
    ----------
    pub
        The POI publication serving now (None before the first publish: a 503).
    params
        The query string as (name, value) pairs, repeated names kept, so a repeated
        parameter is reported rather than silently picking one.
    base_url
        Public scheme://host[/prefix] of the service, for the absolute feature links.
    """
    name, value = query_parameter(params)
    if name == "capakey":
        value = check_capakey(value)
    elif name == "adresid":
        value = check_adresid(value)
    else:
        value = check_address(value)
    if pub is None:
        raise no_publication()
    recognised: dict[str, Any] = {}
    if name == "capakey":
        rows = _rows_by_capakey(pub, value)
    else:
        register = register_for(pub)
        if register is None:
            raise register_unavailable()
        addresses = recognise(register, name, value)
        rows = rows_at(pub, addresses, register.building_addresses(addresses))
        # Recognised means "in the public address register", never "known to VLOK": an
        # address with only non-public history answers as one VLOK has never seen.
        recognised = {"adres_herkend": bool(addresses),
                      "adressen": [as_json(a) for a in addresses[:MAX_RECOGNISED]]}
    results = group_results(rows, base_url)
    found = {p for r in results for p, yes in r["producten"].items() if yes}
    return {"vraag": {name: value}, **recognised, "peildatum": pub.as_of.isoformat(),
            "bron": SOURCE, "producten": {p: p in found for p in PRODUCTS},
            "aantal": len(results), "resultaten": results}

