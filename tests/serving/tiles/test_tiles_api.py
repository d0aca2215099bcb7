"""The tile API around the tiles: documents, caching by publication, and fast 4xx."""

from __future__ import annotations

import re

import pytest

from publisher.serving.tiles.matrixsets import LAMBERT, WEB_MERCATOR

TILE = f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/8/85/131"  # Flanders at z8


def test_a_tile_carries_the_publication_as_etag_and_revalidates_with_304(http):
    r = http.get(TILE)
    assert r.status_code == 200
    etag = r.headers["etag"]
    run = http.get("/health").json()["datasets"]["poi"]["run_id"]
    assert etag == f'"t1-{run}"'
    assert r.headers["cache-control"] == "public, max-age=300"
    again = http.get(TILE, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert http.get(TILE, headers={"If-None-Match": '"t1-other"'}).status_code == 200


def test_tiles_named_by_their_publication_are_cacheable_until_the_next_one(http):
    tilejson = http.get(f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/tilejson.json").json()
    template = tilejson["tiles"][0]
    run = http.get("/health").json()["datasets"]["poi"]["run_id"]
    assert template.endswith(f"?publication={run}")
    r = http.get(template.format(z=8, y=85, x=131))
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.content == http.get(TILE).content
    # a run no longer kept (or never published): the current one, briefly cached
    gone = http.get(TILE + "?publication=20000101T000000Z-deadbeef")
    assert gone.status_code == 200 and gone.headers["cache-control"] == "public, max-age=300"


@pytest.mark.parametrize(("path", "status", "named"), [
    (f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/23/0/0", 404, "tileMatrix 23"),
    (f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/8/256/0", 404, "tileRow 256"),
    (f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/8/0/300", 404, "tileCol 300"),
    (f"/ogc/collections/poi/tiles/{LAMBERT}/17/0/0", 404, "tileMatrix 17"),
    (f"/ogc/collections/poi/tiles/{LAMBERT}/2/4/0", 404, "tileRow 4"),
    (f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/-1/0/0", 400, "'-1'"),
    (f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/8/1.5/0", 400, "'1.5'"),
    (f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/8/0/99999999999999", 400, "99999999"),
    ("/ogc/collections/poi/tiles/GoogleCRS84Quad/1/0/0", 404, "GoogleCRS84Quad"),
    (f"/ogc/collections/woningkwaliteitsbeleid/tiles/{WEB_MERCATOR}/1/0/0", 404,
     "woningkwaliteitsbeleid"),
    (f"/ogc/collections/nope/tiles/{WEB_MERCATOR}/1/0/0", 404, "nope"),
    (f"/ogc/collections/poi/tiles/{LAMBERT}/tilejson.json", 404, LAMBERT),
    ("/ogc/tileMatrixSets/nope", 404, "nope"),
])
def test_a_tile_that_cannot_exist_is_a_4xx_naming_the_value(http, path, status, named):
    r = http.get(path)
    assert r.status_code == status, r.text
    body = r.json()
    assert named in body["description"] and body["code"] in ("NotFound",
                                                             "InvalidParameterValue")


def test_tilejson_and_style_point_maplibre_at_the_tiles(http):
    tilejson = http.get(f"/ogc/collections/poi/tiles/{WEB_MERCATOR}/tilejson.json").json()
    assert tilejson["tilejson"] == "3.0.0"
    assert [layer["id"] for layer in tilejson["vector_layers"]] == ["poi"]
    style = http.get("/ogc/collections/poi/styles/default")
    assert style.headers["content-type"].startswith("application/vnd.mapbox.style+json")
    doc = style.json()
    assert doc["version"] == 8
    assert http.get(doc["sources"]["vlok"]["url"]).json()["tiles"] == tilejson["tiles"]
    assert {layer["source-layer"] for layer in doc["layers"]} == {"poi"}


def test_the_style_uses_the_viewers_colours(http):
    from pathlib import Path

    import publisher.serving.viewer as viewer
    css = (Path(viewer.__file__).parent / "static" / "viewer.css").read_text()
    colours = dict(re.findall(r"--(ca|vivoo|hv):\s*(#[0-9a-f]{6})", css))
    paint = http.get("/ogc/collections/poi/styles/default").json()["layers"][1]["paint"]
    match = paint["circle-color"]
    assert match[match.index("Conformiteitsattest") + 1] == colours["ca"]
    assert match[match.index("RegisterHerstelvorderingen") + 1] == colours["hv"]
    assert match[match.index("VlaamseInventarisOngeschikteOnbewoonbareWoningen") + 1] \
        == colours["vivoo"]


def test_tile_matrix_sets_are_described_as_tms_2_0(http):
    listed = http.get("/ogc/tileMatrixSets").json()["tileMatrixSets"]
    assert {t["id"] for t in listed} == {WEB_MERCATOR, LAMBERT}
    lambert = http.get(f"/ogc/tileMatrixSets/{LAMBERT}").json()
    assert lambert["crs"] == "http://www.opengis.net/def/crs/EPSG/0/31370"
    assert len(lambert["tileMatrices"]) == 17
    assert lambert["tileMatrices"][0]["pointOfOrigin"] == [9928, 329072]


def test_the_collection_links_its_tilesets(http):
    coll = http.get("/ogc/collections/herstelvorderingen", params={"f": "json"}).json()
    href = next(link["href"] for link in coll["links"]
                if link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector")
    assert href.endswith("/ogc/collections/herstelvorderingen/tiles")
    assert http.get(href).status_code == 200
    policy = http.get("/ogc/collections/woningkwaliteitsbeleid", params={"f": "json"}).json()
    assert "tiles" not in " ".join(link["href"] for link in policy["links"])


def test_a_large_tile_is_sent_gzipped_to_a_client_that_accepts_it(http, poi_items):
    import httpx
    import morecantile

    lon, lat = poi_items[0]["geometry"]["coordinates"]
    t = morecantile.tms.get(WEB_MERCATOR).tile(lon, lat, 12)
    base = str(http.base_url).rstrip("/")
    url = f"{base}/ogc/collections/poi/tiles/{WEB_MERCATOR}/12/{t.y}/{t.x}"
    raw = httpx.get(url, headers={"Accept-Encoding": "identity"})
    zipped = httpx.get(url, headers={"Accept-Encoding": "gzip"})
    assert len(raw.content) > 1024 and "content-encoding" not in raw.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(raw.content)
    assert zipped.content == raw.content  # httpx undoes the gzip


def test_tilejson_and_style_links_follow_the_configured_base_url(publication_dir, serve_app):
    import httpx

    from publisher.serving.app import create_app

    with serve_app(create_app(publication_dir, base_url="https://kaart.example.org/vlok")) as url:
        tilejson = httpx.get(f"{url}/ogc/collections/poi/tiles/{WEB_MERCATOR}/tilejson.json",
                             headers={"X-Forwarded-Host": "evil.example"}).json()
        style = httpx.get(f"{url}/ogc/collections/poi/styles/default").json()
    assert tilejson["tiles"][0].startswith("https://kaart.example.org/vlok/ogc/collections/poi/")
    assert style["sources"]["vlok"]["url"].startswith("https://kaart.example.org/vlok/ogc/")
