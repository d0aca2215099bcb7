"""Every page of the stream is valid against our SHACL shapes, in every serialization,
cacheable as the LDES server primer asks, and free of personal data."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from publisher.synthetic.leaks import canaries_in_bytes

SHAPES = Path(__file__).parents[2] / "publisher" / "serving" / "ldes" / "shapes"
STREAM = "/ldes/woningkwaliteit"


def shapes(base: str, name: str) -> Graph:
    """A shapes file, its relative IRIs resolved against the server as the stream's are."""
    return Graph().parse(SHAPES / name, format="turtle", publicID=f"{base}{STREAM}/shape")


def conforms(data: Graph, shape_graph: Graph) -> tuple[bool, str]:
    ok, _, text = validate(data, shacl_graph=shape_graph, inference="none")
    return ok, text


def jsonld(r: httpx.Response) -> Graph:
    return Graph().parse(data=r.content, format="json-ld")


@pytest.fixture(scope="module")
def pages(stream) -> list[str]:
    """Every page, in stream order, from the view's first relation along the chain."""
    view = httpx.get(stream.base + STREAM).json()
    root = view["@graph"][1]
    page = min(root["tree:relation"], key=lambda r: r["tree:value"]["@value"])
    out = [page["tree:node"]["@id"]]
    while True:
        doc = httpx.get(f"{stream.base}/{out[-1].lstrip('/')}").json()
        relations = doc["@graph"][1].get("tree:relation", [])
        if not relations:
            return out
        out.append(relations[0]["tree:node"]["@id"])


def test_there_is_a_page_per_publication_day(stream, pages) -> None:
    days = sorted({p.split("/")[-2] for p in pages})
    assert days == [s.day.isoformat() for s in stream.snapshots]


def test_every_page_and_the_view_conform_to_the_shapes(stream, pages) -> None:
    member_shapes = shapes(stream.base, "member.ttl")
    for path in [STREAM, *pages]:
        r = httpx.get(stream.base + path)
        ok, report = conforms(jsonld(r), member_shapes)
        assert ok, (path, report[:2000])


def test_the_shapes_reject_a_member_with_a_property_they_do_not_list(stream, pages) -> None:
    """Guard: the closed member shape would catch a leaked property (e.g. a person's name)."""
    graph = jsonld(httpx.get(stream.base + pages[0]))
    member = next(graph.subjects(URIRef("http://purl.org/dc/terms/isVersionOf"), None))
    graph.add((member, URIRef("http://xmlns.com/foaf/0.1/name"), Literal("Jan Janssens")))
    ok, _ = conforms(graph, shapes(stream.base, "member.ttl"))
    assert not ok


def test_facts_versions_and_the_code_list_conform(stream) -> None:
    before, after = stream.snapshots[0].wfs, stream.snapshots[-1].wfs
    removed = next(p for p in sorted(before) if p not in after)
    member_shapes = shapes(stream.base, "member.ttl")
    fact = httpx.get(f"{stream.base}/id/feit/{removed}")
    assert fact.status_code == 200
    assert fact.json()["wk:geldig"] is False
    versions = fact.json()["dct:hasVersion"]
    assert [v["@type"][0] for v in versions][-1] == "as:Delete"
    ok, report = conforms(jsonld(fact), member_shapes)
    assert ok, report[:2000]
    version = httpx.get(f"{stream.base}/{versions[-1]['@id'].lstrip('/')}")
    assert version.status_code == 200 and "immutable" in version.headers["cache-control"]
    scheme = httpx.get(f"{stream.base}/id/concept/woningkwaliteitsproduct")
    notations = {str(o) for o in jsonld(scheme).objects(
        None, URIRef("http://www.w3.org/2004/02/skos/core#notation"))}
    assert notations == {"Conformiteitsattest", "RegisterHerstelvorderingen",
                         "VlaamseInventarisOngeschikteOnbewoonbareWoningen"}


def test_every_own_term_a_page_uses_is_defined_in_our_vocabulary(stream, pages) -> None:
    vocabulary = jsonld(httpx.get(f"{stream.base}/ns/woningkwaliteit"))
    defined = set(vocabulary.subjects())
    own = f"{stream.base}/ns/woningkwaliteit#"
    graph = jsonld(httpx.get(stream.base + pages[1]))
    used = {term for triple in graph for term in triple
            if isinstance(term, URIRef) and str(term).startswith(own)}
    assert used and used <= defined


