"""A geometry column type that works on PostGIS and on plain SQLite alike.

On PostgreSQL it is GeoAlchemy2's ``Geometry`` (real PostGIS columns, GiST-indexable). On SQLite
it stores ISO WKB in a BLOB, because the embedded Python cannot load SpatiaLite: the store then
needs no extension, and shapely decodes the bytes. Either way Python code sees shapely geometries.
"""

from __future__ import annotations

from typing import Any

import shapely
from geoalchemy2 import Geometry as PostGISGeometry
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

#: Belgian Lambert 72, the storage CRS of VLOK and of the Flemish address register.
STORAGE_SRID = 31370


class Geometry(TypeDecorator[Any]):
    """Shapely geometry in ``STORAGE_SRID``; PostGIS geometry or WKB blob by dialect."""

    impl = LargeBinary
    cache_ok = True
    #: GeoAlchemy2's DDL hooks read this; the migration creates the GiST indexes explicitly.
    spatial_index = False

    def __init__(self, geometry_type: str = "GEOMETRY", srid: int = STORAGE_SRID) -> None:
        super().__init__()
        self.geometry_type = geometry_type
        self.srid = srid

    def __repr__(self) -> str:
        return f"Geometry({self.geometry_type!r}, srid={self.srid})"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Choose the real column type for the database at hand."""
        if dialect is None:  # GeoAlchemy2's DDL hooks probe without a dialect
            return LargeBinary()
        if dialect.name == "postgresql":
            return dialect.type_descriptor(
                PostGISGeometry(self.geometry_type, srid=self.srid, spatial_index=False)
            )
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Shapely in, WKBElement (PostGIS) or WKB bytes (SQLite) out."""
        if value is None:
            return None
        if dialect.name == "postgresql":
            return from_shape(value, srid=self.srid)
        return shapely.to_wkb(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """Whatever the database returns, hand back a shapely geometry."""
        if value is None:
            return None
        if dialect.name == "postgresql":
            return to_shape(value)
        return shapely.from_wkb(value)
