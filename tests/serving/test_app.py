"""The ASGI app around the OGC API: redirect, /health, /metrics, publication pick-up."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from publisher.serving.app import create_app


@pytest.fixture(scope="module")
def base(publication_dir, serve_app):
    with serve_app(create_app(publication_dir)) as url:
        yield url


def test_root_is_the_citizen_map_viewer_linking_the_services(base):
    r = httpx.get(f"{base}/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'lang="nl"' in r.text
    assert "/ogc" in r.text and "/wfs" in r.text and "/downloads" in r.text


def test_health_reports_as_of_and_run_per_dataset(base, publication_dir):
    import json

    current = json.loads((publication_dir / "current.json").read_text())
    doc = httpx.get(f"{base}/health").json()
    assert doc["publication_loaded"] is True
    for dataset in ("poi", "woningkwaliteitsbeleid"):
        assert doc["datasets"][dataset]["as_of"] == current[dataset]["as_of"]
        assert doc["datasets"][dataset]["run_id"] == current[dataset]["run_id"]


def test_health_is_503_without_a_publication(tmp_path, serve_app):
    with serve_app(create_app(tmp_path)) as url:
        r = httpx.get(f"{url}/health")
        assert r.status_code == 503 and r.json()["publication_loaded"] is False
        items = httpx.get(f"{url}/ogc/collections/poi/items")
        assert items.status_code == 503


def test_metrics_count_requests_by_route_and_status_and_features_served(base):
    httpx.get(f"{base}/ogc/collections/herstelvorderingen/items", params={"limit": 3})
    httpx.get(f"{base}/ogc/collections/poi/items", params={"limit": "x"})
    r = httpx.get(f"{base}/metrics")
    assert r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert ('vlok_http_requests_total{method="GET",route="/ogc/collections/{id}/items",'
            'status="200"}') in text
    assert 'route="/ogc/collections/{id}/items",status="400"' in text
    assert 'vlok_http_request_duration_seconds_bucket{le="+Inf",route="/health"}' in text \
        or "vlok_http_request_duration_seconds_count" in text
    assert 'vlok_features_served_total{collection="RegisterHerstelvorderingen"}' in text


def test_a_new_publication_is_served_without_restart(demo_store, tmp_path, serve_app,
                                                    serving_as_of):
    from publisher.publication.directory import DirectoryTarget
    from publisher.publication.run import publish_poi
    from publisher.store.db import open_engine

    as_of = serving_as_of
    engine = open_engine(demo_store)
    target = DirectoryTarget(tmp_path)
    publish_poi(engine, target, as_of, store=demo_store, quiet=True)
    with serve_app(create_app(tmp_path)) as url:
        first = httpx.get(f"{url}/health").json()["datasets"]["poi"]
        hits = {"resulttype": "hits"}
        httpx.get(f"{url}/ogc/collections/poi/items", params=hits).raise_for_status()
        later = as_of + timedelta(days=1)
        report = publish_poi(engine, target, later, store=demo_store, quiet=True)
        second = httpx.get(f"{url}/health").json()["datasets"]["poi"]
        assert first["as_of"] == as_of.isoformat()
        assert second == {"as_of": later.isoformat(), "run_id": report.run_id,
                          "features": sum(report.counts.values())}
        items = httpx.get(f"{url}/ogc/collections/poi/items", params={"limit": 1}).json()
        assert items["features"][0]["properties"]["PEILDATUM"] == later.isoformat()
        assert items["numberMatched"] == sum(report.counts.values())


@pytest.mark.parametrize("path", [
    "/", "/health", "/api/v1/kaart", "/api/v1/adressen?q=kerk",
    "/wfs?SERVICE=WFS&REQUEST=GetCapabilities", "/ogc/collections/poi/items",
    "/api/v1/woningkwaliteit?capakey=11004A0479/00N000", "/api/v1/changes?since=2026-01-01"])
def test_an_unreachable_publication_database_gives_503_never_500(path):
    from starlette.testclient import TestClient

    app = create_app("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(path)
    assert response.status_code == 503, response.text
    assert "Traceback" not in response.text


def test_the_address_register_index_is_opened_at_start_up_not_on_the_first_search(
        publication_dir):
    import time

    from starlette.testclient import TestClient

    from publisher.serving.lookup import register

    register._OPEN.clear()
    with TestClient(create_app(publication_dir)):
        deadline = time.monotonic() + 20
        while not register._OPEN:
            assert time.monotonic() < deadline, "address register index not opened"
            time.sleep(0.05)


@pytest.mark.parametrize("path", ["/nope", "/api/v1/nope", "/downloads/../../etc/passwd",
                                  "/%00"])
def test_an_unmatched_path_outside_the_ogc_api_is_a_problem_json_404(base, path):
    r = httpx.get(f"{base}{path}")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 404 and "no resource" in body["detail"]


def test_a_wrong_method_outside_the_ogc_api_is_a_problem_json_405_with_allow(base):
    r = httpx.delete(f"{base}/health")
    assert r.status_code == 405 and "GET" in r.headers["allow"]
    assert r.headers["content-type"] == "application/problem+json"


def test_raw_garbage_on_the_socket_gets_a_problem_json_400(publication_dir, serve_app):
    """What `vlok-publisher serve` runs (the suite's servers use the same protocol class)."""
    import json
    import socket
    from urllib.parse import urlsplit

    with serve_app(create_app(publication_dir)) as url:
        with socket.create_connection(("127.0.0.1", urlsplit(url).port), timeout=5) as sock:
            sock.sendall(b"\x16\x03\x01 GARBAGE \x00\r\n\r\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"application/problem+json" in head.lower()
    assert json.loads(body)["status"] == 400
