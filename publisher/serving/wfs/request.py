"""The parsed request model: what every parser produces and every operation consumes."""

from __future__ import annotations

from dataclasses import dataclass, field

from pygeofilter import ast

from publisher.serving.crs import Crs
from publisher.serving.wfs.featuretypes import FeatureType


@dataclass(frozen=True)
class Query:
    """One ``wfs:Query`` (or its KVP form) against one feature type.

    Attributes
    ----------
    filter
        FES / CQL / BBOX / RESOURCEID combined into one pygeofilter AST (geometries already
        in EPSG:31370), or None for every feature.
    sort_by
        ``(property, descending)`` pairs; the unique id is appended when evaluating.
    properties
        Canonical property names to return (PROPERTYNAME), or None for all.
    crs
        Output CRS as the client spelled it.
    """

    ft: FeatureType
    filter: ast.Node | None
    sort_by: list[tuple[str, bool]]
    properties: tuple[str, ...] | None
    crs: Crs


@dataclass(frozen=True)
class GetFeature:
    """GetFeature (and the query part of GetPropertyValue and GetFeatureById)."""

    query: Query
    count: int
    start_index: int
    hits: bool
    output: str
    kvp: dict[str, str] = field(default_factory=dict)
    by_id: bool = False
    value_reference: str | None = None


@dataclass(frozen=True)
class DescribeFeatureType:
    """DescribeFeatureType for some or all feature types."""

    types: tuple[FeatureType, ...]


@dataclass(frozen=True)
class GetCapabilities:
    """GetCapabilities (sections are not negotiated: we always return the full document)."""


@dataclass(frozen=True)
class ListStoredQueries:
    """ListStoredQueries."""


@dataclass(frozen=True)
class DescribeStoredQueries:
    """DescribeStoredQueries for some ids (all when empty)."""

    ids: tuple[str, ...]
