"""Daily download files with manifest, change files, DCAT-AP catalogue and HTTP routes.

Formats: GML 3.2 (+ XSD), zipped Shapefile, CSV, GeoPackage and GeoJSON.
The publish job calls :func:`export_downloads` after its pointer switch and
:func:`prune_downloads` with its retention; the web app mounts :func:`routes`.
"""

from publisher.downloads.catalog import CATALOG_PATH
from publisher.downloads.export import export_downloads, prune_downloads
from publisher.downloads.routes import routes

__all__ = ["CATALOG_PATH", "export_downloads", "prune_downloads", "routes"]
