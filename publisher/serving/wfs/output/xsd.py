"""DescribeFeatureType: the one application schema (:mod:`publisher.publication.xsd`)."""

from __future__ import annotations

from publisher.publication.xsd import application_schema
from publisher.serving.wfs.featuretypes import FeatureType

MEDIA_TYPE = "application/xml; charset=utf-8"


def schema(types: tuple[FeatureType, ...]) -> bytes:
    """The XSD for ``types`` (all POI-namespace types share one target namespace)."""
    return application_schema([ft.mapping for ft in types], version="2.0.0")
