"""Real clients read the WMS: QGIS (headless), GDAL's WMS driver and OWSLib.

QGIS runs in Debian's ``/usr/bin/python3`` (``python3-qgis``) in a subprocess with
``QT_QPA_PLATFORM=offscreen``; its render is kept in ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from .conftest import around, coloured_near

HV = "RegisterHerstelvorderingen"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
QGIS_PYTHON = "/usr/bin/python3"


def _has_qgis() -> bool:
    if not Path(QGIS_PYTHON).exists():
        return False
    return subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True,
                          timeout=60).returncode == 0


@pytest.mark.skipif(not _has_qgis(), reason="python3-qgis is not installed")
def test_qgis_adds_the_wms_with_default_options_and_draws_the_features(server, isolated,
                                                                       tmp_path):
    x, y, lon, lat, _ = isolated[HV]
    centre, overview = tmp_path / "centre.png", tmp_path / "overview.png"
    geographic = tmp_path / "epsg4326.png"
    done = subprocess.run(
        [QGIS_PYTHON, str(Path(__file__).with_name("qgis_render.py")), server, str(x), str(y),
         str(lon), str(lat), str(centre), str(overview), str(geographic)],
        capture_output=True, text=True, timeout=240,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["valid"] and report["crs"] == "EPSG:31370"
    img = Image.open(centre)
    assert img.size == (256, 256)
    assert coloured_near(img, HV, 128, 128) >= 15  # the feature where it is
    rgba = np.asarray(img.convert("RGBA")).astype(int)
    assert (np.abs(rgba[:40, :40, :3] - 255).max()) == 0  # and nothing else: white
    # in EPSG:4326 QGIS sends the 1.3.0 BBOX latitude first: the feature is still at the centre
    assert coloured_near(Image.open(geographic), HV, 128, 128) >= 15
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(overview, ARTIFACTS / "wms-qgis-flanders.png")
    shutil.copy(centre, ARTIFACTS / "wms-qgis-feature.png")


@pytest.mark.skipif(shutil.which("gdal_translate") is None, reason="GDAL is not installed")
def test_gdal_wms_driver_reads_a_map(server, isolated, tmp_path):
    x, y, *_ = isolated[HV]
    x1, y1, x2, y2 = (float(v) for v in around(x, y).split(","))
    # GDAL's WMS service description, sized so that the driver asks for the map at 256 px
    # (a bare "WMS:<GetMap URL>" is a huge raster, decimated by -outsize)
    (tmp_path / "wms.xml").write_text(f"""<GDAL_WMS><Service name="WMS"><Version>1.3.0</Version>
<ServerUrl>{server}?</ServerUrl><CRS>EPSG:31370</CRS><ImageFormat>image/png</ImageFormat>
<Layers>{HV}</Layers><Transparent>TRUE</Transparent></Service><DataWindow>
<UpperLeftX>{x1}</UpperLeftX><UpperLeftY>{y2}</UpperLeftY><LowerRightX>{x2}</LowerRightX>
<LowerRightY>{y1}</LowerRightY><SizeX>256</SizeX><SizeY>256</SizeY></DataWindow>
<BlockSizeX>256</BlockSizeX><BlockSizeY>256</BlockSizeY><BandsCount>4</BandsCount>
</GDAL_WMS>""")
    out = tmp_path / "gdal.png"
    done = subprocess.run(["gdal_translate", "-q", "-of", "PNG", str(tmp_path / "wms.xml"),
                           str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert coloured_near(Image.open(out), HV, 128, 128) >= 15
    listing = subprocess.run(["gdalinfo", f"WMS:{server}?SERVICE=WMS&REQUEST=GetCapabilities"],
                             capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0, listing.stderr
    assert "LAYERS=RegisterHerstelvorderingen" in listing.stdout


@pytest.mark.parametrize("version", ["1.3.0", "1.1.1"])
def test_owslib_lists_layers_gets_a_map_and_feature_info(server, isolated, version):
    from owslib.wms import WebMapService

    wms = WebMapService(server, version=version, timeout=60)
    assert {"POI", HV, "Woningkwaliteitsbeleid"} <= set(wms.contents)
    assert "EPSG:31370" in wms[HV].crsOptions
    assert wms[HV].styles["default"]["legend"].startswith(server)
    x, y, _, _, poid = isolated[HV]
    box = tuple(float(v) for v in around(x, y).split(","))
    img = wms.getmap(layers=[HV], styles=[""], srs="EPSG:31370", bbox=box, size=(256, 256),
                     format="image/png", transparent=True)
    assert coloured_near(Image.open(io.BytesIO(img.read())), HV, 128, 128) >= 15
    info = wms.getfeatureinfo(layers=[HV], srs="EPSG:31370", bbox=box, size=(256, 256),
                              format="image/png", query_layers=[HV], info_format="application/json",
                              xy=(128, 128))
    assert [f["id"] for f in json.loads(info.read())["features"]] == [poid]
