"""Daily download files with manifest, change files, DCAT-AP catalogue and HTTP routes.

Formats: GML 3.2 (+ XSD), zipped Shapefile, CSV, GeoPackage and GeoJSON.
The publish job calls :func:`export_downloads` after its pointer switch and
:func:`prune_downloads` with its retention; the web app mounts :func:`routes`.

The export functions are imported on first use: they load GDAL (pyogrio), ~30 MB that every
serve worker would otherwise carry although serving never writes a file.
"""

from __future__ import annotations

from typing import Any

from publisher.downloads.catalog import CATALOG_PATH
from publisher.downloads.routes import routes

__all__ = ["CATALOG_PATH", "export_downloads", "prune_downloads", "routes"]


def __getattr__(name: str) -> Any:
    if name in ("export_downloads", "prune_downloads"):
        from publisher.downloads import export

        return getattr(export, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
