"""Render our vector tiles with QGIS, as a user adds them (run by Debian's /usr/bin/python3).

Usage: ``qgis_render.py URL_TEMPLATE MINX MINY MAXX MAXY WIDTH HEIGHT OUT.png`` (EPSG:3857).
The layer is a ``QgsVectorTileLayer`` of ``type=xyz`` with default options and QGIS's default
style, the way *Add Vector Tile Layer* → XYZ creates it; prints the layer's validity and zoom
range as JSON.
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsDataSourceUri,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsRectangle,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def main() -> int:
    template, *numbers, out = sys.argv[1:]
    minx, miny, maxx, maxy = map(float, numbers[:4])
    width, height = int(numbers[4]), int(numbers[5])
    app = QgsApplication([], False)
    app.initQgis()
    uri = QgsDataSourceUri()
    uri.setParam("type", "xyz")
    uri.setParam("url", template)
    uri.setParam("zmin", "0")
    uri.setParam("zmax", "22")
    layer = QgsVectorTileLayer(bytes(uri.encodedUri()).decode(), "VLOK POI")
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    settings.setExtent(QgsRectangle(minx, miny, maxx, maxy))
    settings.setOutputSize(QSize(width, height))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(out, "PNG")
    print(json.dumps({"valid": layer.isValid(), "source_min_zoom": layer.sourceMinZoom(),
                      "source_max_zoom": layer.sourceMaxZoom(),
                      "errors": [e.message for e in job.errors()]}))
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
