"""A consumer that follows the stream holds exactly what the WFS serves, day after day.

The WFS answers GeoJSON in CRS84 (as every GeoJSON we serve); the replica keeps the members'
EPSG:31370 points, compared after the same transformation.
"""

from __future__ import annotations

import math

import pytest
from pyproj import Transformer

from publisher.commands.ldes_replicate import replicate

from .conftest import DAYS, replica_features, wfs_features

TO_CRS84 = Transformer.from_crs("EPSG:31370", "OGC:CRS84", always_xy=True)


def assert_same_features(replica: dict[str, dict], wfs: dict[str, dict]) -> None:
    """Same POIDs, every property equal, the same positions (GeoJSON: CRS84, 7 decimals)."""
    assert sorted(replica) == sorted(wfs)
    for poid, feature in wfs.items():
        mine = replica[poid]
        assert mine["properties"] == feature["properties"], poid
        lon, lat = TO_CRS84.transform(*mine["xy"])
        assert math.dist((lon, lat), feature["geometry"]["coordinates"]) < 1e-6, poid


def test_the_days_add_and_remove_facts(stream) -> None:
    changes = [s.report.changes for s in stream.snapshots[1:]]
    added = sum(c["added"] for day in changes for c in day.values())
    removed = sum(c["removed"] for day in changes for c in day.values())
    assert len(stream.snapshots) >= 5
    assert added >= 5 and removed >= 3, changes
    assert all(s.operations > 0 for s in stream.snapshots[1:])


@pytest.mark.parametrize("i", range(len(DAYS)))
def test_a_replica_kept_in_sync_day_by_day_equals_the_wfs(stream, i) -> None:
    snapshot = stream.snapshots[i]
    assert snapshot.summary["as_of"] == snapshot.day.isoformat()
    assert_same_features(snapshot.replica, snapshot.wfs)


def test_an_incremental_sync_reads_only_the_new_day(stream) -> None:
    for snapshot in stream.snapshots[1:]:
        members = sum(c["added"] + c["removed"] for c in snapshot.report.changes.values())
        # + the facts shown differently (a parcel linked to their building): same POID
        assert members < snapshot.summary["members"]
        assert snapshot.summary["pages"] == 1


def test_a_fact_shown_differently_reaches_the_replica_as_an_update(stream) -> None:
    moved = []
    for before, after in zip(stream.snapshots, stream.snapshots[1:], strict=False):
        moved += [(p, after) for p in before.wfs if p in after.wfs and before.wfs[p][
            "properties"]["CAPAKEY"] != after.wfs[p]["properties"]["CAPAKEY"]]
    assert moved
    assert all(after.replica[p]["properties"]["CAPAKEY"] == after.wfs[p]["properties"]["CAPAKEY"]
               for p, after in moved)


def test_a_replica_from_zero_after_six_days_equals_the_wfs(stream, tmp_path) -> None:
    fresh = tmp_path / "fresh.gpkg"
    summary = replicate(f"{stream.base}/ldes/woningkwaliteit", fresh)
    assert summary["pages"] >= len(DAYS)
    assert_same_features(replica_features(fresh), wfs_features(stream.base))
    again = replicate(f"{stream.base}/ldes/woningkwaliteit", fresh)
    assert again["pages"] == 0 and again["members"] == 0  # nothing new: nothing read


def test_replicate_command_names_a_bad_url(tmp_path, capsys) -> None:
    from publisher.cli import main

    code = main(["ldes-replicate", "ftp://example/ldes", "--into", str(tmp_path / "x.gpkg")])
    assert code == 8
    assert "ftp://example/ldes" in capsys.readouterr().err
