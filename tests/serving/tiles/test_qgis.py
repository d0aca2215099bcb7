"""QGIS adds our vector tiles as XYZ with default options and draws each point where it is."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pyproj import Transformer

from publisher.serving.tiles.matrixsets import WEB_MERCATOR

QGIS_PYTHON = "/usr/bin/python3"
SCRIPT = Path(__file__).with_name("qgis_render.py")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
TO_3857 = Transformer.from_crs(4326, 3857, always_xy=True)
SIZE = 600


def _has_qgis() -> bool:
    return subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True,
                          check=False).returncode == 0


@pytest.mark.skipif(not Path(QGIS_PYTHON).exists() or not _has_qgis(),
                    reason="Debian's python3-qgis is not installed (scripts/system-deps.sh)")
def test_qgis_renders_every_point_of_a_town_where_it_is(gpkg_tiles, poi_items, tmp_path):
    # a 3 km square around the first feature: zoomed in enough for points, not clusters
    lon, lat = poi_items[0]["geometry"]["coordinates"]
    cx, cy = TO_3857.transform(lon, lat)
    half = 1500.0
    box = (cx - half, cy - half, cx + half, cy + half)
    out = tmp_path / "qgis.png"
    template = f"{gpkg_tiles}/ogc/collections/poi/tiles/{WEB_MERCATOR}/{{z}}/{{y}}/{{x}}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run([QGIS_PYTHON, str(SCRIPT), template, *map(str, box), str(SIZE),
                           str(SIZE), str(out)], capture_output=True, text=True, timeout=240,
                          env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["valid"] and not report["errors"], report
    image = np.asarray(Image.open(out).convert("RGB")).astype(int)
    drawn = (np.abs(image - 255).sum(axis=2) > 60)  # anything not white background
    inside, hits = 0, 0
    for feature in poi_items:
        x, y = TO_3857.transform(*feature["geometry"]["coordinates"])
        col = (x - box[0]) / (box[2] - box[0]) * SIZE
        row = (box[3] - y) / (box[3] - box[1]) * SIZE
        if not (4 <= col < SIZE - 4 and 4 <= row < SIZE - 4):
            continue
        inside += 1
        r, c = int(row), int(col)
        hits += bool(drawn[r - 2:r + 3, c - 2:c + 3].any())
    assert inside >= 3, "the test area should hold several features"
    assert hits == inside, f"{inside - hits} of {inside} features not drawn where they are"
    # and nothing is drawn far from every feature (no shifted or mirrored copy)
    rows, cols = np.nonzero(drawn)
    pts = np.array([[(TO_3857.transform(*f["geometry"]["coordinates"])[0] - box[0])
                     / (box[2] - box[0]) * SIZE,
                     (box[3] - TO_3857.transform(*f["geometry"]["coordinates"])[1])
                     / (box[3] - box[1]) * SIZE] for f in poi_items])
    far = 0
    for r, c in zip(rows[::7], cols[::7], strict=True):
        far += np.min(np.hypot(pts[:, 0] - c, pts[:, 1] - r)) > 12
    assert far == 0, f"{far} drawn pixels are far from every feature"
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(out, ARTIFACTS / "tiles-qgis-render.png")
    assert sys.executable  # the render ran in Debian's Python, the test in ours
