"""The one app serves every surface at its documented path, and none leaks a canary."""

from __future__ import annotations

import math

import httpx
import pytest

from publisher.serving.app import create_app
from publisher.synthetic.leaks import canaries_in_bytes


@pytest.fixture(scope="module")
def base(publication_dir, serve_app):
    with serve_app(create_app(publication_dir)) as url:
        yield url


PATHS = {
    "/": "text/html",
    "/health": "application/json",
    "/metrics": "text/plain",
    "/ogc": "application/json",
    "/ogc/collections/poi/items?limit=50": "application/geo+json",
    "/ogc?f=html": "text/html",
    "/ogc/collections/poi?f=html": "text/html",
    "/ogc/collections/poi/items?limit=50&f=html": "text/html",
    "/ogc/collections/poi/queryables?f=html": "text/html",
    "/wfs?SERVICE=WFS&REQUEST=GetCapabilities": "xml",
    "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=POI:POI&COUNT=50": "xml",
    "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=POI:POI&COUNT=50"
    "&OUTPUTFORMAT=application/json": "json",
    "/downloads": "text/html",
    "/downloads/manifest.json": "application/json",
    "/downloads/catalog.jsonld": "json",
    "/api/v1/changes?since=2026-01-01": "application/json",
    "/ldes/woningkwaliteit": "application/ld+json",
    "/id/concept/woningkwaliteitsproduct": "application/ld+json",
    "/api/v1/woningkwaliteit?capakey=11004A0479/00N000": "application/json",
    "/api/v1/adressen?q=kerkstraat": "application/json",
    "/api/v1/kaart?product=Conformiteitsattest&bbox=2.5,50.6,6.0,51.6": "json",
    "/api/v1/kaart/clusters?product=Conformiteitsattest&bbox=2.5,50.6,6.0,51.6&zoom=9": "json",
}


@pytest.mark.parametrize("path", PATHS)
def test_every_surface_answers_at_its_documented_path(base, path) -> None:
    r = httpx.get(base + path, timeout=30, headers={"Accept": "application/json"}
                  if path == "/ogc" else {})
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    assert PATHS[path] in r.headers["content-type"]


def test_no_canary_in_any_endpoint_or_download(base) -> None:
    bodies = {path: httpx.get(base + path, timeout=60).content for path in PATHS}
    manifest = httpx.get(base + "/downloads/manifest.json").json()
    for entry in manifest["files"]:
        path = f"/downloads/{entry['name']}"
        bodies[path] = httpx.get(base + path, timeout=60).content
    bodies["/wfs all"] = httpx.get(
        base + "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=POI:POI",
        timeout=60).content
    # The pinned pages a harvest follows (next links name the publication), a CQL2 JSON
    # filter on GET, the conformance list, and the 410 of a publication no longer kept.
    for path in ("/ogc/collections/poi/items?limit=50",
                 "/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=POI:POI&COUNT=50"
                 "&OUTPUTFORMAT=application/json"):
        links = httpx.get(base + path, timeout=60).json()["links"]
        (nxt,) = [link["href"] for link in links if link["rel"] == "next"]
        bodies[f"{path} next"] = httpx.get(nxt, timeout=60).content
    extra = ['/ogc/collections/poi/items?filter-lang=cql2-json&limit=50'
             '&filter={"op":"=","args":[{"property":"PRODUCT"},"RegisterHerstelvorderingen"]}',
             "/ogc/conformance", "/ogc/collections/poi/items?publication=20000101T000000Z"]
    for path in extra:
        bodies[path] = httpx.get(base + path, timeout=60).content
    bodies.update(_event_stream_bodies(base))
    bodies.update(_map_bodies(base))
    assert len(bodies) > 20
    leaks = [hit for path, body in bodies.items() for hit in canaries_in_bytes(body, path)]
    assert leaks == []


