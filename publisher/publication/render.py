"""The renderers: the one place that turns a published feature into GeoJSON or GML text.

Publication stores their output beside each feature (the hot paths then concatenate bytes);
the WFS, OGC API and download writers call the same functions for anything rendered on the fly,
so a feature cannot look different in two outputs.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
from pyproj import Transformer

#: Namespace of the POI application schema (feature types POI:POI, POI:Woningkwaliteitsbeleid).
POI_NS = "https://geo.api.vlaanderen.be/POI"
GML_NS = "http://www.opengis.net/gml/3.2"
#: srsName written into stored GML fragments; serving swaps it for the form the client used.
STORED_SRS = "urn:ogc:def:crs:EPSG::31370"

_TO_CRS84 = Transformer.from_crs(31370, 4326, always_xy=True)


def to_crs84(xy: np.ndarray) -> np.ndarray:
    """Lambert 72 x/y → CRS84 lon/lat, vectorized, rounded to 7 decimals (≈1 cm)."""
    if len(xy) == 0:
        return np.empty((0, 2))
    lon, lat = _TO_CRS84.transform(xy[:, 0], xy[:, 1])
    return np.round(np.column_stack([lon, lat]), 7)


def json_value(value: Any) -> Any:
    """Dates as ISO strings; everything else as is."""
    return value.isoformat() if isinstance(value, date) else value


def geojson_point_feature(props: dict[str, Any], lon: float, lat: float,
                          id_field: str = "POID") -> str:
    """One GeoJSON Feature (RFC 7946: CRS84, ``id`` = the stable identifier)."""
    return json.dumps(
        {"type": "Feature", "id": props[id_field],
         "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {k: json_value(v) for k, v in props.items()}},
        ensure_ascii=False, separators=(",", ":"))


def gml_id(type_name: str, identifier: str) -> str:
    """``gml:id`` of a feature: an NCName, stable because the identifier is."""
    return f"{type_name}.{identifier}"


def gml_value(value: Any) -> str:
    """XML text of a property value (booleans as xsd:boolean, dates ISO)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return escape(str(value))


def gml_point_feature(type_name: str, props: dict[str, Any], x: float, y: float,
                      id_field: str = "POID", geometry_name: str = "SHAPE",
                      srs_name: str = STORED_SRS) -> str:
    """One ``POI:<type_name>`` element in GML 3.2 (a ``wfs:member``'s content).

    Null values are left out (the schema declares every property ``minOccurs="0"``), so a
    client never mistakes an empty string for a value.
    """
    fid = gml_id(type_name, str(props[id_field]))
    parts = [f'<POI:{type_name} gml:id="{fid}">']
    for key, value in props.items():
        if value is not None:
            parts.append(f"<POI:{key}>{gml_value(value)}</POI:{key}>")
    parts.append(f'<POI:{geometry_name}><gml:Point gml:id="{fid}.{geometry_name}" '
                 f'srsName="{srs_name}"><gml:pos>{x:.2f} {y:.2f}</gml:pos></gml:Point>'
                 f"</POI:{geometry_name}>")
    parts.append(f"</POI:{type_name}>")
    return "".join(parts)
