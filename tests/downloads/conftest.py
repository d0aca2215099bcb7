"""Fixtures for the download tests: a published demo and its exported downloads.

The demo store and publication are built like ``tests/serving/conftest.py`` builds them (the
minimal bits are copied: that conftest is not importable as a module from here).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from publisher.downloads import export_downloads
from publisher.downloads.sets import latest_dir, read_manifest
from publisher.publication.directory import DirectoryTarget
from publisher.publication.run import publish_poi, publish_policy
from publisher.store.db import open_engine
from publisher.synthetic.generator import build_demo

AS_OF = date(2026, 11, 23)
DATASETS = ("poi", "woningkwaliteitsbeleid")


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Path:
    """A publication directory with POI and policy published as of AS_OF (seed 11)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('dl-store') / 'vlok.sqlite'}"
    engine = open_engine(url)
    build_demo(engine, units=3000, seed=11, until=AS_OF, quiet=True)
    root = tmp_path_factory.mktemp("dl-publication")
    target = DirectoryTarget(root)
    publish_poi(engine, target, AS_OF, store=url, quiet=True)
    publish_policy(engine, target, AS_OF, store=url, quiet=True)
    engine.dispose()
    return root


def run_changes(root: Path, dataset: str, as_of: date) -> list[tuple[str, str, str]]:
    """The change set the publish job recorded for the run serving ``dataset``."""
    runs = DirectoryTarget(root).changes_since(as_of - timedelta(days=1), dataset)
    return [(product, poid, kind) for run in runs[-1:]
            for product, sets in run["changes"].items()
            for kind, poids in sets.items() for poid in poids]


def export_all(root: Path) -> dict:
    """Export both datasets as the publish job would; return the final manifest."""
    target = DirectoryTarget(root)
    manifest: dict = {}
    for dataset in DATASETS:
        current = target.current(dataset)
        assert current is not None
        manifest = export_downloads(root, dataset, current.path, current.as_of,
                                    current.run_id, run_changes(root, dataset, current.as_of))
    return manifest


@pytest.fixture(scope="session")
def exported(published) -> Path:
    """``published`` with its downloads exported; yields the served set's directory."""
    export_all(published)
    served = latest_dir(published)
    assert served is not None
    return served


@pytest.fixture(scope="session")
def manifest(exported) -> dict:
    return read_manifest(exported)
