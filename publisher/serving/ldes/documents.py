"""The stream's documents as JSON-LD bytes: pages, the view, facts, versions, the code list.

A page is its stored member array wrapped, byte for byte, in a small head and tail: the
members are never re-encoded per request. The only part computed when served is the relation
to the next page (a page has one exactly when a later page exists), which is also what makes
a page immutable: once it has a successor it never changes again.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from publisher.publication.ldes import terms as t
from publisher.publication.ldes.pages import Page

MEMBERS = '"__members__"'


def _dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def relation(day: str, part: int) -> dict[str, Any]:
    """Everything behind this relation has a timestamp at or after the start of ``day``."""
    return {"@type": "tree:GreaterThanOrEqualToRelation",
            "tree:node": {"@id": t.page_iri(day, part)},
            "tree:path": {"@id": "prov:generatedAtTime"},
            "tree:value": t.typed(t.timestamp(date.fromisoformat(day)), "xsd:dateTime")}


def page_document(base: str, page: Page, following: tuple[str, int] | None) -> bytes:
    """A stored page as a TREE node of the stream, with its members."""
    node: dict[str, Any] = {"@id": t.page_iri(page.day, page.part), "@type": "tree:Node",
                            "dct:isPartOf": {"@id": t.VIEW}}
    if following is not None:
        node["tree:relation"] = [relation(*following)]
    stream = {**t.stream_description(), "tree:member": "__members__"}
    head, tail = _dumps({"@context": t.context(base), "@graph": [stream, node]}).split(MEMBERS)
    return (head + page.body + tail).encode()


def view_document(base: str, days: list[tuple[str, int]]) -> bytes:
    """The stream and its view's root node: one relation to the first page of every day."""
    root = {"@id": t.VIEW, "@type": "tree:Node",
            "dct:description": t.nl("Een pagina per publicatiedag; een gesloten dag verandert "
                                    "niet meer."),
            "tree:relation": [relation(d, n) for d, n in days]}
    return _dumps({"@context": t.context(base),
                   "@graph": [t.stream_description(), root]}).encode()


def member_in(page: Page, iri: str) -> dict[str, Any] | None:
    """One member of a stored page by its (relative) IRI."""
    return next((m for m in json.loads(page.body) if m["@id"] == iri), None)


def fact_document(base: str, poid: str, versions: list[dict[str, Any]]) -> dict[str, Any]:
    """A fact: its identifier, whether it holds now, and every version the stream has."""
    holds = bool(versions) and "as:Delete" not in versions[-1]["@type"]
    return {"@context": t.context(base), "@id": t.fact_iri(poid), "@type": "wk:Feit",
            "dct:identifier": poid, "wk:geldig": holds,
            "dct:hasVersion": versions}


def version_document(base: str, member: dict[str, Any]) -> dict[str, Any]:
    """One version, as a document of its own."""
    return {"@context": t.context(base), **member}


def concepts_document(base: str, product: str | None = None) -> dict[str, Any] | None:
    """The code list (``product`` None) or one concept of it; None for an unknown product."""
    nodes = t.concept_scheme()
    if product is not None:
        nodes = [n for n in nodes if n["@id"] == t.concept_iri(product)]
        if not nodes:
            return None
    return {"@context": t.context(base), "@graph": nodes}


def dumps(doc: dict[str, Any]) -> bytes:
    """A JSON-LD document's bytes."""
    return _dumps(doc).encode()
