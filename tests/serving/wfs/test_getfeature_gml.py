"""GetFeature in GML 3.2: valid against our XSD, the stored fragments sent as published."""

from __future__ import annotations

from .conftest import KVP, NS, assert_valid, parse, wfs_get

GF = f"/wfs?{KVP}GetFeature"


def test_feature_collection_validates_against_wfs_and_our_schema(client):
    response = client.get(f"{GF}&TYPENAMES=POI:POI&COUNT=25")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/gml+xml; version=3.2"
    root = assert_valid(response.content, client)
    assert root.get("numberReturned") == "25"
    assert len(root.findall("wfs:member", NS)) == 25


def test_members_are_the_published_fragments_in_fid_order(client, poi_db):
    response = client.get(f"{GF}&TYPENAMES=POI:POI&COUNT=5&SRSNAME=urn:ogc:def:crs:EPSG::31370")
    expected = [r[0] for r in poi_db.execute("SELECT gml FROM poi_fragment ORDER BY fid LIMIT 5")]
    assert response.text.count("<wfs:member>") == 5
    for fragment in expected:
        assert f"<wfs:member>{fragment}</wfs:member>" in response.text


def test_srsname_is_echoed_in_the_form_the_client_sent(client):
    for name in ("EPSG:31370", "http://www.opengis.net/def/crs/EPSG/0/31370"):
        response = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", COUNT="2", SRSNAME=name)
        root = assert_valid(response.content, client)
        assert set(root.xpath("//gml:Point/@srsName", namespaces=NS)) == {name}


def test_numbers_matched_is_exact_and_equals_the_published_count(client, poi_meta):
    root = parse(client.get(f"{GF}&TYPENAMES=POI:POI&COUNT=1").content)
    assert int(root.get("numberMatched")) == poi_meta["features"]


def test_policy_layer_renders_multisurfaces_valid_against_schema(client):
    response = client.get(f"{GF}&TYPENAMES=POI:Woningkwaliteitsbeleid&COUNT=3")
    root = assert_valid(response.content, client)
    assert len(root.findall(".//gml:MultiSurface", NS)) == 3
    assert root.find(".//POI:CA_VERPLICHT", NS).text in ("true", "false")


def test_policy_layer_in_lat_lon_is_valid_too(client):
    response = client.get(f"{GF}&TYPENAMES=POI:Woningkwaliteitsbeleid&COUNT=2"
                          "&SRSNAME=urn:ogc:def:crs:EPSG::4326")
    root = assert_valid(response.content, client)
    first = root.find(".//gml:posList", NS).text.split()
    lat, lon = float(first[0]), float(first[1])
    assert 50 < lat < 52 and 2 < lon < 6


def test_propertyname_returns_only_the_requested_properties(client):
    response = client.get(f"{GF}&TYPENAMES=POI:POI&COUNT=3&PROPERTYNAME=POI:NAAM,PRODUCT")
    root = assert_valid(response.content, client)
    feature = root.find("wfs:member/POI:POI", NS)
    assert [c.tag.split("}")[1] for c in feature] == ["PRODUCT", "NAAM"]


def test_resulttype_hits_counts_without_members(client, poi_meta):
    response = client.get(f"{GF}&TYPENAMES=POI:POI&RESULTTYPE=hits")
    root = assert_valid(response.content, client)
    assert root.get("numberReturned") == "0"
    assert int(root.get("numberMatched")) == poi_meta["features"]
    assert root.findall("wfs:member", NS) == []
    assert root.get("next") is None


def test_getfeature_by_xml_post_matches_get(client):
    body = """<wfs:GetFeature service="WFS" version="2.0.0" count="4"
        xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:fes="http://www.opengis.net/fes/2.0"
        xmlns:POI="https://geo.api.vlaanderen.be/POI">
      <wfs:Query typeNames="POI:POI">
        <fes:Filter><fes:PropertyIsEqualTo><fes:ValueReference>POI:PRODUCT</fes:ValueReference>
          <fes:Literal>RegisterHerstelvorderingen</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>
      </wfs:Query></wfs:GetFeature>"""
    post = client.post("/wfs", content=body, headers={"Content-Type": "application/xml"})
    root = assert_valid(post.content, client)
    assert root.get("numberReturned") == "4"
    assert set(root.xpath("//POI:PRODUCT/text()", namespaces=NS)) == {
        "RegisterHerstelvorderingen"}
    follow = client.get(root.get("next").replace("http://testserver", ""))
    assert follow.status_code == 200
    nxt = assert_valid(follow.content, client)
    assert nxt.get("numberMatched") == root.get("numberMatched")
    assert set(nxt.xpath("//POI:PRODUCT/text()", namespaces=NS)) == {
        "RegisterHerstelvorderingen"}


def test_getpropertyvalue_returns_a_valid_value_collection(client):
    response = client.get(f"/wfs?{KVP}GetPropertyValue&TYPENAMES=POI:POI"
                          "&VALUEREFERENCE=PRODUCT&COUNT=7")
    root = assert_valid(response.content, client)
    assert root.tag == "{http://www.opengis.net/wfs/2.0}ValueCollection"
    assert len(root.findall("wfs:member", NS)) == 7
    assert root.get("next") is not None


def test_getpropertyvalue_of_the_geometry_is_gml(client):
    response = client.get(f"/wfs?{KVP}GetPropertyValue&TYPENAMES=POI:POI"
                          "&VALUEREFERENCE=SHAPE&COUNT=2&SRSNAME=EPSG:4326")
    root = assert_valid(response.content, client)
    assert len(root.findall(".//gml:Point", NS)) == 2


def test_on_the_fly_rendering_equals_the_stored_fragments(client):
    """Asking for every property by name forces the on-the-fly path: same bytes."""
    everything = "POID,PRODUCT,POITYPE,CATEGORIE,NAAM,OMSCHR,STRAAT,HUISNUMMER,BUSNUMMER," \
                 "POSTCODE,GEMEENTE,NISCODE,ADRESID,CAPAKEY,LINK1,PEILDATUM,SHAPE"
    stored = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", COUNT="50")
    rendered = wfs_get(client, "GetFeature", TYPENAMES="POI:POI", COUNT="50",
                       PROPERTYNAME=everything)

    def body(r):
        return r.text.split(">", 2)[2]  # after the XML declaration and the opening tag

    assert body(stored) == body(rendered)


def test_qgis_typename_singular_and_missing_version(client):
    for query in ("SERVICE=WFS&REQUEST=GetFeature&TYPENAME=POI:POI&COUNT=3",
                  "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAME=POI:POI&COUNT=3",
                  "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=POI&COUNT=3"
                  "&STARTINDEX=0"):
        response = client.get(f"/wfs?{query}")
        root = assert_valid(response.content, client)
        assert root.get("numberReturned") == "3"


def test_results_stream_as_a_generator_of_bytes(reader):
    """Framework-free: the operation hands back a generator, never the whole document."""
    from publisher.serving.wfs.operations import dispatch

    response = dispatch({"SERVICE": "WFS", "REQUEST": "GetFeature", "TYPENAMES": "POI:POI"},
                        reader,
                        "http://x/wfs")
    assert not isinstance(response.body, bytes)
    chunks = list(response.body)
    assert len(chunks) > 2
    assert max(len(c) for c in chunks) < 2_000_000