def _event_stream_bodies(base: str) -> dict[str, bytes]:
    """Every page of the event stream, its formats, and facts and versions of the first page."""
    out: dict[str, bytes] = {}
    view = httpx.get(base + "/ldes/woningkwaliteit", timeout=60).json()
    pages = [r["tree:node"]["@id"] for r in view["@graph"][1]["tree:relation"]]
    while pages:
        path = "/" + pages.pop(0).lstrip("/")
        page = httpx.get(base + path, timeout=60)
        out[path] = page.content
        pages += [r["tree:node"]["@id"] for r in page.json()["@graph"][1].get("tree:relation",
                                                                               [])]
        if len(out) == 1:
            for fmt in ("ttl", "nt"):
                out[f"{path} {fmt}"] = httpx.get(base + path, params={"f": fmt},
                                                 timeout=120).content
            for member in page.json()["@graph"][0]["tree:member"][:10]:
                fact = member["dct:isVersionOf"]["@id"]
                for fmt in ("jsonld", "ttl", "html"):
                    out[f"{fact} {fmt}"] = httpx.get(base + fact, params={"f": fmt},
                                                     timeout=60).content
                out[member["@id"]] = httpx.get(base + member["@id"], timeout=60).content
    out["/ldes/woningkwaliteit/shape"] = httpx.get(base + "/ldes/woningkwaliteit/shape").content
    return out


def _map_bodies(base: str) -> dict[str, bytes]:
    """WMS capabilities, legend and feature info in every format, and the vector tiles (their
    TileJSON, style, a Flanders tile of clusters and the z16 tiles of features) at 10 facts."""
    out: dict[str, bytes] = {}
    wms = base + "/wms?SERVICE=WMS"
    tiles = base + "/ogc/collections/poi/tiles/WebMercatorQuad"
    for path in (f"{wms}&REQUEST=GetCapabilities", f"{wms}&VERSION=1.1.1&REQUEST=GetCapabilities",
                 f"{wms}&VERSION=1.3.0&REQUEST=GetLegendGraphic&LAYER=POI&FORMAT=image/png",
                 f"{tiles}/tilejson.json", base + "/ogc/collections/poi/styles/default"):
        out[path] = httpx.get(path, timeout=60).content
    features = httpx.get(base + "/ogc/collections/poi/items?limit=10&f=json",
                         timeout=60).json()["features"]
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"][:2]
        box = f"{lon - 0.0005},{lat - 0.0005},{lon + 0.0005},{lat + 0.0005}"
        for fmt in ("text/html", "application/json", "application/vnd.ogc.gml"):
            path = (f"{wms}&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS=POI&QUERY_LAYERS=POI"
                    f"&STYLES=&CRS=CRS:84&BBOX={box}&WIDTH=101&HEIGHT=101&I=50&J=50&FEATURE_COUNT=50"
                    f"&INFO_FORMAT={fmt}")
            out[path] = httpx.get(path, timeout=60).content
            if fmt == "application/json":  # the sweep reads real answers, not empty ones
                assert feature["id"] in out[path].decode(), path
        for z in (7, 16):  # a tile of clusters, a tile of the features themselves
            x = int((lon + 180) / 360 * 2 ** z)
            y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2 ** z)
            out[f"{tiles}/{z}/{y}/{x}"] = httpx.get(f"{tiles}/{z}/{y}/{x}", timeout=60).content
        assert feature["id"].encode() in out[f"{tiles}/16/{y}/{x}"]
    return out


def test_invalid_capakey_gets_a_problem_json(base) -> None:
    r = httpx.get(base + "/api/v1/woningkwaliteit?capakey=11004A479")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "11004A0479/00N000" in r.text


def test_the_dcat_catalogue_is_linked_from_ogc_api_wfs_and_downloads(base) -> None:
    catalog = f"{base}/downloads/catalog.jsonld"
    landing = httpx.get(f"{base}/ogc?f=json").json()
    assert {"rel": "describedby", "type": "application/ld+json",
            "href": catalog} in [{k: link[k] for k in ("rel", "type", "href")}
                                 for link in landing["links"] if "type" in link]
    capabilities = httpx.get(f"{base}/wfs?SERVICE=WFS&REQUEST=GetCapabilities").text
    assert f'<wfs:MetadataURL xlink:href="{catalog}"/>' in capabilities
    assert "/downloads/catalog.jsonld" in httpx.get(f"{base}/downloads").text
    assert httpx.get(catalog).status_code == 200
