"""Issue 17, GeoPackage flavour: stalled and abandoned downloads disturb nobody.

The same probe as the PostGIS test (``postgis/test_pool_and_streams.py``) over the session's
publication directory: no pool to exhaust here, but the worker's event loop, its thread pool
and the per-thread SQLite connections must all keep answering.
"""

from __future__ import annotations

import httpx
from stall_probes import (
    DOWNLOAD,
    SEND_TIMEOUT,
    assert_nobody_starved,
    report,
    serve_small_buffers,
    stall,
)

from publisher.serving.app import create_app


def test_stalled_and_abandoned_downloads_starve_no_one_on_geopackage(publication_dir,
                                                                     serve_app, monkeypatch):
    monkeypatch.setenv("VLOK_SERVING_SEND_TIMEOUT_SECONDS", str(SEND_TIMEOUT))
    with serve_small_buffers(serve_app, create_app(publication_dir)) as base, \
            httpx.Client(base_url=base, timeout=15) as client:
        outcome = stall(base, client)
        full = client.get(DOWNLOAD)  # a whole download still completes afterwards
    print("\n" + report(outcome))
    assert_nobody_starved(outcome)
    assert full.status_code == 200 and full.content.rstrip().endswith(b"</wfs:FeatureCollection>")
