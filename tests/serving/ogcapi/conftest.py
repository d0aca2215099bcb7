"""An OGC API server over the session's publication, shared by the OGC API tests."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import httpx
import pytest

from publisher.serving.app import create_app

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"




@pytest.fixture(scope="session")
def ogc_base(publication_dir, serve_app) -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of a real server; the OGC API is under ``/ogc``."""
    with serve_app(create_app(publication_dir)) as url:
        yield url


@pytest.fixture(scope="session")
def ogc(ogc_base) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{ogc_base}/ogc", timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def poi_meta(publication_dir) -> dict:
    """``publication_meta`` of the current POI file (the counts tests compare with)."""
    current = json.loads((publication_dir / "current.json").read_text())
    path = publication_dir / current["poi"]["file"]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM publication_meta")}


def links(doc: dict) -> dict[str, str]:
    """rel → href of the paging links of a response."""
    return {link["rel"]: link["href"] for link in doc["links"]
            if link["rel"] in ("next", "prev")}
