"""Bad requests get the right exception at once: XML by default, or an image when asked."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from .conftest import assert_exception, get

GOOD = {"VERSION": "1.3.0", "REQUEST": "GetMap", "LAYERS": "POI", "STYLES": "",
        "CRS": "EPSG:31370", "BBOX": "100000,185000,112000,200000", "WIDTH": "256",
        "HEIGHT": "256", "FORMAT": "image/png"}


@pytest.mark.parametrize(("change", "code", "locator"), [
    ({"LAYERS": "Nergens"}, "LayerNotDefined", "LAYERS"),
    ({"LAYERS": "POI,"}, "LayerNotDefined", "LAYERS"),
    ({"STYLES": "roze"}, "StyleNotDefined", "STYLES"),
    ({"STYLES": "default,default"}, "StyleNotDefined", "STYLES"),
    ({"CRS": "EPSG:28992"}, "InvalidCRS", "CRS"),
    ({"CRS": ""}, "MissingParameterValue", "CRS"),
    ({"CRS": "EPSG:4326", "BBOX": "100,3,101,4"}, "InvalidParameterValue", "BBOX"),
    ({"CRS": "EPSG:3857", "BBOX": "0,0,9e12,1"}, "InvalidParameterValue", "BBOX"),
    ({"BBOX": "0,0,1e12,1e12"}, "InvalidParameterValue", "BBOX"),
    ({"BBOX": "112000,185000,100000,200000"}, "InvalidParameterValue", "BBOX"),
    ({"BBOX": "1,2,3"}, "InvalidParameterValue", "BBOX"),
    ({"BBOX": "nan,0,1,1"}, "InvalidParameterValue", "BBOX"),
    ({"BBOX": "0,0,inf,1"}, "InvalidParameterValue", "BBOX"),
    ({"WIDTH": "0"}, "InvalidParameterValue", "WIDTH"),
    ({"WIDTH": "NaN"}, "InvalidParameterValue", "WIDTH"),
    ({"HEIGHT": "-5"}, "InvalidParameterValue", "HEIGHT"),
    ({"WIDTH": "4097"}, "InvalidParameterValue", "WIDTH"),
    ({"HEIGHT": "99999999999999999999999"}, "InvalidParameterValue", "HEIGHT"),
    ({"FORMAT": "image/gif"}, "InvalidFormat", "FORMAT"),
    ({"TRANSPARENT": "misschien"}, "InvalidParameterValue", "TRANSPARENT"),
    ({"BGCOLOR": "rood"}, "InvalidParameterValue", "BGCOLOR"),
    ({"CQL_FILTER": "PRODUCT = "}, "InvalidParameterValue", "CQL_FILTER"),
    ({"CQL_FILTER": "ONBEKEND = 1"}, "InvalidParameterValue", "CQL_FILTER"),
    ({"VERSION": "9.9.9"}, "InvalidParameterValue", "VERSION"),
    ({"REQUEST": "GetStyles"}, "OperationNotSupported", "REQUEST"),
    ({"REQUEST": ""}, "MissingParameterValue", "REQUEST"),
    ({"SLD_BODY": "<sld/>"}, "OperationNotSupported", "SLD_BODY"),
])
def test_bad_getmap_gets_a_valid_report_naming_the_parameter(client, change, code, locator):
    text = assert_exception(get(client, **{**GOOD, **change}), code, locator)
    assert text


def test_the_report_names_the_offending_value(client):
    text = assert_exception(get(client, **{**GOOD, "LAYERS": "Nergens"}), "LayerNotDefined")
    assert "'Nergens'" in text and "Conformiteitsattest" in text
    text = assert_exception(get(client, **{**GOOD, "WIDTH": "0"}), "InvalidParameterValue")
    assert "'0'" in text and "4096" in text


def test_111_reports_invalid_srs_against_its_dtd(client):
    request = {**GOOD, "VERSION": "1.1.1", "SRS": "EPSG:28992"}
    del request["CRS"]
    assert_exception(get(client, **request), "InvalidSRS", version="1.1.1")


def test_inimage_draws_the_message_in_a_map_sized_image(client):
    response = get(client, **{**GOOD, "LAYERS": "Nergens", "EXCEPTIONS": "INIMAGE",
                              "TRANSPARENT": "TRUE"})
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(response.content)).convert("RGBA")
    assert img.size == (256, 256)
    assert (np.asarray(img)[..., 3] > 0).sum() > 50  # the message's letters


def test_blank_answers_an_empty_map(client):
    response = get(client, **{**GOOD, "VERSION": "1.1.1", "SRS": "EPSG:31370",
                              "STYLES": "nope", "EXCEPTIONS": "application/vnd.ogc.se_blank",
                              "TRANSPARENT": "TRUE"})
    img = Image.open(io.BytesIO(response.content)).convert("RGBA")
    assert img.size == (256, 256) and np.asarray(img)[..., 3].max() == 0


def test_inimage_without_a_usable_size_falls_back_to_xml(client):
    assert_exception(get(client, **{**GOOD, "WIDTH": "0", "EXCEPTIONS": "INIMAGE"}),
                     "InvalidParameterValue", "WIDTH")


def test_capabilities_need_service(client):
    response = client.get("/wms", params={"REQUEST": "GetCapabilities"})
    assert_exception(response, "MissingParameterValue", "SERVICE")
