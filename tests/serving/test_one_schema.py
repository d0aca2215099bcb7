"""A layer has one application schema: DescribeFeatureType and the GML download's XSD agree.

They were written by two writers that disagreed (``xsd:long`` and no lengths in the download,
``xsd:integer`` with ``maxLength`` in the WFS; issue 12); both now come from
:mod:`publisher.publication.xsd`. Only the ``version`` attribute differs (the download names
the mapping's digest).
"""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from publisher.serving.app import create_app


@pytest.fixture(scope="module")
def client(publication_dir):
    with TestClient(create_app(publication_dir)) as c:
        yield c


@pytest.mark.parametrize("dataset, type_name", [("poi", "POI:POI"), (
    "woningkwaliteitsbeleid", "POI:Woningkwaliteitsbeleid")])
def test_describefeaturetype_is_the_downloaded_schema(client, publication_dir, dataset,
                                                       type_name):
    served = client.get("/wfs", params={"SERVICE": "WFS", "VERSION": "2.0.0",
                                        "REQUEST": "DescribeFeatureType",
                                        "TYPENAMES": type_name})
    assert served.status_code == 200, served.text[:300]
    (downloaded,) = (publication_dir / "downloads" / "latest").glob(
        f"vlok-{dataset}-????-??-??.xsd")
    without_version = re.compile(rb' version="[^"]*"')
    assert without_version.sub(b"", served.content) == \
        without_version.sub(b"", downloaded.read_bytes())
    assert b"maxLength" in served.content or dataset != "poi"
