"""The one HTML view of the stream: a fact and its versions, for a person who follows a link."""

from __future__ import annotations

from html import escape
from typing import Any

from publisher.publication.ldes.members import FIELDS


def _cell(member: dict[str, Any], key: str) -> str:
    address = member.get("locn:address", {})
    value = {"PRODUCT": member.get("dct:type", {}).get("@id", "").rsplit("/", 1)[-1],
             "POID": member.get("dct:identifier"),
             "CAPAKEY": member.get("wk:perceel", {}).get("dct:identifier"),
             "ADRESID": address.get("adms:identifier", {}).get("generiek:lokaleIdentificator"),
             "STRAAT": address.get("locn:thoroughfare", {}).get("@value"),
             "GEMEENTE": address.get("adres:gemeentenaam", {}).get("@value"),
             "HUISNUMMER": address.get("adres:huisnummer"),
             "BUSNUMMER": address.get("adres:busnummer"),
             "POSTCODE": address.get("locn:postCode"),
             "NISCODE": address.get("wk:niscode")}.get(key)
    return escape(str(value)) if value else ""


def fact_html(poid: str, versions: list[dict[str, Any]]) -> str:
    """A small Dutch page: one row per version (verschenen/verdwenen), newest last."""
    rows = "".join(
        "<tr><td>{when}</td><td>{kind}</td>{cells}</tr>".format(
            when=escape(m["prov:generatedAtTime"]["@value"][:10]),
            kind="verschenen" if "as:Create" in m["@type"] else
            "gewijzigd" if "as:Update" in m["@type"] else "verdwenen",
            cells="".join(f"<td>{_cell(m, k)}</td>" for k in FIELDS))
        for m in versions)
    head = "".join(f"<th>{k}</th>" for k in FIELDS)
    return (f'<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Feit '
            f"{escape(poid)}</title></head><body><h1>Publiek feit {escape(poid)}</h1>"
            f'<p>Versies uit de <a href="/ldes/woningkwaliteit">gebeurtenisstroom</a>.</p>'
            f"<table><tr><th>Datum</th><th>Wijziging</th>{head}</tr>{rows}</table>"
            "</body></html>")
