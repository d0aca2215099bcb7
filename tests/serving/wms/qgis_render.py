"""Run by Debian's python3 with python3-qgis (not the venv): QGIS adds our WMS, renders.

Usage: python3 qgis_render.py URL X Y LON LAT OUT_CENTRE OUT_OVERVIEW OUT_4326. Adds the WMS as
QGIS's "Add WMS/WMTS Layer" dialog does with default options (the URI it writes), renders
256×256 px of EPSG:31370 around (X, Y) ± 500 m, the whole layer extent with the policy layer
under the points (800×600, the screenshot), and 256×256 px of EPSG:4326 around (LON, LAT)
(QGIS writes a WMS 1.3.0 BBOX latitude first); prints the layer's validity and extent.
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


def layer(url: str, name: str, crs: str = "EPSG:31370") -> QgsRasterLayer:
    uri = (f"contextualWMSLegend=0&crs={crs}&dpiMode=7&featureCount=10&format=image/png"
           f"&layers={name}&styles=&url={url}")
    found = QgsRasterLayer(uri, name, "wms")
    if not found.isValid():
        print(json.dumps({"valid": False, "error": found.error().summary()}))
        sys.exit(2)
    return found


def render(layers, extent: QgsRectangle, size: QSize, out: str, crs: str = "EPSG:31370") -> None:
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(QgsCoordinateReferenceSystem(crs))
    settings.setExtent(extent)
    settings.setOutputSize(size)
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(out)


def main() -> None:
    url = sys.argv[1]
    x, y, lon, lat = (float(v) for v in sys.argv[2:6])
    out_centre, out_overview, out_4326 = sys.argv[6:9]
    app = QgsApplication([], False)
    app.initQgis()
    poi = layer(url, "POI")
    render([poi], QgsRectangle(x - 500, y - 500, x + 500, y + 500), QSize(256, 256),
           out_centre)
    policy = layer(url, "Woningkwaliteitsbeleid")
    render([poi, policy], poi.extent(), QSize(800, 600), out_overview)
    geographic = layer(url, "POI", "EPSG:4326")
    render([geographic], QgsRectangle(lon - 0.007, lat - 0.007, lon + 0.007, lat + 0.007),
           QSize(256, 256), out_4326, "EPSG:4326")
    e = poi.extent()
    print(json.dumps({"valid": True, "crs": poi.crs().authid(),
                      "extent": [e.xMinimum(), e.yMinimum(), e.xMaximum(), e.yMaximum()]}))
    app.exitQgis()


main()
