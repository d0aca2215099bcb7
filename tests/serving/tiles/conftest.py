"""Fixtures for the vector tiles: the session's demo served from GeoPackages and from PostGIS.

``tiles_base`` is parametrized over both publication flavours, so every behaviour test runs
against the R-tree and the GiST index alike.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import mapbox_vector_tile
import pytest
from postgis.conftest import publish_into

from publisher.serving.app import create_app


@pytest.fixture(scope="session")
def tiles_pg_url(publication_dir, demo_store, make_database, serving_as_of) -> str:
    """A PostGIS database holding the same publication as ``publication_dir``."""
    url = make_database()
    publish_into(url, demo_store, serving_as_of)
    return url


@pytest.fixture(scope="session")
def gpkg_tiles(publication_dir, serve_app) -> Iterator[str]:
    with serve_app(create_app(publication_dir)) as base:
        yield base


@pytest.fixture(scope="session")
def pg_tiles(tiles_pg_url, serve_app) -> Iterator[str]:
    with serve_app(create_app(tiles_pg_url)) as base:
        yield base


@pytest.fixture(scope="session", params=["gpkg", pytest.param("postgis",
                                                              marks=pytest.mark.postgis)])
def tiles_base(request) -> str:
    """Base URL of an app over the demo publication, once per flavour."""
    return request.getfixturevalue("gpkg_tiles" if request.param == "gpkg" else "pg_tiles")


@pytest.fixture(scope="session")
def http(tiles_base) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=tiles_base, timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def poi_items(gpkg_tiles) -> list[dict]:
    """Every POI feature as the OGC API sends it (CRS84): where the tiles must put them."""
    out, url = [], f"{gpkg_tiles}/ogc/collections/poi/items?limit=1000"
    with httpx.Client(timeout=60) as client:
        while url:
            page = client.get(url).json()
            out += page["features"]
            url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    return out


def decode(body: bytes) -> list[dict]:
    """The features of a tile's ``poi`` layer (tile units, y down as encoded)."""
    if not body:
        return []
    layers = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
    return layers["poi"]["features"] if "poi" in layers else []
