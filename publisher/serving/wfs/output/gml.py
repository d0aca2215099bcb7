"""GML 3.2 output: ``wfs:FeatureCollection`` and ``wfs:ValueCollection``, streamed.

In EPSG:31370 with every property the members are the publication's stored fragments,
concatenated, with only the ``srsName`` token swapped for the client's spelling. Any other
CRS or a PROPERTYNAME subset is rendered per batch by :mod:`publisher.publication.render`,
the same code that wrote the fragments.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import shapely

from publisher.publication.render import (
    GML_NS,
    POI_NS,
    STORED_SRS,
    gml_feature,
    gml_multisurface,
    gml_point,
    gml_value,
)
from publisher.serving.crs import Crs
from publisher.serving.wfs.output.page import Page

WFS_NS = "http://www.opengis.net/wfs/2.0"
WFS_XSD = "http://schemas.opengis.net/wfs/2.0/wfs.xsd"
GML_XSD = "http://schemas.opengis.net/gml/3.2.1/gml.xsd"
MEDIA_TYPE = "application/gml+xml; version=3.2"
_STORED_SRS_ATTR = f'srsName="{STORED_SRS}"'.encode()


def geometry_gml(gid: str, geometry: Any, crs: Crs) -> str:
    """A point (x, y) or a (multi)polygon as GML in ``crs``'s axis order."""
    if isinstance(geometry, tuple):
        return gml_point(gid, geometry[0], geometry[1], escape(crs.name), crs.decimals)
    polygons = list(shapely.get_parts(geometry))
    rings = [[np.asarray(p.exterior.coords), *(np.asarray(i.coords) for i in p.interiors)]
             for p in polygons]
    return gml_multisurface(gid, rings, escape(crs.name), crs.decimals)


def _open(page: Page, tag: str, matched: int, returned: int) -> bytes:
    locations = f"{POI_NS} {page.schema_url()} {WFS_NS} {WFS_XSD} {GML_NS} {GML_XSD}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<wfs:{tag} xmlns:wfs="{WFS_NS}" xmlns:gml="{GML_NS}" xmlns:POI="{POI_NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f"xsi:schemaLocation={quoteattr(locations)} "
        f'timeStamp="{page.timestamp}" numberMatched="{matched}" '
        f'numberReturned="{returned}"{page.link_attributes()}>'
    ).encode()


def _members(page: Page) -> Iterator[bytes]:
    ft, crs = page.ft, page.crs
    if ft.fragments and crs.is_native and page.req.query.properties is None:
        swap = f"srsName={quoteattr(crs.name)}".encode()
        for batch in page.rows("f.gml", fragments=True):
            chunk = "".join(f"<wfs:member>{row[0]}</wfs:member>" for row in batch).encode()
            yield chunk if swap == _STORED_SRS_ATTR else chunk.replace(_STORED_SRS_ATTR, swap)
        return
    for batch in page.features():
        parts = []
        for gid, props, geom in batch:
            geometries = ({ft.geometry_name: geometry_gml(f"{gid}.{ft.geometry_name}", geom,
                                                          crs)} if geom is not None else {})
            parts.append(f"<wfs:member>{gml_feature(ft.local_name, gid, props, geometries)}"
                         "</wfs:member>")
        yield "".join(parts).encode()


def feature_collection(page: Page) -> Iterator[bytes]:
    """The whole ``wfs:FeatureCollection`` (hits: counts only, no members)."""
    if page.req.hits:
        yield _open(page, "FeatureCollection", page.matched, 0)[:-1] + b"/>\n"
        return
    yield _open(page, "FeatureCollection", page.matched, page.returned)
    yield from _members(page)
    yield b"</wfs:FeatureCollection>\n"


def single_feature(page: Page) -> Iterator[bytes]:
    """GetFeatureById: the bare feature element (WFS 2.0 §7.9.3.6), namespaces declared."""
    body = b"".join(_members(page)).decode()
    body = body.removeprefix("<wfs:member>").removesuffix("</wfs:member>")
    head, _, rest = body.partition(" ")
    yield (f'<?xml version="1.0" encoding="UTF-8"?>\n{head} xmlns:POI="{POI_NS}" '
           f'xmlns:gml="{GML_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           f'xsi:schemaLocation={quoteattr(f"{POI_NS} {page.schema_url()}")} {rest}\n'
           ).encode()


def value_collection(page: Page) -> Iterator[bytes]:
    """GetPropertyValue: one ``wfs:member`` per (non-null) value, in feature order."""
    ref = page.req.value_reference
    assert ref is not None
    matched = page.matched
    if page.req.hits:
        yield _open(page, "ValueCollection", matched, 0)[:-1] + b"/>\n"
        return
    yield _open(page, "ValueCollection", matched, page.returned)
    ft = page.ft
    for batch in page.features():
        parts = []
        for gid, props, geom in batch:
            if ref == ft.geometry_name:
                value = geometry_gml(f"{gid}.{ref}", geom, page.crs)
            else:
                value = gml_value(props[ref])
            parts.append(f"<wfs:member><POI:{ref}>{value}</POI:{ref}></wfs:member>")
        yield "".join(parts).encode()
    yield b"</wfs:ValueCollection>\n"
