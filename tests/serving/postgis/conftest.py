"""Serving from PostGIS: the session's demo published into a fresh PostGIS database.

The same store and date as ``publication_dir`` (the GeoPackage flavour), so every response of
the PostGIS app can be compared with the same request against the GeoPackage app.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from publisher.publication.postgis import PostGISTarget
from publisher.publication.run import publish_poi, publish_policy
from publisher.serving.app import create_app
from publisher.store.db import open_engine


def publish_into(url: str, demo_store: str, as_of) -> None:
    """Publish POI and policy of the demo store as of ``as_of`` into the PostGIS ``url``."""
    target = PostGISTarget(open_engine(url))
    engine = open_engine(demo_store)
    try:
        publish_poi(engine, target, as_of, store=demo_store, quiet=True)
        publish_policy(engine, target, as_of, store=demo_store, quiet=True)
    finally:
        engine.dispose()
        target.engine.dispose()


@pytest.fixture(scope="session")
def pg_url(publication_dir, demo_store, make_database, serving_as_of) -> str:
    """A PostGIS database holding the same publication as ``publication_dir``."""
    url = make_database()
    publish_into(url, demo_store, serving_as_of)
    return url


@pytest.fixture(scope="session")
def pg_base(pg_url, serve_app) -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of the app serving the PostGIS publication."""
    with serve_app(create_app(pg_url)) as base:
        yield base


@pytest.fixture(scope="session")
def gpkg_base(publication_dir, serve_app) -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of the app serving the same publication as GeoPackages."""
    with serve_app(create_app(publication_dir)) as base:
        yield base


@pytest.fixture(scope="session")
def pg(pg_base) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=pg_base, timeout=120) as client:
        yield client


@pytest.fixture(scope="session")
def gp(gpkg_base) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gpkg_base, timeout=120) as client:
        yield client


@pytest.fixture(scope="session")
def poi_meta(pg) -> dict:
    """The POI publication's counts, as /health of the PostGIS app reports them."""
    health = pg.get("/health").json()
    assert health["status"] == "ok", health
    return health["datasets"]["poi"]
