"""``vlok-publisher ldes-replicate URL --into FILE.gpkg``: keep a copy in sync from the stream.

The consumer proof of the event stream: from zero it reads the view's first page and follows
each page's relation to the next, applying members in order (an ``as:Create`` version puts the
fact, an ``as:Delete`` removes it); later runs start at the last page they read and take only
what came after. The result is a GeoPackage with the publication's own POI layer, so the
copy can be compared field by field with what WFS and OGC API serve; the position is the
member's EPSG:31370 point and the product's constant fields come from the SKOS code list.

It reads the JSON-LD in the compact form the stream writes (its own context), resolving
relative IRIs against the context's ``@base``, as a JSON consumer does; an RDF consumer reads
the same graph in Turtle or N-Triples.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sqlite3
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import numpy as np

from publisher.config import Settings
from publisher.errors import PublisherError

STATE = "ldes_replica_state"


class ReplicationFailed(PublisherError):
    """The stream cannot be read, or is not an event stream of facts."""

    exit_code = 8


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``ldes-replicate``."""
    p = sub.add_parser("ldes-replicate", help="replicate the event stream into a GeoPackage, "
                                              "then keep it in sync")
    p.add_argument("url", metavar="URL", help="the stream, e.g. "
                                              "https://host/ldes/woningkwaliteit")
    p.add_argument("--into", required=True, metavar="FILE.gpkg",
                   help="the copy: created from zero, brought up to date when it exists")
    p.add_argument("--quiet", action="store_true", help="no summary")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Replicate and print what changed."""
    summary = replicate(args.url, Path(args.into))
    if not args.quiet:
        print(f"{summary['pages']} pages, {summary['members']} members read; "
              f"{summary['features']} features as of {summary['as_of']} in {args.into}",
              file=sys.stderr)
    return 0


def fetch(url: str) -> dict[str, Any]:
    """A JSON-LD document (a clear error naming the URL otherwise)."""
    if not url.startswith(("http://", "https://")):
        raise ReplicationFailed(f"not an http(s) URL: {url[:200]!r}")
    request = urllib.request.Request(url, headers={"Accept": "application/ld+json",
                                                   "Accept-Encoding": "gzip"})
    for attempt in range(3):
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                body = response.read()
                if response.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                return json.loads(body)
        except urllib.error.HTTPError as exc:
            if exc.code < 500 or attempt == 2:
                raise ReplicationFailed(f"{url} answered {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            if attempt == 2:
                raise ReplicationFailed(f"cannot read {url}: {exc}") from None
        except json.JSONDecodeError:
            raise ReplicationFailed(f"{url} is not JSON-LD") from None
        time.sleep(1 + attempt)
    raise AssertionError("unreachable")


def _nodes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc.get("@graph", [doc])


def _iri(doc: dict[str, Any], relative: str) -> str:
    return urljoin(doc.get("@context", {}).get("@base", ""), relative)


def _next(doc: dict[str, Any], node_iri: str) -> str | None:
    """The page a node's relation leads to (the earliest, when a node has several)."""
    for node in _nodes(doc):
        if _iri(doc, node.get("@id", "")) == node_iri and node.get("tree:relation"):
            first = min(node["tree:relation"], key=lambda r: r["tree:value"]["@value"])
            return _iri(doc, first["tree:node"]["@id"])
    return None


def _members(doc: dict[str, Any]) -> list[dict[str, Any]]:
    for node in _nodes(doc):
        if node.get("@type") == "ldes:EventStream":
            return node.get("tree:member", [])
    raise ReplicationFailed("the page holds no ldes:EventStream")