@pytest.mark.parametrize("accept,fmt,media", [
    (None, None, "application/ld+json"),
    ("text/turtle", None, "text/turtle"),
    ("application/n-triples", None, "application/n-triples"),
    ("text/html,application/xhtml+xml,*/*;q=0.8", None, "application/ld+json"),
    (None, "ttl", "text/turtle"),
    (None, "nt", "application/n-triples"),
])
def test_content_negotiation_gives_the_same_graph(stream, pages, accept, fmt, media) -> None:
    url = stream.base + pages[-1]  # the newest day: a few members (isomorphism is costly)
    r = httpx.get(url, headers={"Accept": accept} if accept else {},
                  params={"f": fmt} if fmt else None)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    assert r.headers["vary"] == "Accept, Accept-Encoding"
    parsed = Graph().parse(data=r.content, format={
        "application/ld+json": "json-ld", "text/turtle": "turtle",
        "application/n-triples": "nt"}[media])
    assert isomorphic(parsed, jsonld(httpx.get(url)))


def test_a_closed_page_is_immutable_and_answers_304(stream, pages) -> None:
    url = stream.base + pages[0]
    first = httpx.get(url)
    assert "immutable" in first.headers["cache-control"]
    again = httpx.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    turtle = httpx.get(url, headers={"Accept": "text/turtle"})
    assert turtle.headers["etag"] != first.headers["etag"]  # one ETag per representation


def test_the_newest_page_is_not_yet_immutable(stream, pages) -> None:
    r = httpx.get(stream.base + pages[-1])
    assert "immutable" not in r.headers["cache-control"]
    assert "tree:relation" not in r.json()["@graph"][1]


@pytest.mark.parametrize("path,status,named", [
    (f"{STREAM}/2026-02-30/1", 400, "2026-02-30"),
    (f"{STREAM}/2026-11-23/x", 400, "'x'"),
    (f"{STREAM}/2026-11-23/0", 400, "'0'"),
    (f"{STREAM}/2001-01-01/1", 404, "2001-01-01"),
    (f"{STREAM}?f=rdfxml", 400, "rdfxml"),
    ("/id/feit/CA_%3Cscript%3E", 400, "CA_<script>"),
    ("/id/feit/CA_0000000000000000", 404, "CA_0000000000000000"),
    ("/id/concept/woningkwaliteitsproduct/Onbekend", 404, "Onbekend"),
])
def test_a_bad_request_gets_a_problem_naming_it(stream, path, status, named) -> None:
    r = httpx.get(stream.base + path)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")
    assert named in r.json()["detail"]


def test_an_unoffered_media_type_is_406(stream) -> None:
    r = httpx.get(stream.base + STREAM, headers={"Accept": "application/rdf+xml"})
    assert r.status_code == 406
    assert "application/rdf+xml" in r.json()["detail"]


def test_the_catalogue_offers_the_stream_and_conforms_to_dcat_ap(stream) -> None:
    r = httpx.get(f"{stream.base}/downloads/catalog.jsonld")
    graph = jsonld(r)
    ok, report = conforms(graph, shapes(stream.base, "catalog.ttl"))
    assert ok, report[:2000]
    access = URIRef("http://www.w3.org/ns/dcat#accessURL")
    assert URIRef(stream.base + STREAM) in set(graph.objects(None, access))


def test_the_ogc_landing_page_links_the_stream(stream) -> None:
    links = httpx.get(f"{stream.base}/ogc?f=json").json()["links"]
    assert stream.base + STREAM in [link["href"] for link in links]


def test_no_canary_in_any_page_fact_or_format(stream, pages) -> None:
    bodies: dict[str, bytes] = {}
    for path in [STREAM, f"{STREAM}/view", f"{STREAM}/shape", *pages,
                 "/id/concept/woningkwaliteitsproduct"]:
        for fmt in ("jsonld", "ttl", "nt"):
            bodies[f"{path} {fmt}"] = httpx.get(stream.base + path, params={"f": fmt}).content
    for poid in list(stream.snapshots[-1].wfs)[:30]:
        for fmt in ("jsonld", "ttl", "html"):
            bodies[f"{poid} {fmt}"] = httpx.get(f"{stream.base}/id/feit/{poid}",
                                                params={"f": fmt}).content
    assert len(bodies) > 40
    leaks = [hit for path, body in bodies.items() for hit in canaries_in_bytes(body, path)]
    assert leaks == []


def test_a_page_is_sent_gzipped_to_a_client_that_accepts_it(stream, pages) -> None:
    plain = httpx.get(stream.base + pages[0], headers={"Accept-Encoding": "identity"})
    zipped = httpx.get(stream.base + pages[0], headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decodes it
    assert int(zipped.headers["content-length"]) < len(plain.content) / 4
