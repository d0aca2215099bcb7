"""One cap per worker on large responses, for WFS, OGC API and download files alike (issue 17).

With ``serving_max_streams`` = 2 and two WFS downloads whose clients read nothing, a large OGC
API page and a download file are refused at once with 503 + ``Retry-After`` in each surface's
own error shape, while small answers pass; once the stalled clients are gone, both are served.
"""

from __future__ import annotations

import time

import httpx
from stall_probes import serve_small_buffers, stalled_client

from publisher.serving.app import create_app

#: A page over the 256 KiB of a large body (about 500 GeoJSON features).
LARGE_PAGE = "/ogc/collections/poi/items?limit=1000&f=json"


def test_streams_past_the_cap_are_refused_on_every_surface(publication_dir, serve_app,
                                                           monkeypatch):
    monkeypatch.setenv("VLOK_SERVING_MAX_STREAMS", "2")
    with serve_small_buffers(serve_app, create_app(publication_dir)) as base, \
            httpx.Client(base_url=base, timeout=15) as client:
        files = client.get("/downloads/manifest.json").json()["files"]
        largest = max(files, key=lambda e: e["bytes"])["name"]
        assert len(client.get(LARGE_PAGE).content) > 256 * 1024  # large indeed, served alone
        stalled = [stalled_client(base) for _ in range(2)]
        try:
            time.sleep(0.5)
            page = client.get(LARGE_PAGE)
            assert page.status_code == 503, page.text
            assert page.headers["Retry-After"] and page.json()["code"] == "ServiceUnavailable"
            download = client.get(f"/downloads/{largest}")
            assert download.status_code == 503, download.status_code
            assert download.headers["Retry-After"]
            assert download.headers["content-type"] == "application/problem+json"
            small = client.get("/ogc/collections/poi/items?limit=5&f=json")
            assert small.status_code == 200  # a small page takes no slot
            assert client.get("/health").status_code == 200
            refused = [line for line in client.get("/metrics").text.splitlines()
                       if line.startswith("vlok_streams_refused_total")]
            assert any('surface="downloads"' in line for line in refused), refused
        finally:
            for sock in stalled:
                sock.close()
        deadline = time.monotonic() + 10
        while client.get(LARGE_PAGE).status_code != 200:
            assert time.monotonic() < deadline, "a slot was never given back"
            time.sleep(0.2)
        assert client.get(f"/downloads/{largest}").status_code == 200
