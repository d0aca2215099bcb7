"""GetCapabilities: schema-valid in both versions, truthful about layers, CRSs and limits."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from publisher.serving.wms.settings import MAX_SIZE

from .conftest import WMS13, assert_valid_13, assert_valid_111, get

PRODUCT_LAYERS = ("Conformiteitsattest", "VlaamseInventarisOngeschikteOnbewoonbareWoningen",
                  "RegisterHerstelvorderingen")


@pytest.fixture(scope="module")
def caps13(client):
    response = get(client, REQUEST="GetCapabilities", VERSION="1.3.0")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    return assert_valid_13(response.content)


@pytest.fixture(scope="module")
def caps111(client):
    response = get(client, REQUEST="GetCapabilities", VERSION="1.1.1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.ogc.wms_xml")
    return assert_valid_111(response.content, "WMS_MS_Capabilities.dtd")


def test_capabilities_130_list_every_product_layer_and_the_policy_layer(caps13):
    names = caps13.xpath("//wms:Layer/wms:Name/text()", namespaces=WMS13)
    assert names == ["POI", *PRODUCT_LAYERS, "Woningkwaliteitsbeleid"]
    titles = caps13.xpath("//wms:Layer[wms:Name='RegisterHerstelvorderingen']/wms:Title/text()",
                          namespaces=WMS13)
    assert titles == ["Herstelvordering"]  # the viewer's legend title


def test_capabilities_130_declare_the_served_crs_and_size_limits(caps13):
    crs = caps13.xpath("/wms:WMS_Capabilities/wms:Capability/wms:Layer/wms:CRS/text()",
                       namespaces=WMS13)
    assert crs == ["EPSG:31370", "EPSG:3812", "EPSG:4326", "EPSG:3857", "CRS:84"]
    assert caps13.findtext("wms:Service/wms:MaxWidth", namespaces=WMS13) == str(MAX_SIZE)
    assert caps13.findtext("wms:Service/wms:MaxHeight", namespaces=WMS13) == str(MAX_SIZE)


def test_epsg_4326_bounding_box_is_latitude_first_in_130_only(caps13, caps111):
    def box(root, ns, attr, name):
        found = root.xpath(f"//{ns}Layer[{ns}Name='POI']/{ns}BoundingBox[@{attr}='{name}']",
                           namespaces=WMS13)[0]
        return [float(found.get(k)) for k in ("minx", "miny", "maxx", "maxy")]

    crs84 = box(caps13, "wms:", "CRS", "CRS:84")
    assert 2 < crs84[0] < 7 and 49 < crs84[1] < 52  # longitude, then latitude
    assert box(caps13, "wms:", "CRS", "EPSG:4326") == [crs84[1], crs84[0], crs84[3], crs84[2]]
    assert box(caps111, "", "SRS", "EPSG:4326") == crs84


def test_every_style_has_a_legend_url_that_answers_a_png_of_the_declared_size(caps13, client):
    legends = caps13.xpath("//wms:Style/wms:LegendURL", namespaces=WMS13)
    assert len(legends) == 2 * 5
    for legend in legends:
        href = legend.find("wms:OnlineResource", WMS13).get(
            "{http://www.w3.org/1999/xlink}href")
        response = client.get("/wms" + href.split("/wms", 1)[1])
        assert response.status_code == 200, response.text
        png = Image.open(io.BytesIO(response.content))
        assert png.size == (int(legend.get("width")), int(legend.get("height")))


def test_scale_hints_in_both_versions(caps13, caps111):
    assert caps13.xpath("//wms:Layer[wms:Name='POI']/wms:MaxScaleDenominator/text()",
                        namespaces=WMS13) == ["1e+07"]
    hint = caps111.xpath("//Layer[Name='POI']/ScaleHint")[0]
    assert float(hint.get("min")) < float(hint.get("max"))


def test_getlegendgraphic_is_advertised_as_the_sld_extension(caps13):
    assert caps13.xpath("//wms:Request/sld:GetLegendGraphic/wms:Format/text()",
                        namespaces=WMS13) == ["image/png"]


@pytest.mark.parametrize(("asked", "answered"), [("1.3.0", "1.3.0"), ("1.1.1", "1.1.1"),
                                                  ("1.1.0", "1.1.1"), ("1.0.0", "1.1.1"),
                                                  ("2.0.0", "1.3.0"), ("", "1.3.0")])
def test_version_negotiation(client, asked, answered):
    response = get(client, REQUEST="GetCapabilities", VERSION=asked)
    assert response.status_code == 200
    assert f'version="{answered}"' in response.text[:600]


def test_links_use_the_configured_public_base_url(reader):
    import warnings

    from starlette.applications import Starlette

    from publisher.serving.wms import routes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    app = Starlette(routes=routes(reader))
    app.state.base_url = "https://kaart.example.be/vlok"
    with TestClient(app) as c:
        text = get(c, REQUEST="GetCapabilities").text
    assert 'xlink:href="https://kaart.example.be/vlok/wms?' in text


def test_update_sequence_names_the_publications(caps13, caps111, reader):
    run = reader.current("poi").run_id
    assert run in caps13.get("updateSequence") and run in caps111.get("updateSequence")
