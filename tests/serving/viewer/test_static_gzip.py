"""The map's static files travel compressed: MapLibre and Leaflet are most of a first visit."""

from __future__ import annotations

import re

import httpx

from publisher.serving.app import create_app


def test_the_viewers_scripts_and_styles_are_sent_gzipped(publication_dir, serve_app):
    with serve_app(create_app(publication_dir)) as base:
        page = httpx.get(f"{base}/").text
        assets = re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css))"', page)
        assert any("leaflet.js" in a for a in assets), assets
        for asset in assets:
            with httpx.stream("GET", base + asset, headers={"Accept-Encoding": "gzip"}) as r:
                sent = sum(len(chunk) for chunk in r.iter_raw())
            plain = httpx.get(base + asset, headers={"Accept-Encoding": "identity"})
            assert plain.status_code == 200 and "content-encoding" not in plain.headers
            if len(plain.content) > 1024:  # below that, compressing costs more than it saves
                assert r.headers.get("content-encoding") == "gzip", asset
                assert sent < len(plain.content) * 0.6, (asset, sent, len(plain.content))
