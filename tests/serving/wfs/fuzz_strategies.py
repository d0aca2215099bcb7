"""Hypothesis strategies for hostile WFS requests, and the checks every answer must pass.

Shared by the bounded in-suite fuzzer (``test_fuzz.py``) and the longer run
(``benchmarks/fuzz_wfs.py``, which loads this file by path). Requests mix what real clients
send (QGIS, GDAL, OWSLib spellings) with what the issue 11 robustness run found: huge
integers, 4,000-digit CRS codes, control characters, boxes in impossible coordinates, deep
or one-operand filters, bodies outside the WFS namespace, truncated XML.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from hypothesis import strategies as st
from lxml import etree

OWS = "{http://www.opengis.net/ows/1.1}ExceptionReport"
#: Text that must never reach a client: a stack trace or a path of ours.
LEAKS = ("Traceback", "/work/", '.py"', "site-packages")
TIMEOUT = 10.0

#: Values the issue 11 run found harmful somewhere; drawn often, not left to chance.
_KNOWN_BAD = ["\x00", "%00", "9" * 4301, "9223372036854775808", "EPSG:" + "9" * 4301,
              "-90,-180,90,180,urn:ogc:def:crs:EPSG::4326", "-180,-90,180,90,CRS:84",
              "22000,153000,258000,245000,urn:ogc:def:crs:EPSG::4326",
              "-20037508,-20037508,20037508,20037508,urn:ogc:def:crs:EPSG::3857"]
_HOSTILE_TEXT = st.one_of(
    st.sampled_from(_KNOWN_BAD),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x1f), max_size=5),
    st.sampled_from(["\x00", "%00", "' OR 1=1 --", "<x>", "&amp;", "]]>", "\ufffe", "\u202e",
                     "9" * 4301, "-0", "1e309", "NaN", "0x10",
                     "9223372036854775808", "-9223372036854775809", "2147483648"]),
)
_INTS = st.one_of(st.integers(-5, 20_000).map(str), st.sampled_from(
    ["9223372036854775808", "2147483647", "2147483648", "1" * 40, "", " ", "+5", "٣",
     "1.5", "-1"]))
_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["-90", "90", "-180", "180", "22000", "153000", "258000", "245000",
                     "51.0", "4.0", "1e300", "-1e300", "20037508.34", "x", ""]),
)
_CRS = st.sampled_from([
    "EPSG:31370", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:EPSG::3857",
    "urn:ogc:def:crs:EPSG::3812", "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "http://www.opengis.net/def/crs/EPSG/0/4326", "CRS:84", "EPSG:9999", "EPSG:" + "4" * 4301,
    "urn:ogc:def:crs:EPSG::", "EPSG:\x00",
])
_PROPS = st.sampled_from(["PRODUCT", "POID", "POI:PRODUCT", "SHAPE", "GEMEENTE", "NOPE",
                          "@gml:id", "", "WACHTWOORD", "DATUM"])
_VALUES = {
    "SERVICE": st.one_of(st.just("WFS"), st.just("wfs"), _HOSTILE_TEXT),
    "VERSION": st.one_of(st.just("\x00"), st.sampled_from(["2.0.0", "2.0.2", "1.1.0",
                                                            "1.0.0", "3.0"]), _HOSTILE_TEXT),
    "REQUEST": st.one_of(st.sampled_from(["GetFeature", "GetCapabilities",
                                          "DescribeFeatureType", "GetPropertyValue",
                                          "ListStoredQueries", "DescribeStoredQueries",
                                          "Transaction", "getfeature"]), _HOSTILE_TEXT),
    "TYPENAMES": st.one_of(st.sampled_from(["POI:POI", "POI", "POI:Woningkwaliteitsbeleid",
                                            "POI:POI,POI:POI", "(POI:POI)(POI:POI)",
                                            "x:POI"]), _HOSTILE_TEXT),
    "COUNT": _INTS, "MAXFEATURES": _INTS,
    "STARTINDEX": st.one_of(st.just("9223372036854775808"), _INTS),
    "RESULTTYPE": st.one_of(st.sampled_from(["hits", "results"]), _HOSTILE_TEXT),
    "OUTPUTFORMAT": st.one_of(st.sampled_from(["application/json", "text/csv",
                                               "application/gml+xml; version=3.2", "csv"]),
                              _HOSTILE_TEXT),
    "SRSNAME": st.one_of(st.just("EPSG:" + "9" * 4301), _CRS, _HOSTILE_TEXT),
    "BBOX": st.one_of(st.sampled_from(_KNOWN_BAD[5:]),
                      st.tuples(_NUMBERS, _NUMBERS, _NUMBERS, _NUMBERS, _CRS).map(",".join),
                      st.tuples(_NUMBERS, _NUMBERS, _NUMBERS, _NUMBERS).map(",".join),
                      _HOSTILE_TEXT),
    "SORTBY": st.one_of(st.tuples(_PROPS, st.sampled_from(["", " ASC", " DESC", " X"]))
                        .map("".join), _HOSTILE_TEXT),
    "PROPERTYNAME": st.one_of(_PROPS, _HOSTILE_TEXT),
    "RESOURCEID": st.one_of(st.sampled_from(["POI.1", "POI.CA_1,POI.x", ""]), _HOSTILE_TEXT),
    "CQL_FILTER": st.one_of(st.sampled_from([
        "PRODUCT = 'Conformiteitsattest'", "BBOX(SHAPE,0,0,1,1)", "PRODUCT ==== x",
        " OR ".join(["PRODUCT = 'x'"] * 90), "(" * 200 + "1=1" + ")" * 200]), _HOSTILE_TEXT),
    "STOREDQUERY_ID": st.sampled_from(["urn:ogc:def:query:OGC-WFS::GetFeatureById", "x"]),
    "ID": st.one_of(st.just("POI.1"), _HOSTILE_TEXT),
    "VALUEREFERENCE": _PROPS,
    "NAMESPACES": st.sampled_from(["xmlns(POI,https://geo.api.vlaanderen.be/POI)", "xmlns(",
                                   "xmlns(a,b),xmlns(c,d)"]),
    "ACCEPTVERSIONS": st.one_of(st.sampled_from(["2.0.0", "1.1.0,2.0.0", "9.9"]),
                                _HOSTILE_TEXT),
}


def _envelope(srs: str, a: str, b: str, c: str, d: str) -> str:
    return (f'<gml:Envelope srsName="{srs}"><gml:lowerCorner>{a} {b}</gml:lowerCorner>'
            f"<gml:upperCorner>{c} {d}</gml:upperCorner></gml:Envelope>")


_LITERAL = st.one_of(st.sampled_from(["Conformiteitsattest", "1", "2026-01-01", "x" * 300]),
                     st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                                    blacklist_characters="<&"),
                             max_size=20))
_LEAF = st.one_of(
    st.builds(lambda p, v, op: f"<fes:{op}><fes:ValueReference>{p}</fes:ValueReference>"
                               f"<fes:Literal>{v}</fes:Literal></fes:{op}>",
              _PROPS, _LITERAL, st.sampled_from(["PropertyIsEqualTo", "PropertyIsLessThan",
                                                 "PropertyIsLike", "PropertyIsNotEqualTo"])),
    st.builds(lambda p: f"<fes:PropertyIsNull><fes:ValueReference>{p}</fes:ValueReference>"
                        "</fes:PropertyIsNull>", _PROPS),
    st.builds(lambda srs, a, b, c, d: "<fes:BBOX><fes:ValueReference>SHAPE"
                                      f"</fes:ValueReference>{_envelope(srs, a, b, c, d)}"
                                      "</fes:BBOX>",
              _CRS, _NUMBERS, _NUMBERS, _NUMBERS, _NUMBERS),
    st.builds(lambda r: f'<fes:ResourceId rid="{r}"/>', st.sampled_from(["POI.1", "", "x"])),
)
FILTER_BODY = st.recursive(
    _LEAF,
    lambda inner: st.one_of(
        st.builds(lambda op, kids: f"<fes:{op}>{''.join(kids)}</fes:{op}>",
                  st.sampled_from(["And", "Or"]), st.lists(inner, min_size=0, max_size=4)),
        st.builds(lambda kid: f"<fes:Not>{kid}</fes:Not>", inner),
    ),
    max_leaves=12,
)
FILTERS = st.builds(lambda body: ('<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0" '
                                  f'xmlns:gml="http://www.opengis.net/gml/3.2">{body}'
                                  "</fes:Filter>"), FILTER_BODY)


@st.composite
def kvp_requests(draw: st.DrawFn) -> list[tuple[str, str]]:
    """A GET query: mostly plausible WFS keys, each value plausible or hostile."""
    keys = draw(st.lists(st.sampled_from([*_VALUES, "FILTER"]), max_size=8, unique=True))
    params = [("SERVICE", "WFS"), ("VERSION", "2.0.0"), ("REQUEST", "GetFeature"),
              ("TYPENAMES", "POI:POI")]
    # each base parameter is kept nine times in ten (dropping SERVICE is a finding too)
    params = [p for p in params if p[0] not in keys and draw(st.integers(0, 9)) > 0]
    for key in keys:
        value = draw(FILTERS) if key == "FILTER" else draw(_VALUES[key])
        params.append((draw(st.sampled_from([key, key.lower(), key.title()])), value))
    return params


@st.composite
def xml_bodies(draw: st.DrawFn) -> bytes:
    """A POST body: a WFS 2.0 request (or a near miss), sometimes truncated or mangled."""
    ns = draw(st.sampled_from(["http://www.opengis.net/wfs/2.0"] * 4
                              + ["http://www.opengis.net/wfs", "", "urn:x"]))
    op = draw(st.sampled_from(["GetFeature", "GetPropertyValue", "GetCapabilities",
                               "DescribeFeatureType", "Transaction", "ListStoredQueries"]))
    attrs = " ".join(f'{name}="{draw(_VALUES[key])}"' for name, key in (
        ("service", "SERVICE"), ("version", "VERSION"), ("count", "COUNT"),
        ("startIndex", "STARTINDEX"), ("resultType", "RESULTTYPE"),
        ("outputFormat", "OUTPUTFORMAT")) if draw(st.booleans()))
    attrs = attrs.replace("&", "&amp;").replace("<", "&lt;")
    query = (f'<wfs:Query typeNames="{draw(_VALUES["TYPENAMES"])}" '
             f'srsName="{draw(_CRS)}">{draw(FILTERS) if draw(st.booleans()) else ""}'
             "</wfs:Query>").replace("&", "&amp;")
    xmlns = f' xmlns:wfs="{ns}"' if ns else ""
    prefix = "wfs:" if ns else ""
    if not ns:
        query = query.replace("wfs:", "")
    text = f"<{prefix}{op}{xmlns} {attrs}>{query * draw(st.integers(0, 2))}</{prefix}{op}>"
    body = text.encode("utf-8", "surrogatepass")
    mangle = draw(st.sampled_from(["none"] * 6 + ["truncate", "garbage", "doctype"]))
    if mangle == "truncate":
        body = body[: draw(st.integers(0, len(body)))]
    elif mangle == "garbage":
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.binary(max_size=16)) + body[at:]
    elif mangle == "doctype":
        body = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + body
    return body


@dataclass
class Tally:
    """What the fuzzer saw: request and status counts, the slowest answer."""

    requests: int = 0
    timeouts: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    slowest: float = 0.0
    slowest_request: str = ""
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line of figures for the report."""
        four = sum(n for s, n in self.statuses.items() if 400 <= s < 500)
        five = sum(n for s, n in self.statuses.items() if s >= 500)
        return (f"WFS fuzz: {self.requests} requests, {four} × 4xx, {five} × 5xx, "
                f"{self.timeouts} timeouts, statuses {dict(sorted(self.statuses.items()))}, "
                f"longest answer {self.slowest:.3f} s ({self.slowest_request[:120]})")


