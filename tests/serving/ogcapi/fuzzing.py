"""Hypothesis strategies for hostile OGC API and lookup requests, and what every answer owes.

Shared by the bounded in-suite fuzzer (``test_fuzz.py``) and the long run
(``benchmarks/fuzz_ogcapi.py``), so both ask the same questions. A request is a path and its
query pairs (repeats allowed); the values mix what clients really send with what fuzzers of
issue 11 sent (huge integers, NUL bytes, deep brackets, projected numbers as degrees, …).
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import httpx
from hypothesis import strategies as st

COLLECTIONS = ["poi", "conformiteitsattest", "vlaamse-inventaris", "herstelvorderingen",
               "woningkwaliteitsbeleid"]
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS = ["http://www.opengis.net/def/crs/OGC/1.3/CRS84", f"{EPSG}4326", f"{EPSG}31370",
       f"{EPSG}3812", f"{EPSG}3857", "EPSG:4326", f"{EPSG}99999", "urn:ogc:def:crs:EPSG::4326"]
FIELDS = ["POID", "PRODUCT", "POSTCODE", "GEMEENTE", "NISCODE", "STRAAT", "HUISNUMMER",
          "ADRESID", "CAPAKEY", "PEILDATUM", "SHAPE", "geometry", "NOPE"]
LOOKUP = "/api/v1/woningkwaliteit"
#: Request timeout: an answer slower than this is a finding (issue 11: "never a timeout").
TIMEOUT = 10.0

_HOSTILE = st.sampled_from([
    "", " ", "\x00", "%00", "'", "''", "\\", "null", "NaN", "inf", "-inf", "1e309", "-0",
    str(2**63), str(2**64), "9" * 400, "-" + "9" * 30, "..", "/", "../../etc/passwd",
    "<script>", "é" * 50, "\u202e", "{}", "[]", "((((((((((", "))))", "a" * 3000])
_INTEGERS = st.one_of(st.integers(-10, 20_000), st.integers(-2**70, 2**70)).map(str)
_NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**8, 10**8),
                     st.floats(-200, 300_000)).map(str)
_BBOX = st.one_of(st.lists(_NUMBERS, min_size=0, max_size=7).map(",".join),
                  st.sampled_from(["2.5,50.6,6,51.6", "-180,-90,180,90", "-90,-180,90,180",
                                   "22000,153000,258000,245000", "4,51,4,51",
                                   "-20037508,-20037508,20037508,20037508"]))
_DATETIME = st.one_of(st.sampled_from(["2026-11-23", "2026-11-23T12:00:00Z", "2026-01-01/..",
                                       "../2026-01-01", "/", "../..", "abc", "2026-02-30",
                                       "2026-11-23T25:61:00Z", "2027-01-01/2026-01-01"]),
                      st.dates().map(str), st.datetimes().map(lambda d: d.isoformat() + "Z"))
_TERM = st.one_of(
    st.builds(lambda f, v: f"{f}='{v}'", st.sampled_from(FIELDS), st.text(max_size=8)),
    st.builds(lambda f, v: f"{f} LIKE '{v}%'", st.sampled_from(FIELDS), st.text(max_size=5)),
    st.builds(lambda f, a, b: f"{f} BETWEEN {a} AND {b}", st.sampled_from(FIELDS), _NUMBERS,
              _NUMBERS),
    st.builds(lambda b: f"S_INTERSECTS(geometry, BBOX({b}))", _BBOX),
    st.builds(lambda x, y: f"S_INTERSECTS(SHAPE, POINT({x} {y}))", _NUMBERS, _NUMBERS),
    st.sampled_from(["INCLUDE", "EXCLUDE", "PRODUCT IS NULL", "CASEI(GEMEENTE) = casei('gent')",
                     "POSTCODE IN ('9000','1000')", "PEILDATUM = DATE('2026-11-23')"]))


def _combine(terms: list[str], ops: list[str], nots: int, brackets: int) -> str:
    text = terms[0]
    for term, op in zip(terms[1:], ops, strict=False):
        text = f"{text} {op} {term}"
    return "NOT (" * nots + "(" * brackets + text + ")" * brackets + ")" * nots


_FILTER = st.one_of(
    st.builds(_combine, st.lists(_TERM, min_size=1, max_size=120),
              st.lists(st.sampled_from(["AND", "OR"]), max_size=120),
              st.integers(0, 25), st.integers(0, 25)),
    st.text(max_size=200), _HOSTILE)

ITEM_PARAMS = {
    "bbox": _BBOX, "bbox-crs": st.sampled_from(CRS), "crs": st.sampled_from(CRS),
    "limit": _INTEGERS, "offset": _INTEGERS, "filter": _FILTER,
    "filter-lang": st.sampled_from(["cql2-text", "cql-text", "cql2-json", "ecql", ""]),
    "filter-crs": st.sampled_from(CRS), "datetime": _DATETIME,
    "properties": st.lists(st.sampled_from(FIELDS), max_size=4).map(",".join),
    "sortby": st.lists(st.sampled_from(["+", "-", ""]).flatmap(
        lambda sign: st.sampled_from(FIELDS).map(lambda f: sign + f)), max_size=3).map(",".join),
    "f": st.sampled_from(["json", "jsonld", "html", "xml", "csv", ""]),
    "resulttype": st.sampled_from(["hits", "results", "x"]),
    "skipGeometry": st.sampled_from(["true", "false", "1", "x"]),
    "PRODUCT": st.sampled_from(["Conformiteitsattest", "RegisterHerstelvorderingen", "x"]),
    "lang": st.sampled_from(["nl", "en", "xx"]),
}


def _value(name: str) -> st.SearchStrategy[str]:
    """A plausible value four times in five, a hostile one otherwise (deeper code is reached)."""
    if name not in ITEM_PARAMS:
        return _HOSTILE
    return st.integers(0, 4).flatmap(lambda i: _HOSTILE if i == 0 else ITEM_PARAMS[name])


ITEMS = st.tuples(
    st.sampled_from([*COLLECTIONS, "nope", "%00"]).map(lambda c: f"/ogc/collections/{c}/items"),
    st.lists(st.sampled_from([*ITEM_PARAMS, "unknown", "LIMIT"]).flatmap(
        lambda n: _value(n).map(lambda v: (n, v))), max_size=5))

_SEGMENT = st.one_of(st.sampled_from(["collections", "items", "queryables", "schema", "openapi",
                                      "conformance", "static", "poi", "api", "..", "", "%00",
                                      "%2e%2e", "CA_0", "HV_1"]),
                     st.text(min_size=1, max_size=20).map(lambda s: quote(s, safe="")))
OTHER = st.one_of(
    st.tuples(st.builds(lambda c, i: f"/ogc/collections/{c}/items/{quote(i, safe='')}",
                        st.sampled_from(COLLECTIONS), st.one_of(st.text(max_size=40),
                                                                _HOSTILE)),
              st.lists(st.tuples(st.sampled_from(["f", "crs", "lang"]),
                                 st.one_of(st.sampled_from([*CRS, "json", "html"]), _HOSTILE)),
                       max_size=2)),
    st.tuples(st.lists(_SEGMENT, max_size=6).map(lambda s: "/ogc/" + "/".join(s)),
              st.lists(st.tuples(st.sampled_from(["f", "lang"]), _HOSTILE), max_size=2)))

LOOKUPS = st.tuples(st.just(LOOKUP), st.lists(st.tuples(
    st.sampled_from(["capakey", "adres", "adresid", "CAPAKEY", "x"]),
    st.one_of(st.sampled_from(["11004A0479/00N000", "44021A0123/00K002", "Kerkstraat 12, 9000 "
                               "Gent", "Kerkstraat 12 bus 3", "2000100", "abc"]),
              st.text(max_size=60), _HOSTILE)), max_size=3))

REQUESTS = st.one_of(ITEMS, OTHER, LOOKUPS)

#: What no answer may contain: a stack trace or a path on the server.
_LEAKS = re.compile(r"Traceback|File \"|/site-packages/|/usr/lib/|/tmp/|/work/|/home/|"
                    r"\.py\"|sqlite3\.|psycopg\.")


def check_answer(response: httpx.Response) -> list[str]:
    """What is wrong with one answer (empty when it is fine).

    Never a 5xx; no stack trace or server path in the body; an error (4xx) is JSON with a
    message: ``description`` (OGC API exception) or ``detail`` (RFC 7807 problem), except
    that a client asking ``f=html`` gets pygeoapi's HTML error page (content negotiation).
    """
    problems = []
    if response.status_code >= 500:
        problems.append(f"status {response.status_code}")
    if _LEAKS.search(response.text):
        problems.append(f"leak: {_LEAKS.search(response.text)[0]!r}")  # type: ignore[index]
    html_asked = "html" in response.request.url.params.get_list("f")
    if 400 <= response.status_code < 500 and not (
            html_asked and response.headers.get("content-type", "").startswith("text/html")):
        try:
            body = json.loads(response.content)
        except ValueError:
            problems.append(f"{response.status_code} body is not JSON: "
                            f"{response.headers.get('content-type')} {response.text[:80]!r}")
        else:
            if not (isinstance(body, dict) and (body.get("description") or body.get("detail"))):
                problems.append(f"{response.status_code} JSON without a message: {body!r:.80}")
    return problems
