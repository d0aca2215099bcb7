"""Fixtures for serving tests: a real publication (a real HTTP server: ``serve_app``).

``publication_dir`` builds a small synthetic Flanders into SQLite and publishes it once per
test session (POI and the policy dataset, with the download files, as the CLI wires them).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from publisher.commands.publish import downloads_after_switch
from publisher.publication.directory import DirectoryTarget
from publisher.publication.run import publish_poi, publish_policy
from publisher.store.db import open_engine
from publisher.synthetic.generator import build_demo

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> str:
    """URL of a small synthetic Flanders (seed 11, histories until AS_OF)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'vlok.sqlite'}"
    build_demo(open_engine(url), units=3000, seed=11, until=AS_OF, quiet=True)
    return url


@pytest.fixture(scope="session")
def publication_dir(demo_store, tmp_path_factory) -> Path:
    """A publication directory with the POI and policy datasets published as of AS_OF."""
    root = tmp_path_factory.mktemp("publication")
    target = DirectoryTarget(root)
    engine = open_engine(demo_store)
    follow_up = downloads_after_switch(target, AS_OF, 30, True)  # as the CLI wires it
    publish_poi(engine, target, AS_OF, store=demo_store, quiet=True, after_switch=follow_up)
    publish_policy(engine, target, AS_OF, store=demo_store, quiet=True, after_switch=follow_up)
    return root


@pytest.fixture(scope="session")
def serving_as_of() -> date:
    """The as-of date of the session's publications."""
    return AS_OF
