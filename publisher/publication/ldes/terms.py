"""The vocabulary of the event stream: JSON-LD context, IRIs, the product code list.

Every IRI the stream writes is relative to the server (``/id/feit/…``, ``/ldes/…``) and
resolved by the ``@base`` the server puts in the page's context: a stored page never names a
host, so the same immutable rows serve behind any proxy. Terms come from the specs and OSLO
where they exist: TREE and LDES for the stream, ActivityStreams for appearance and
disappearance (``as:Create``/``as:Delete``, LDES ``versionCreateObject``/``DeleteObject``),
PROV for the timestamp, DCTERMS for ``isVersionOf``, the OSLO address vocabulary and the
address register's IRIs for the address, the OSLO parcel class with the capakey as its
identifier, GeoSPARQL for the position. What has no such term (the kind of fact) lives in our
own small namespace ``/ns/woningkwaliteit#``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from publisher.mapping import load_mapping

STREAM = "/ldes/woningkwaliteit"
VIEW = f"{STREAM}/view"
SHAPE = f"{STREAM}/shape"
FACT = "/id/feit"
SCHEME = "/id/concept/woningkwaliteitsproduct"
OWN = "/ns/woningkwaliteit#"
#: The address and parcel registers of Flanders (OSLO): the address's IRI is its register id.
ADDRESS_REGISTER = "https://data.vlaanderen.be/id/adres/"
PARCEL_REGISTER = "https://data.vlaanderen.be/id/perceel/"
CRS_31370 = "http://www.opengis.net/def/crs/EPSG/0/31370"
BRUSSELS = ZoneInfo("Europe/Brussels")
#: Members per stored page; a day with more changes gets more pages (part 1, 2, …).
PAGE_SIZE = 500
APPEARED, CHANGED, DISAPPEARED = "verschenen", "gewijzigd", "verdwenen"

PREFIXES = {
    "tree": "https://w3id.org/tree#", "ldes": "https://w3id.org/ldes#",
    "as": "https://www.w3.org/ns/activitystreams#", "prov": "http://www.w3.org/ns/prov#",
    "dct": "http://purl.org/dc/terms/", "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#", "locn": "http://www.w3.org/ns/locn#",
    "adres": "https://data.vlaanderen.be/ns/adres#",
    "perceel": "https://data.vlaanderen.be/ns/perceel#",
    "generiek": "https://data.vlaanderen.be/ns/generiek#", "adms": "http://www.w3.org/ns/adms#",
    "gsp": "http://www.opengis.net/ont/geosparql#", "sh": "http://www.w3.org/ns/shacl#",
}


def context(base: str) -> dict[str, Any]:
    """The inline JSON-LD context of every document (no remote context to fetch)."""
    return {"@base": base.rstrip("/") + "/", **PREFIXES, "wk": base.rstrip("/") + OWN}


def timestamp(day: date) -> str:
    """The start of a publication day in Brussels, as ``xsd:dateTime`` (the member time)."""
    return datetime.combine(day, time(0), BRUSSELS).isoformat()


def fact_iri(poid: str) -> str:
    """The fact's IRI: stable while the fact holds (the POID rule)."""
    return f"{FACT}/{poid}"


def version_iri(poid: str, day: date, kind: str, nth: int = 1) -> str:
    """A version's IRI: the fact, the day, appeared or disappeared (``-2`` for a 2nd run)."""
    return f"{FACT}/{poid}/{day.isoformat()}/{kind}" + (f"-{nth}" if nth > 1 else "")


def page_iri(day: date | str, part: int) -> str:
    """The IRI of a stored page: the day and its part number (1-based)."""
    return f"{STREAM}/{day}/{part}"


def concept_iri(product: str) -> str:
    """The SKOS concept of a product (its ``PRODUCT`` value is the last segment)."""
    return f"{SCHEME}/{product}"


def typed(value: str, datatype: str) -> dict[str, str]:
    """A typed literal."""
    return {"@value": value, "@type": datatype}


def nl(value: str) -> dict[str, str]:
    """A Dutch literal."""
    return {"@value": value, "@language": "nl"}


