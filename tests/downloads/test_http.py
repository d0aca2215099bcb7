"""HTTP behaviour of /downloads and /api/v1/changes, through a real server on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import re
from html import escape

import httpx
import pytest
from starlette.applications import Starlette

from publisher.downloads import CATALOG_PATH, routes

TEXT = "vlok-poi-conformiteitsattest-2026-11-23.gml"
ZIP = "vlok-poi-conformiteitsattest-2026-11-23.shp.zip"


@pytest.fixture(scope="module")
def base(exported, published, serve_app):
    with serve_app(Starlette(routes=routes(published))) as url:
        yield url


@pytest.fixture(scope="module")
def client(base):
    with httpx.Client(base_url=base, timeout=30) as c:
        yield c


def test_index_is_dutch_html_linking_manifest_catalog_and_files(client, manifest):
    r = client.get("/downloads")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'lang="nl"' in r.text and "peildatum" in r.text
    assert 'href="/downloads/manifest.json"' in r.text and f'href="{CATALOG_PATH}"' in r.text
    for entry in manifest["files"]:
        assert f'href="/downloads/{entry["name"]}"' in r.text


def test_manifest_is_served_for_machines(client, manifest):
    r = client.get("/downloads/manifest.json")
    assert r.status_code == 200 and r.json() == manifest


def test_file_bytes_match_the_manifest(client, exported, manifest):
    entry = next(e for e in manifest["files"] if e["name"] == ZIP)
    r = client.get(f"/downloads/{ZIP}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.content == (exported / ZIP).read_bytes()
    assert int(r.headers["content-length"]) == entry["bytes"]
    assert r.headers["etag"] == f'"{entry["sha256"]}"'
    assert "last-modified" in r.headers


def test_if_none_match_with_the_etag_gives_304(client):
    first = client.get(f"/downloads/{ZIP}")
    again = client.get(f"/downloads/{ZIP}", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    stale = client.get(f"/downloads/{ZIP}", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200
    since = client.get(f"/downloads/{ZIP}",
                       headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304


def test_range_request_gives_206_with_exactly_those_bytes(client, exported):
    data = (exported / TEXT).read_bytes()
    r = client.get(f"/downloads/{TEXT}", headers={"Range": "bytes=100-199"})
    assert r.status_code == 206 and r.content == data[100:200]
    assert r.headers["content-range"] == f"bytes 100-199/{len(data)}"
    assert "content-encoding" not in r.headers
    tail = client.get(f"/downloads/{TEXT}", headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.content == data[-50:]
    rest = client.get(f"/downloads/{ZIP}", headers={"Range": "bytes=10-"})
    assert rest.status_code == 206 and rest.content == (exported / ZIP).read_bytes()[10:]
    bad = client.get(f"/downloads/{TEXT}", headers={"Range": f"bytes={len(data) + 5}-"})
    assert bad.status_code == 416 and bad.headers["content-range"] == f"bytes */{len(data)}"


def test_gzip_for_text_files_when_asked_never_for_zips(base, exported):
    with httpx.Client(base_url=base, timeout=30) as raw:
        r = raw.get(f"/downloads/{TEXT}", headers={"Accept-Encoding": "gzip"})
        assert r.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in r.headers["vary"].lower()
        assert r.content == (exported / TEXT).read_bytes()  # httpx decodes
        assert r.num_bytes_downloaded < len(r.content) / 3
        plain = raw.get(f"/downloads/{TEXT}", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        z = raw.get(f"/downloads/{ZIP}", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in z.headers
        with raw.stream("GET", f"/downloads/{TEXT}",
                        headers={"Accept-Encoding": "gzip"}) as s:
            body = b"".join(s.iter_raw())
        assert gzip.decompress(body) == (exported / TEXT).read_bytes()


def test_unknown_files_and_paths_are_404_problems(client):
    for path in ("/downloads/nope.gml", "/downloads/..%2Fcurrent.json",
                 "/downloads/2026-01-01/x.gml", "/downloads/latest/manifest.json"):
        r = client.get(path)
        assert r.status_code == 404, path


def test_an_older_set_is_reachable_by_date(client, exported):
    r = client.get(f"/downloads/2026-11-23/{TEXT}")
    assert r.status_code == 200 and r.content == (exported / TEXT).read_bytes()


def test_changes_since_returns_the_published_runs(client, manifest):
    r = client.get("/api/v1/changes", params={"since": "2026-11-22"})
    assert r.status_code == 200
    body = r.json()
    assert [run["as_of"] for run in body["runs"]] == ["2026-11-23"]
    counts = manifest["datasets"]["poi"]["counts"]
    assert {p: len(c["added"]) for p, c in body["runs"][0]["changes"].items()} == counts
    assert client.get("/api/v1/changes", params={"since": "2026-11-23"}).json()["runs"] == []
    policy = client.get("/api/v1/changes",
                        params={"since": "2026-11-22", "dataset": "woningkwaliteitsbeleid"})
    assert policy.status_code == 200 and len(policy.json()["runs"]) == 1


@pytest.mark.parametrize("since", ["2026-13-01", "gisteren", "2026-11-2", ""])
def test_changes_rejects_a_bad_date_with_a_400_problem(client, since):
    r = client.get("/api/v1/changes", params={"since": since})
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 400 and since in r.json()["detail"]


def test_changes_without_since_is_a_400_problem(client):
    r = client.get("/api/v1/changes")
    assert r.status_code == 400 and r.json()["title"]


def test_catalog_is_dcat_ap_with_four_datasets_and_every_file(client, base, manifest):
    r = client.get(CATALOG_PATH)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    cat = r.json()
    assert cat["@type"] == "dcat:Catalog" and "dcat" in cat["@context"]
    datasets = cat["dcat:dataset"]
    assert len(datasets) == 4
    licence = "https://data.vlaanderen.be/id/licentie/modellicentie-gratis-hergebruik/v1.0"
    urls = set()
    for ds in datasets:
        assert ds["dct:title"]["@language"] == "nl"
        assert ds["dct:publisher"]["foaf:name"]["@value"] == "Wonen-Vlaanderen"
        assert ds["dct:license"]["@id"] == licence
        assert ds["cc:attributionName"] == "Bron: Wonen-Vlaanderen"
        assert ds["dct:accrualPeriodicity"]["@id"].startswith(
            "http://publications.europa.eu/resource/authority/frequency/")
        assert ds["dct:spatial"]["skos:prefLabel"]["@value"] == "Vlaams Gewest"
        assert ds["dct:modified"]["@value"] == "2026-11-23"
        access = {d["dcat:accessURL"]["@id"] for d in ds["dcat:distribution"]}
        assert f"{base}/wfs" in access
        assert any(a.startswith(f"{base}/ogc") for a in access)
        urls |= {d["dcat:downloadURL"]["@id"] for d in ds["dcat:distribution"]
                 if "dcat:downloadURL" in d}
    freq = {ds["dct:identifier"]: ds["dct:accrualPeriodicity"]["@id"] for ds in datasets}
    assert freq["vlok-woningkwaliteitsbeleid"].endswith("/MONTHLY")
    assert freq["vlok-conformiteitsattest"].endswith("/DAILY")
    feature_files = {f"{base}/downloads/{e['name']}" for e in manifest["files"]
                     if e["format"] in ("gml", "shapefile", "csv", "geopackage", "geojson")}
    assert urls == feature_files
    sample = sorted(urls)[0]
    assert client.head(sample.removeprefix(base)).status_code == 200
    json.dumps(cat)


def _landmarks(html: str) -> dict[str, int]:
    from html.parser import HTMLParser

    counts: dict[str, int] = {}

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            counts[tag] = counts.get(tag, 0) + 1

    Tags().feed(html)
    return counts


def test_index_has_landmarks_a_way_back_to_the_map_and_no_jargon(client):
    html = client.get("/downloads").text
    tags = _landmarks(html)
    assert tags.get("main") == 1 and tags.get("header") == 1 and tags.get("footer") == 1
    assert tags.get("nav") == 1 and tags.get("h1") == 1
    assert '<a class=back href="/">← Terug naar de kaart</a>' in html
    assert "Woningkwaliteit: publieke feiten" in html
    headings = re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", html, re.S)
    assert headings and not any("POI" in h for h in headings)
    assert not re.search(r'(src|href)="(https?:)?//', html.split("<footer>")[0]), \
        "no external assets (the licence link in the footer is the only outside link)"
    assert "<script" not in html and "stylesheet" not in html


def test_index_uses_dutch_number_formats_throughout(client, manifest):
    html = client.get("/downloads").text
    cells = re.findall(r"<td class=n>([^<]*)</td>", html)
    assert cells
    for cell in cells:
        assert re.fullmatch(r"\d{1,3}(\.\d{3})*( B)?|\d{1,3}(\.\d{3})*,\d (kB|MB|GB)|", cell), \
            cell
    big = max(e["features"] for e in manifest["files"] if e.get("features"))
    assert big >= 1000 and f"{big:,}".replace(",", ".") in html
    assert not re.search(r"\d\.\d (kB|MB|GB)", html)  # no decimal points in sizes


def test_index_shows_every_whole_sha256_in_code(client, manifest):
    html = client.get("/downloads").text
    for entry in manifest["files"]:
        assert f"<code class=sha>{entry['sha256']}</code>" in html, entry["name"]
    assert "…</code>" not in html


def test_index_says_which_file_to_take_and_what_the_fields_mean(client):
    from publisher.mapping import load_mapping

    html = client.get("/downloads").text
    assert "Welk bestand heb ik nodig?" in html
    which = html.split("Welk bestand heb ik nodig?")[1].split("</section>")[0]
    for word in ("rekenblad", "GIS", "GeoPackage", "Shapefile", "GML", "standaarden",
                 "GeoJSON", "web"):
        assert word in which, word
    glossary = html.split("Wat betekenen de velden?")[1]
    for dataset in ("poi", "woningkwaliteitsbeleid"):
        for field in load_mapping(dataset).fields:
            assert f"<code>{field.name}</code>" in glossary, field.name
            assert f"<code>{field.short}</code>" in glossary, field.short
            assert escape(field.description) in glossary, field.name
    assert "decimaalteken komma" in html and ".csvt" in html


def test_the_csvt_is_served_like_the_other_files(client, exported, manifest):
    entry = next(e for e in manifest["files"] if e["format"] == "csvt")
    r = client.get(f"/downloads/{entry['name']}")
    assert r.status_code == 200 and r.content == (exported / entry["name"]).read_bytes()
    assert r.headers["etag"].removesuffix('-gzip"').strip('"') == entry["sha256"]
    assert f'href="/downloads/{entry["name"]}"' in client.get("/downloads").text
