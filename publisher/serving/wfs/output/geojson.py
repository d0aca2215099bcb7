"""GeoJSON output (RFC 7946: always CRS84), streamed.

With every property, the members are the stored GeoJSON fragments joined by commas; a
PROPERTYNAME subset or the policy layer is rendered per batch with the same renderer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import shapely
from shapely.geometry import mapping

from publisher.publication.render import geojson_feature
from publisher.serving.wfs.output.page import Page

MEDIA_TYPE = "application/json"


def _head(page: Page, returned: int) -> bytes:
    links = []
    if page.next_url:
        links.append({"rel": "next", "href": page.next_url, "type": MEDIA_TYPE})
    if page.previous_url:
        links.append({"rel": "previous", "href": page.previous_url, "type": MEDIA_TYPE})
    head = {"type": "FeatureCollection", "timeStamp": page.timestamp,
            "numberMatched": page.matched, "numberReturned": returned, "links": links}
    return json.dumps(head, separators=(",", ":"))[:-1].encode() + b',"features":['


def feature_collection(page: Page) -> Iterator[bytes]:
    """The GeoJSON FeatureCollection with WFS counts and paging links."""
    if page.req.hits:
        yield _head(page, 0) + b"]}"
        return
    yield _head(page, page.returned)
    first = True
    ft = page.ft
    if ft.fragments and page.req.query.properties is None:
        for batch in page.rows("f.geojson", fragments=True):
            text = ",".join(row[0] for row in batch).encode()
            yield text if first else b"," + text
            first = False
    else:
        for batch in page.features(geographic_lonlat=True):
            items = []
            for gid, props, geom in batch:
                geometry = None
                if isinstance(geom, tuple):
                    geometry = {"type": "Point", "coordinates": [round(geom[0], 7),
                                                                 round(geom[1], 7)]}
                elif geom is not None:
                    geometry = mapping(shapely.set_precision(geom, 1e-7))
                ident = gid.split(".", 1)[1]
                items.append(geojson_feature(ident, geometry, props))
            if items:
                text = ",".join(items).encode()
                yield text if first else b"," + text
                first = False
    yield b"]}"