def check(client: httpx.Client, tally: Tally, method: str, url: str, **kwargs: Any) -> None:
    """Send one request and assert the issue 11 invariants on its answer.

    Never a 5xx, never a timeout (httpx raises), an error body is a well-formed
    ``ows:ExceptionReport``, a 200 XML/JSON body is complete, nothing leaks.
    """
    start = time.perf_counter()
    try:
        response = client.request(method, url, timeout=TIMEOUT, **kwargs)
        body = response.content
    except httpx.TimeoutException:
        tally.requests += 1
        tally.timeouts += 1
        raise
    elapsed = time.perf_counter() - start
    tally.requests += 1
    tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
    described = f"{method} {response.request.url} {kwargs.get('content', b'')[:200]!r}"
    if elapsed > tally.slowest:
        tally.slowest, tally.slowest_request = elapsed, described
    assert response.status_code < 500, (described, body[:500])
    text = body.decode("utf-8", "replace")
    for leak in LEAKS:
        assert leak not in text, (described, leak)
    ctype = response.headers.get("content-type", "")
    if response.status_code >= 400:
        root = etree.fromstring(body)
        assert root.tag == OWS, (described, body[:300])
    elif "xml" in ctype:
        etree.fromstring(body)  # complete: no cut-off stream
    elif "json" in ctype:
        response.json()
