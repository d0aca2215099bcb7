"""The renderers: the one place that turns a published feature into GeoJSON or GML text.

Shared by the publication, the WFS, the OGC API and the downloads: extend these functions,
never write a second version (one name, one signature: ``gml_feature``, ``gml_point``,
``gml_multisurface``, ``geojson_feature``, ``geojson_point_feature``).

Publication stores their output beside each feature (the hot paths then concatenate bytes);
the WFS, OGC API and download writers call the same functions for anything rendered on the fly,
so a feature cannot look different in two outputs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
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
    return gml_feature(type_name, fid, props,
                       {geometry_name: gml_point(f"{fid}.{geometry_name}", x, y, srs_name)})


def gml_feature(type_name: str, fid: str, props: dict[str, Any],
                geometries: dict[str, str] | None = None) -> str:
    """A ``POI:<type_name>`` element from properties and ready-made geometry elements.

    Parameters
    ----------
    type_name
        Local name of the feature type (``POI``, ``Woningkwaliteitsbeleid``).
    fid
        The ``gml:id`` (see :func:`gml_id`).
    props
        Properties in schema order; ``None`` values are left out like in the fragments.
    geometries
        Geometry property name → GML geometry element, written after the properties (the
        schema puts the geometry last). A subset of properties (WFS ``PROPERTYNAME``) simply
        passes fewer entries.
    """
    parts = [f'<POI:{type_name} gml:id="{fid}">']
    for key, value in props.items():
        if value is not None:
            parts.append(f"<POI:{key}>{gml_value(value)}</POI:{key}>")
    for key, geometry in (geometries or {}).items():
        parts.append(f"<POI:{key}>{geometry}</POI:{key}>")
    parts.append(f"</POI:{type_name}>")
    return "".join(parts)


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def gml_point(point_id: str, x: float, y: float, srs_name: str = STORED_SRS,
              decimals: int = 2) -> str:
    """A ``gml:Point``; ``x``/``y`` are already in the axis order ``srs_name`` implies.

    Two decimals are centimetres in a projected CRS; geographic CRSs need about eight.
    """
    return (f'<gml:Point gml:id="{point_id}" srsName="{srs_name}"><gml:pos>'
            f"{_fmt(x, decimals)} {_fmt(y, decimals)}</gml:pos></gml:Point>")


def _pos_list(ring: np.ndarray, decimals: int) -> str:
    return " ".join(_fmt(v, decimals) for v in np.asarray(ring, dtype=float).ravel())


def gml_multisurface(geometry_id: str, polygons: list[list[np.ndarray]],
                     srs_name: str = STORED_SRS, decimals: int = 2) -> str:
    """A ``gml:MultiSurface`` of polygons, each a list of rings (exterior first).

    Coordinates arrive in the axis order of ``srs_name``; every polygon gets its own
    ``gml:id`` because GML 3.2 requires one on each geometry.
    """
    parts = [f'<gml:MultiSurface gml:id="{geometry_id}" srsName="{srs_name}">']
    for i, rings in enumerate(polygons, 1):
        parts.append(f'<gml:surfaceMember><gml:Polygon gml:id="{geometry_id}.{i}">')
        for j, ring in enumerate(rings):
            tag = "exterior" if j == 0 else "interior"
            parts.append(f"<gml:{tag}><gml:LinearRing><gml:posList>"
                         f"{_pos_list(ring, decimals)}</gml:posList></gml:LinearRing>"
                         f"</gml:{tag}>")
        parts.append("</gml:Polygon></gml:surfaceMember>")
    parts.append("</gml:MultiSurface>")
    return "".join(parts)


def geojson_feature(identifier: Any, geometry: dict[str, Any] | None,
                    props: dict[str, Any]) -> str:
    """A GeoJSON Feature with any geometry (already CRS84), serialized like the fragments."""
    return json.dumps(
        {"type": "Feature", "id": identifier, "geometry": geometry,
         "properties": {k: json_value(v) for k, v in props.items()}},
        ensure_ascii=False, separators=(",", ":"))


def point_fragments(type_name: str, features: list[dict[str, Any]], xy: np.ndarray
                    ) -> Iterator[tuple[float, float, str, str]]:
    """Per feature: CRS84 lon/lat, the stored GML element (EPSG:31370) and GeoJSON Feature.

    What every publication backend stores beside its features for the hot paths.
    """
    lonlat = to_crs84(xy)
    for f, (x, y), (lon, lat) in zip(features, xy.tolist(), lonlat.tolist(), strict=True):
        yield lon, lat, gml_point_feature(type_name, f, x, y), geojson_point_feature(f, lon, lat)