def concept_scheme() -> list[dict[str, Any]]:
    """The code list of products: the scheme and one concept per product of the mapping.

    Each concept carries the constant attributes of its product (naam, omschrijving, link,
    POI type and category), so a consumer rebuilds a full POI feature from a member.
    """
    products = load_mapping("poi").products
    scheme = {"@id": SCHEME, "@type": "skos:ConceptScheme",
              "skos:prefLabel": nl("Publieke feiten over woningkwaliteit (VLOK)"),
              "skos:hasTopConcept": [{"@id": concept_iri(p)} for p in products]}
    concepts = [{
        "@id": concept_iri(name), "@type": "skos:Concept", "skos:inScheme": {"@id": SCHEME},
        "skos:topConceptOf": {"@id": SCHEME}, "skos:notation": name,
        "skos:altLabel": spec["code"], "skos:prefLabel": nl(spec["naam"]),
        "skos:definition": nl(" ".join(spec["omschr"].split())),
        "rdfs:seeAlso": {"@id": spec["link"]}, "wk:poitype": spec["poitype"],
        "wk:categorie": spec["categorie"]} for name, spec in products.items()]
    return [scheme, *concepts]


def stream_description() -> dict[str, Any]:
    """The event stream: how to read versions, its shape, view and retention."""
    return {
        "@id": STREAM, "@type": "ldes:EventStream",
        "dct:title": nl("Wijzigingen van de publieke woningkwaliteitsfeiten (VLOK)"),
        "ldes:timestampPath": {"@id": "prov:generatedAtTime"},
        "ldes:versionOfPath": {"@id": "dct:isVersionOf"},
        "ldes:versionCreateObject": {"@id": "as:Create"},
        "ldes:versionUpdateObject": {"@id": "as:Update"},
        "ldes:versionDeleteObject": {"@id": "as:Delete"},
        # What is guaranteed to stay: the latest version of every fact, so a consumer who
        # starts from zero always rebuilds the current publication.
        "ldes:retentionPolicy": {"@type": "ldes:LatestVersionSubset",
                                 "ldes:amount": typed("1", "xsd:integer")},
        "tree:shape": {"@id": SHAPE},
        "tree:view": {"@id": VIEW},
    }


#: Our own terms (everything else comes from TREE, LDES, OSLO, DCTERMS, PROV, GeoSPARQL):
#: (local name, class or property, Dutch label, what it means).
OWN_TERMS = (
    ("Feit", "rdfs:Class", "publiek feit", "Een publiek feit over woningkwaliteit (een POI): "
     "een geldig conformiteitsattest, een opname in de Vlaamse inventaris, of een "
     "herstelvordering; zijn IRI blijft gelijk zolang het feit bestaat."),
    ("FeitVersie", "rdfs:Class", "versie van een feit", "Het feit zoals de publicatie het "
     "toonde vanaf een dag: verschenen, gewijzigd of verdwenen."),
    ("peildatum", "rdf:Property", "peildatum", "De datum waarvoor de feiten werden "
     "vastgesteld (de peildatum van de publicatie)."),
    ("perceel", "rdf:Property", "perceel", "Het kadastraal perceel (capakey) van het gebouw; "
     "het laagste wanneer het op meerdere staat."),
    ("niscode", "rdf:Property", "NIS-code", "De NIS-code van de gemeente van het adres."),
    ("geldig", "rdf:Property", "geldig", "Of het feit vandaag bestaat."),
    ("poitype", "rdf:Property", "POI-type", "Soort punt: Woning of Pand."),
    ("categorie", "rdf:Property", "categorie", "POI-categorie: Woningkwaliteit."),
)


def vocabulary() -> list[dict[str, Any]]:
    """Our small namespace, so that its terms dereference too."""
    return [{"@id": f"{OWN}{name}", "@type": kind, "rdfs:label": nl(label),
             "rdfs:comment": nl(comment), "rdfs:isDefinedBy": {"@id": OWN.rstrip("#")}}
            for name, kind, label, comment in OWN_TERMS]
