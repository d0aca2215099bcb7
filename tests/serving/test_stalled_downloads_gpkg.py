"""Issue 17, GeoPackage flavour: stalled and abandoned downloads disturb nobody.

The same probe as the PostGIS test (``postgis/test_pool_and_streams.py``) over the session's
publication directory: no pool to exhaust here, but the worker's event loop, its thread pool
and the per-thread SQLite connections must all keep answering.
"""

from __future__ import annotations

import time

import httpx
from stall_probes import (
    DOWNLOAD,
    abandoned_client,
    probe,
    probe_paths,
    serve_small_buffers,
    stalled_client,
)

from publisher.serving.app import create_app

STALLED, ABANDONED = 10, 10


def test_stalled_and_abandoned_downloads_starve_no_one_on_geopackage(publication_dir,
                                                                     serve_app):
    with serve_small_buffers(serve_app, create_app(publication_dir)) as base, \
            httpx.Client(base_url=base, timeout=15) as client:
        paths = probe_paths(client)
        stalled = [stalled_client(base) for _ in range(STALLED)]
        try:
            read = [abandoned_client(base) for _ in range(ABANDONED)]
            assert all(n > 0 for n in read), read
            time.sleep(1.0)
            during = probe(client, paths, "during the stall")
        finally:
            for sock in stalled:
                sock.close()
        time.sleep(2.0)
        after = probe(client, paths, "2 s after")
        full = client.get(DOWNLOAD)  # a whole download still completes afterwards
    print(f"\n{STALLED} stalled + {ABANDONED} abandoned: during {len(during.failures)} failed "
          f"(slowest {during.slowest:.2f} s), after {len(after.failures)} failed")
    for rnd in (during, after):
        assert not rnd.failures, (rnd.label, rnd.failures)
        assert rnd.slowest < 2.5, (rnd.label, rnd.results)
    assert full.status_code == 200 and full.content.rstrip().endswith(b"</wfs:FeatureCollection>")
