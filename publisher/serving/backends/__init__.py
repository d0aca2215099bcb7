"""Publication backends behind one contract (:mod:`.base`); :func:`backend_for` picks one."""

from __future__ import annotations

from publisher.serving.backends.base import Failure, PublicationBackend, Query
from publisher.serving.backends.geopackage import GeoPackageBackend
from publisher.serving.backends.postgis import PostGISBackend
from publisher.serving.publications import Publication

__all__ = ["Failure", "PublicationBackend", "Query", "backend_for"]

_BACKENDS: dict[str, PublicationBackend] = {"gpkg": GeoPackageBackend(),
                                            "postgis": PostGISBackend()}


def backend_for(pub: Publication) -> PublicationBackend:
    """The backend reading ``pub``: the one place serving decides GeoPackage or PostGIS."""
    return _BACKENDS[pub.backend]
