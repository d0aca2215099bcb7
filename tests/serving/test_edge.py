"""One public base URL for every surface: configured, or forwarded headers that are safe.

Behind a load balancer the links must be the ones a client can follow; but a forwarded host
is client input, so only a plain host[:port] is echoed (the WFS once echoed anything).
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from publisher.serving.app import create_app

CAPABILITIES = {"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetCapabilities"}


@pytest.fixture(scope="module")
def client(publication_dir):
    with TestClient(create_app(publication_dir)) as c:
        yield c


def test_a_plain_forwarded_host_and_scheme_become_the_links(client):
    headers = {"X-Forwarded-Host": "kaart.example.be:8443", "X-Forwarded-Proto": "https"}
    wfs = client.get("/wfs", params=CAPABILITIES, headers=headers).text
    assert "https://kaart.example.be:8443/wfs" in wfs
    landing = client.get("/ogc", params={"f": "json"}, headers=headers).json()
    ours = [link["href"] for link in landing["links"] if "vlaanderen.be" not in link["href"]]
    assert ours and all(h.startswith("https://kaart.example.be:8443/") for h in ours)
    assert "https://kaart.example.be:8443/wfs?SERVICE=WFS&REQUEST=GetCapabilities" in ours


@pytest.mark.parametrize("host", ['evil.example/"><x', "a b", "evil.example/path",
                                  "'quoted'"])
def test_a_forwarded_host_that_is_not_a_plain_host_is_never_echoed(client, host):
    headers = {"X-Forwarded-Host": host, "X-Forwarded-Proto": "javascript"}
    for path, params in (("/wfs", CAPABILITIES), ("/ogc", {"f": "json"})):
        text = client.get(path, params=params, headers=headers).text
        assert host not in text and "javascript:" not in text
        assert "http://testserver/" in text


def test_the_configured_base_url_wins_on_every_surface(publication_dir):
    app = create_app(publication_dir, base_url="https://woningkwaliteit.example.be/data")
    with TestClient(app) as c:
        headers = {"X-Forwarded-Host": "other.example"}
        wfs = c.get("/wfs", params=CAPABILITIES, headers=headers).text
        assert "https://woningkwaliteit.example.be/data/wfs" in wfs
        assert "other.example" not in wfs
        landing = c.get("/ogc", params={"f": "json"}, headers=headers).json()
        assert "https://woningkwaliteit.example.be/data/ogc/conformance" in [
            link["href"] for link in landing["links"]]
