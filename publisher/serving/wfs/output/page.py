"""What every GetFeature renderer receives: one evaluated page of one query.

The renderers only iterate; counting, ordering and links are decided before the first byte
is sent, so a stream never has to take back a header.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import quoteattr

import numpy as np
import shapely

from publisher.serving.backends import PublicationBackend, Query
from publisher.serving.crs import Crs, parse_crs
from publisher.serving.filters.compiler import Layer, Where
from publisher.serving.wfs.featuretypes import FeatureType
from publisher.serving.wfs.request import GetFeature


@dataclass
class Page:
    """One page: its request, SQL pieces, exact counts and paging links."""

    req: GetFeature
    db: Query  # the request's access to the publication
    where: Where
    order: str
    matched: int
    returned: int
    next_url: str | None
    previous_url: str | None
    service_url: str
    timestamp: str
    backend: PublicationBackend
    layer: Layer

    @property
    def ft(self) -> FeatureType:
        """The queried feature type."""
        return self.req.query.ft

    @property
    def crs(self) -> Crs:
        """The requested output CRS."""
        return self.req.query.crs

    @property
    def properties(self) -> tuple[str, ...]:
        """Properties to write, geometry last when asked for (all by default)."""
        return self.req.query.properties or self.ft.property_names

    def rows(self, columns: str, fragments: bool = False) -> Iterator[list[tuple[Any, ...]]]:
        """Batches of this page's rows."""
        return self.db.page(self.layer, self.where, self.order, columns,
                            self.req.start_index, self.returned, fragments)

    def schema_url(self) -> str:
        """DescribeFeatureType URL of the queried type (the GML's xsi:schemaLocation)."""
        return self.service_url + "?" + urlencode({
            "SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "DescribeFeatureType",
            "TYPENAMES": self.ft.name})

    def link_attributes(self) -> str:
        """``next``/``previous`` XML attributes (present only when that page exists)."""
        out = ""
        if self.next_url:
            out += f" next={quoteattr(self.next_url)}"
        if self.previous_url:
            out += f" previous={quoteattr(self.previous_url)}"
        return out

    def features(self, geographic_lonlat: bool = False
                 ) -> Iterator[list[tuple[str, dict[str, Any], Any]]]:
        """Batches of ``(gml id, props, geometry)`` rendered on the fly.

        Geometry is in the requested CRS (or CRS84 when ``geographic_lonlat``): an (x, y)
        pair for points, a shapely geometry for polygons, None when not requested. The
        transformation runs once per batch on numpy arrays.
        """
        ft = self.ft
        wanted = [p for p in self.properties if p != ft.geometry_name]
        with_geometry = ft.geometry_name in self.properties
        geometry = self.backend.geometry_column(f't."{ft.geometry_name}"')
        columns = ", ".join([f't."{ft.id_field}"', geometry, *(f't."{p}"' for p in wanted)])
        crs = parse_crs("CRS84") if geographic_lonlat else self.crs
        kinds = {p: ft.field(p).type for p in wanted}  # type: ignore[union-attr]
        for batch in self.rows(columns):
            geoms: list[Any] = [None] * len(batch)
            if with_geometry:
                shapes = self.backend.decode([r[1] for r in batch])
                if ft.is_point:
                    xy = crs.from_native(shapely.get_coordinates(shapes))
                    geoms = [tuple(p) for p in np.round(xy, crs.decimals).tolist()]
                else:
                    geoms = list(shapely.transform(shapes, crs.from_native))
            yield [(ft.gml_id(r[0]), {p: typed(r[i], kinds[p]) for i, p in
                                      enumerate(wanted, 2)}, g)
                   for r, g in zip(batch, geoms, strict=True)]


def typed(value: Any, kind: str) -> Any:
    """A column value as the schema types it (SQLite stores booleans as 0/1)."""
    if value is None:
        return None
    if kind == "boolean":
        return bool(value)
    if kind == "date" and isinstance(value, date):  # PostGIS returns dates, SQLite ISO text
        return value.isoformat()
    if kind == "real":
        return float(value)
    if kind == "integer":
        return int(value)
    return value
