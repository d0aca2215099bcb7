"""Run by Debian's python3 with python3-qgis (not the venv): QGIS adds our WMS, renders.

Usage: python3 qgis_render.py URL X Y OUT_CENTRE OUT_OVERVIEW. Adds the WMS as QGIS's "Add
WMS/WMTS Layer" dialog does with default options (the URI it writes), renders 256×256 px of
EPSG:31370 around (X, Y) ± 500 m, and the whole layer extent with the policy layer under the
points (800×600, the screenshot); prints the layer's validity and extent as JSON.
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsRasterLayer,
    QgsRectangle,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def layer(url: str, name: str) -> QgsRasterLayer:
    uri = (f"contextualWMSLegend=0&crs=EPSG:31370&dpiMode=7&featureCount=10&format=image/png"
           f"&layers={name}&styles=&url={url}")
    found = QgsRasterLayer(uri, name, "wms")
    if not found.isValid():
        print(json.dumps({"valid": False, "error": found.error().summary()}))
        sys.exit(2)
    return found


def render(layers, extent: QgsRectangle, size: QSize, out: str) -> None:
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:31370"))
    settings.setExtent(extent)
    settings.setOutputSize(size)
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(out)


def main() -> None:
    url, x, y, out_centre, out_overview = sys.argv[1], float(sys.argv[2]), \
        float(sys.argv[3]), sys.argv[4], sys.argv[5]
    app = QgsApplication([], False)
    app.initQgis()
    poi = layer(url, "POI")
    render([poi], QgsRectangle(x - 500, y - 500, x + 500, y + 500), QSize(256, 256),
           out_centre)
    policy = layer(url, "Woningkwaliteitsbeleid")
    render([poi, policy], poi.extent(), QSize(800, 600), out_overview)
    e = poi.extent()
    print(json.dumps({"valid": True, "crs": poi.crs().authid(),
                      "extent": [e.xMinimum(), e.yMinimum(), e.xMaximum(), e.yMaximum()]}))
    app.exitQgis()


main()
