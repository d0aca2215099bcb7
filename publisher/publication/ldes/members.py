"""Members: one version of a public fact, as it appeared or disappeared on a day.

An appearance carries what the publication shows of the fact (the product as a concept of our
code list, the address in OSLO terms with its register IRI, the parcel by capakey, the
position in EPSG:31370); a disappearance names only the fact, its product and the day. Both
are built from the publication's feature rows, never from the store: what the stream can say
is what the allow-list (``mappings/poi.yml``) already published.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from publisher.publication.ldes import terms as t

#: Feature fields the stream carries (the others are product constants, in the code list).
FIELDS = ("POID", "PRODUCT", "STRAAT", "HUISNUMMER", "BUSNUMMER", "POSTCODE", "GEMEENTE",
          "NISCODE", "ADRESID", "CAPAKEY")


def parcel_iri(capakey: str) -> str:
    """The parcel register's IRI of a capakey (``/`` written as ``-``, as the register does)."""
    return t.PARCEL_REGISTER + capakey.replace("/", "-")


def _address(row: dict[str, Any]) -> dict[str, Any]:
    """The address as the publication showed it on the day: a node of this version only.

    Derived from the register's address (its IRI), carrying the register's identifier.
    """
    address: dict[str, Any] = {"@type": "locn:Address"}
    if row.get("ADRESID"):
        address["prov:wasDerivedFrom"] = {"@id": t.ADDRESS_REGISTER + str(row["ADRESID"])}
        address["adms:identifier"] = {"@type": "generiek:Identificator",
                                      "generiek:lokaleIdentificator": str(row["ADRESID"]),
                                      "generiek:naamruimte": t.ADDRESS_REGISTER.rstrip("/")}
    for key, term in (("STRAAT", "locn:thoroughfare"), ("GEMEENTE", "adres:gemeentenaam")):
        if row.get(key):
            address[term] = t.nl(str(row[key]))
    for key, term in (("HUISNUMMER", "adres:huisnummer"), ("BUSNUMMER", "adres:busnummer"),
                      ("POSTCODE", "locn:postCode"), ("NISCODE", "wk:niscode")):
        if row.get(key):
            address[term] = str(row[key])
    return address


def appeared(row: dict[str, Any], x: float, y: float, day: date, as_of: date,
             nth: int = 1, changed: bool = False) -> dict[str, Any]:
    """The version saying the fact of ``row`` holds from ``day`` on.

    ``changed``: the fact held before and keeps its POID, but what the publication shows of
    it changed (a parcel linked to its building, a renamed street): an ``as:Update``.
    """
    poid = str(row["POID"])
    kind, activity = (t.CHANGED, "as:Update") if changed else (t.APPEARED, "as:Create")
    member: dict[str, Any] = {
        "@id": t.version_iri(poid, day, kind, nth),
        "@type": [activity, "wk:FeitVersie"],
        "dct:isVersionOf": {"@id": t.fact_iri(poid)},
        "prov:generatedAtTime": t.typed(t.timestamp(day), "xsd:dateTime"),
        "wk:peildatum": t.typed(as_of.isoformat(), "xsd:date"),
        "dct:identifier": poid, "dct:type": {"@id": t.concept_iri(str(row["PRODUCT"]))},
        "locn:address": _address(row),
        "locn:geometry": {"@type": "locn:Geometry", "gsp:asWKT": t.typed(
            f"<{t.CRS_31370}> POINT ({x!r} {y!r})", "gsp:wktLiteral")}}
    if row.get("CAPAKEY"):
        # The parcel register's node: shared by every version on it, so only what never
        # changes for that IRI is said of it (its capakey).
        member["wk:perceel"] = {"@id": parcel_iri(str(row["CAPAKEY"])),
                                "@type": "perceel:Perceel", "dct:identifier": str(row["CAPAKEY"])}
    return member


def disappeared(poid: str, product: str, day: date, as_of: date,
                nth: int = 1) -> dict[str, Any]:
    """The version saying the fact no longer holds from ``day`` on."""
    return {
        "@id": t.version_iri(poid, day, t.DISAPPEARED, nth),
        "@type": ["as:Delete", "wk:FeitVersie"],
        "dct:isVersionOf": {"@id": t.fact_iri(poid)},
        "prov:generatedAtTime": t.typed(t.timestamp(day), "xsd:dateTime"),
        "wk:peildatum": t.typed(as_of.isoformat(), "xsd:date"),
        "dct:identifier": poid, "dct:type": {"@id": t.concept_iri(product)}}
