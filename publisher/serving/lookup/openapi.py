"""OpenAPI 3.0 description of the lookup, as a fragment the main app merges into its document.

Why a self-contained fragment (schemas inlined, no ``components``): the main app owns the
document and may merge several fragments; inlining means nothing can collide by name.
"""

from __future__ import annotations

import copy
from typing import Any

from publisher.identifiers import CAPAKEY_FORMAT
from publisher.serving.lookup.service import PRODUCTS, SOURCE

_PROBLEM = {
    "type": "object",
    "description": "RFC 7807 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "urn:vlok:problem:invalid-capakey"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What was wrong, with the offending value."},
        "instance": {"type": "string"},
        "parameter": {"type": "string", "description": "The query parameter at fault."},
        "format": {"type": "string", "description": "The expected format (capakey)."},
    },
}

_ADDRESS = {
    "type": "object",
    "properties": {
        "volledig": {"type": "string", "example": "Kerkstraat 12 bus 3, 9000 Gent"},
        "straat": {"type": "string"}, "huisnummer": {"type": "string"},
        "busnummer": {"type": "string", "nullable": True}, "postcode": {"type": "string"},
        "gemeente": {"type": "string"}, "niscode": {"type": "string"},
        "adresid": {"type": "string", "description": "Id in the Flemish address register."},
    },
}

_REGISTER_ADDRESS = {
    "type": "object",
    "description": "An address of the public Flemish address register.",
    "properties": {**_ADDRESS["properties"],
                   "deelgemeente": {"type": "string", "example": "Merksem"}},
}

_PRODUCT_FLAGS = {
    "type": "object",
    "description": "Per public fact, whether it applies.",
    "properties": {p: {"type": "boolean"} for p in PRODUCTS},
}

_ANSWER = {
    "type": "object",
    "required": ["vraag", "peildatum", "bron", "producten", "aantal", "resultaten"],
    "properties": {
        "vraag": {"type": "object", "description": "The parameter asked by, as understood."},
        "adres_herkend": {
            "type": "boolean",
            "description": "Only when asking by adres or adresid: whether the address exists in "
                           "the public Flemish address register (every address of Flanders), "
                           "independently of the facts. It never says whether Wonen-Vlaanderen "
                           "holds a file for the address: an address without public facts "
                           "answers the same whatever its history. false means a typo or an "
                           "address that does not exist; then no facts can be given either."},
        "adressen": {
            "type": "array", "maxItems": 100, "items": _REGISTER_ADDRESS,
            "description": "Only when asking by adres or adresid: the register addresses the "
                           "question names (a house number without a box names every box at "
                           "that number)."},
        "peildatum": {"type": "string", "format": "date",
                      "description": "The as-of date the facts were established for."},
        "bron": {"type": "string", "example": SOURCE},
        "producten": _PRODUCT_FLAGS,
        "aantal": {"type": "integer"},
        "resultaten": {
            "type": "array",
            "description": "One entry per dwelling unit (Woning) or building (Pand); empty "
                           "when nothing is published there (no known facts on that date).",
            "items": {"type": "object", "properties": {
                "type": {"type": "string", "enum": ["Woning", "Pand"]},
                "adres": _ADDRESS,
                "capakey": {"type": "string", "description": "Lowest parcel of the building."},
                "producten": _PRODUCT_FLAGS,
                "features": {"type": "array", "items": {"type": "object", "properties": {
                    "poid": {"type": "string"}, "product": {"type": "string", "enum": PRODUCTS},
                    "href": {"type": "string", "format": "uri",
                             "description": "The feature in the OGC API."}}}},
            }},
        },
    },
}


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/problem+json": {"schema": _PROBLEM}}}


_PATHS: dict[str, Any] = {
    "/api/v1/woningkwaliteit": {"get": {
        "tags": ["Lookup"],
        "operationId": "lookupWoningkwaliteit",
        "summary": "Public housing-quality facts at a parcel or address",
        "description": "For the Vastgoedinformatieplatform: which of the three public facts "
                       f"({', '.join(PRODUCTS)}) apply per dwelling or building at a cadastral "
                       "parcel or an address, as of the publication date. Give exactly one of "
                       "the parameters. A unit's answer includes the facts of its building.",
        "parameters": [
            {"name": "capakey", "in": "query", "required": False,
             "description": f"Cadastral parcel: {CAPAKEY_FORMAT}.",
             "schema": {"type": "string",
                        "pattern": "^[0-9]{5}[A-Z][0-9]{4}/[0-9]{2}[A-Z_0][0-9]{3}$"},
             "example": "11004A0479/00N000"},
            {"name": "adres", "in": "query", "required": False,
             "description": "Free-text address: street and number, optional box ('bus', "
                            "'bte' or '/'), optional postcode and municipality. Case and "
                            "accents do not matter.",
             "schema": {"type": "string", "maxLength": 200},
             "example": "Kerkstraat 12 bus 3, 9000 Gent"},
            {"name": "adresid", "in": "query", "required": False,
             "description": "Identifier of the address in the Flemish address register "
                            "(its numeric objectId).",
             "schema": {"type": "string", "pattern": "^[0-9]{1,20}$"}, "example": "2000100"},
        ],
        "responses": {
            "200": {"description": "The facts (possibly none) at that parcel or address.",
                    "content": {"application/json": {"schema": _ANSWER}}},
            "400": _problem_response("Missing, conflicting or malformed parameter; the "
                                     "detail says which and, for a capakey, the format."),
            "503": _problem_response("No publication available yet, or (asking by adres or "
                                     "adresid) no address register index in it; retry "
                                     "later."),
        },
    }},
}


def openapi_paths() -> dict[str, Any]:
    """The lookup's OpenAPI ``paths`` entries (a fresh copy the caller may change)."""
    return copy.deepcopy(_PATHS)
