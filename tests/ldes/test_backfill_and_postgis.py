"""The stream on an upgraded target (backfilled from the run history) and on PostGIS."""

from __future__ import annotations

import time

import httpx
import pytest

from publisher.commands.ldes_replicate import replicate
from publisher.publication.directory import DirectoryTarget
from publisher.publication.ldes import page_store
from publisher.publication.postgis import PostGISTarget
from publisher.publication.run import publish_poi
from publisher.serving.app import create_app
from publisher.serving.publications import DEFAULT_TTL
from publisher.store.db import open_engine

from .conftest import DAYS, change_store, copy_store, publish_day, replica_features, wfs_features
from .test_replication import assert_same_features


def test_the_first_publish_after_an_upgrade_backfills_the_run_history(
        ldes_template, tmp_path, serve_app) -> None:
    url = copy_store(ldes_template, tmp_path / "vlok.sqlite")
    engine = open_engine(url)
    target = DirectoryTarget(tmp_path / "pub")
    for i, day in enumerate(DAYS[:3]):  # a release without the stream, pruning every old day
        if i:
            change_store(url, day, i)
        publish_poi(engine, target, day, store=url, quiet=True, retention_days=0)
    assert page_store(target).days() == []
    change_store(url, DAYS[3], 3)
    publish_day(engine, target, DAYS[3], url)  # the first publish after the upgrade
    assert [d for d, _ in page_store(target).days()] == [d.isoformat() for d in DAYS[:4]]
    with serve_app(create_app(target.root)) as base:
        summary = replicate(f"{base}/ldes/woningkwaliteit", tmp_path / "replica.gpkg")
        assert summary["as_of"] == DAYS[3].isoformat()
        assert_same_features(replica_features(tmp_path / "replica.gpkg"), wfs_features(base))
    engine.dispose()


def test_a_day_published_again_never_reopens_a_closed_day(ldes_template, tmp_path) -> None:
    url = copy_store(ldes_template, tmp_path / "vlok.sqlite")
    engine = open_engine(url)
    target = DirectoryTarget(tmp_path / "pub")
    publish_day(engine, target, DAYS[0], url)
    publish_day(engine, target, DAYS[2], url)
    publish_day(engine, target, DAYS[1], url)  # an older day, published after a newer one
    days = [d for d, _ in page_store(target).days()]
    assert days == [DAYS[0].isoformat(), DAYS[2].isoformat()]  # its changes join the newest
    engine.dispose()


@pytest.mark.postgis
def test_a_postgis_target_streams_what_its_wfs_serves(ldes_template, tmp_path, make_database,
                                                      serve_app) -> None:
    url = copy_store(ldes_template, tmp_path / "vlok.sqlite")
    engine = open_engine(url)
    database = make_database()
    target = PostGISTarget(open_engine(database))
    replica = tmp_path / "replica.gpkg"
    with serve_app(create_app(database)) as base:
        for i, day in enumerate(DAYS[:3]):
            if i:
                change_store(url, day, i)
            publish_day(engine, target, day, url)
            time.sleep(DEFAULT_TTL + 0.2)  # the PostGIS reader looks at the pointer every second
            replicate(f"{base}/ldes/woningkwaliteit", replica)
            assert_same_features(replica_features(replica), wfs_features(base))
        first = httpx.get(f"{base}/ldes/woningkwaliteit/{DAYS[0].isoformat()}/1")
        assert "immutable" in first.headers["cache-control"]
        assert httpx.get(first.url, headers={"If-None-Match": first.headers["etag"]}
                         ).status_code == 304
    target.engine.dispose()
    engine.dispose()