class Replica:
    """The facts of a copy: POID → feature row and position, plus where the stream was left."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.xy: dict[str, tuple[float, float]] = {}
        self.concepts: dict[str, dict[str, Any]] = {}
        self.last_page: str | None = None
        self.as_of: str | None = None

    def concept(self, doc: dict[str, Any], iri: str) -> dict[str, Any]:
        """The product's constant fields, from its concept in the code list (read once)."""
        absolute = _iri(doc, iri)
        if absolute not in self.concepts:
            node = next(n for n in _nodes(fetch(absolute)) if n.get("@type") == "skos:Concept")
            self.concepts[absolute] = {
                "PRODUCT": node["skos:notation"], "POITYPE": node["wk:poitype"],
                "CATEGORIE": node["wk:categorie"], "NAAM": node["skos:prefLabel"]["@value"],
                "OMSCHR": node["skos:definition"]["@value"],
                "LINK1": node["rdfs:seeAlso"]["@id"]}
        return self.concepts[absolute]

    def apply(self, doc: dict[str, Any], member: dict[str, Any]) -> None:
        """Put or remove the fact a version describes."""
        poid = member["dct:identifier"]
        if "as:Delete" in member["@type"]:
            self.rows.pop(poid, None)
            self.xy.pop(poid, None)
            return
        address = member.get("locn:address", {})
        ident = address.get("adms:identifier", {})
        parcel = member.get("wk:perceel", {})
        self.rows[poid] = {
            "POID": poid, **self.concept(doc, member["dct:type"]["@id"]),
            "STRAAT": address.get("locn:thoroughfare", {}).get("@value"),
            "HUISNUMMER": address.get("adres:huisnummer"),
            "BUSNUMMER": address.get("adres:busnummer"),
            "POSTCODE": address.get("locn:postCode"),
            "GEMEENTE": address.get("adres:gemeentenaam", {}).get("@value"),
            "NISCODE": address.get("wk:niscode"),
            "ADRESID": ident.get("generiek:lokaleIdentificator"),
            "CAPAKEY": parcel.get("dct:identifier")}
        wkt = member["locn:geometry"]["gsp:asWKT"]["@value"]
        x, y = wkt.split("POINT (", 1)[1].rstrip(")").split()
        self.xy[poid] = (float(x), float(y))


def _load(path: Path) -> Replica:
    replica = Replica()
    if not path.exists():
        return replica
    from publisher.mapping import load_mapping
    from publisher.publication.gpkg import point_xy

    names = load_mapping("poi").names
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        state = dict(db.execute(f"SELECT key, value FROM {STATE}"))
        cols = ", ".join(f'"{n}"' for n in names)
        for *values, blob in db.execute(f'SELECT {cols}, "SHAPE" FROM poi'):
            row = dict(zip(names, values, strict=True))
            replica.rows[row["POID"]] = row
            replica.xy[row["POID"]] = point_xy(blob)
    replica.last_page, replica.as_of = state.get("last_page"), state.get("as_of")
    replica.concepts = json.loads(state.get("concepts", "{}"))
    return replica


def _save(path: Path, replica: Replica) -> None:
    """Write the copy whole to a temporary file, then put it in place with one rename."""
    from publisher.mapping import load_mapping
    from publisher.publication.gpkg import write_points

    mapping = load_mapping("poi")
    as_of = date.fromisoformat(replica.as_of) if replica.as_of else date.today()
    poids = sorted(replica.rows)
    features = [{**replica.rows[p], "PEILDATUM": as_of} for p in poids]
    xy = np.array([replica.xy[p] for p in poids], dtype=float).reshape(-1, 2)
    parcels = [(p, replica.rows[p]["CAPAKEY"]) for p in poids if replica.rows[p]["CAPAKEY"]]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write_points(tmp, mapping, as_of, features, xy, parcels,
                 {"dataset": "poi", "as_of": as_of, "source": "ldes"})
    with closing(sqlite3.connect(tmp)) as db, db:
        db.execute(f"CREATE TABLE {STATE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.executemany(f"INSERT INTO {STATE} VALUES (?, ?)",
                       [("last_page", replica.last_page or ""), ("as_of", as_of.isoformat()),
                        ("concepts", json.dumps(replica.concepts))])
    os.replace(tmp, path)


def replicate(url: str, path: Path) -> dict[str, Any]:
    """Bring the copy at ``path`` up to date with the stream at ``url``; what was done."""
    replica = _load(path)
    pages = members = 0
    if replica.last_page:
        doc = fetch(replica.last_page)  # read before: only its relation is new
        page = _next(doc, replica.last_page)
    else:
        stream = fetch(url)
        view = next((n for n in _nodes(stream) if n.get("@type") == "ldes:EventStream"), None)
        if view is None or "tree:view" not in view:
            raise ReplicationFailed(f"{url} is not an event stream with a view")
        page = _next(stream, _iri(stream, view["tree:view"]["@id"]))
    while page is not None:
        doc = fetch(page)
        for member in _members(doc):
            replica.apply(doc, member)
            members += 1
            replica.as_of = member["prov:generatedAtTime"]["@value"][:10]
        replica.last_page, pages = page, pages + 1
        replica.as_of = max(replica.as_of or "", page.rstrip("/").split("/")[-2])
        page = _next(doc, page)
    if pages or not path.exists():
        _save(path, replica)
    return {"pages": pages, "members": members, "features": len(replica.rows),
            "as_of": replica.as_of}
