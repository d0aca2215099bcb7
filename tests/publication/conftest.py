"""Fixtures for publication tests: small synthetic stores and a helper to publish them."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from publisher.publication.directory import DirectoryTarget
from publisher.publication.run import RunReport, publish_poi
from publisher.store.db import open_engine
from publisher.synthetic.generator import build_demo

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="session")
def tiny_store_template(tmp_path_factory) -> Path:
    """A 600-unit synthetic store built once; tests copy it before changing it."""
    path = tmp_path_factory.mktemp("template") / "vlok.sqlite"
    build_demo(open_engine(f"sqlite:///{path}"), units=600, seed=5, until=AS_OF, quiet=True)
    return path


@pytest.fixture
def tiny_store(tiny_store_template, tmp_path) -> Engine:
    """A private copy of the tiny store (SQLite)."""
    path = tmp_path / "vlok.sqlite"
    with closing(sqlite3.connect(tiny_store_template)) as src, \
            closing(sqlite3.connect(path)) as dst:
        src.backup(dst)  # WAL-safe copy
    return open_engine(f"sqlite:///{path}")


def _publish(engine: Engine, root: Path, as_of: date = AS_OF) -> RunReport:
    return publish_poi(engine, DirectoryTarget(root), as_of, store=str(engine.url), quiet=True)


@pytest.fixture
def publish():
    """``publish(engine, root, as_of=AS_OF)``: publish the POI dataset into ``root``."""
    return _publish


@pytest.fixture
def as_of() -> date:
    """The reference as-of date of the publication tests."""
    return AS_OF
