"""The two feature types this WFS serves, derived from ``mappings/`` (one source of truth)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial

from publisher.mapping import Field, Mapping, load_mapping
from publisher.publication.render import POI_NS
from publisher.serving.filters.compiler import RESOURCE_ID, Layer, layer_from_mapping
from publisher.serving.wfs.errors import InvalidParameterValue

PREFIX = "POI"


@dataclass(frozen=True, eq=False)
class FeatureType:
    """A published layer as the WFS sees it.

    Attributes
    ----------
    dataset
        Key in ``current.json`` and the GeoPackage table name.
    mapping
        The allow-list: field names, types and widths in publication order.
    id_field
        Unique, stable property: the ``gml:id`` suffix and the paging tiebreaker.
    fragments
        Whether the publication stores pre-rendered GML/GeoJSON beside each feature.
    """

    dataset: str
    mapping: Mapping
    id_field: str
    fragments: bool
    title: str

    @property
    def local_name(self) -> str:
        """Element name in the POI namespace (``POI``, ``Woningkwaliteitsbeleid``)."""
        return self.mapping.layer

    @property
    def name(self) -> str:
        """Qualified name as advertised (``POI:POI``)."""
        return f"{PREFIX}:{self.local_name}"

    @property
    def geometry_name(self) -> str:
        """Geometry property (``SHAPE``)."""
        return self.mapping.geometry_name

    @property
    def is_point(self) -> bool:
        """Points have fragments and simple coordinates; polygons are decoded from WKB."""
        return self.mapping.geometry_type.lower() == "point"

    @property
    def table(self) -> str:
        """Feature table in the GeoPackage."""
        return self.dataset

    @property
    def rtree(self) -> str:
        """R-tree virtual table (GeoPackage naming)."""
        return f"rtree_{self.dataset}_{self.geometry_name}"

    @property
    def property_names(self) -> tuple[str, ...]:
        """All properties in schema order, geometry last (as the fragments write them)."""
        return (*self.mapping.names, self.geometry_name)

    def field(self, name: str) -> Field | None:
        """The non-geometry field ``name``, or None."""
        return next((f for f in self.mapping.fields if f.name == name), None)

    def gml_id(self, identifier: object) -> str:
        """``gml:id`` of a feature (same form as :func:`render.gml_id`)."""
        return f"{self.local_name}.{identifier}"


@cache
def feature_types() -> tuple[FeatureType, ...]:
    """Both feature types, POI first."""
    return (
        FeatureType("poi", load_mapping("poi"), "POID", True,
                    "Woningkwaliteit: publieke feiten (PRODUCT)"),
        FeatureType("woningkwaliteitsbeleid", load_mapping("woningkwaliteitsbeleid"),
                    "NISCODE", False, "Parameters lokaal woningkwaliteitsbeleid"),
    )


def resolve(name: str, namespaces: dict[str, str] | None = None,
            locator: str = "typeNames") -> FeatureType:
    """The feature type a client named: ``POI:POI``, ``POI``, ``{ns}POI`` or ``p:POI``.

    A prefix is only checked when the client declared it (NAMESPACES / xmlns) for another
    namespace; undeclared prefixes are tolerated like GeoServer does, since QGIS and GDAL
    sometimes send the prefix without declaring it.
    """
    raw = name.strip()
    ns: str | None = None
    if raw.startswith("{") and "}" in raw:
        ns, local = raw[1:].split("}", 1)
    elif ":" in raw:
        prefix, local = raw.rsplit(":", 1)
        ns = (namespaces or {}).get(prefix)
    else:
        local = raw
    for ft in feature_types():
        if local == ft.local_name and ns in (None, POI_NS):
            return ft
    raise InvalidParameterValue(
        f"Unknown feature type {raw!r}; this service offers "
        f"{', '.join(ft.name for ft in feature_types())}", locator)


def property_name(ref: str | None, ft: FeatureType, locator: str = "filter") -> str:
    """Canonical property name from a client reference (``POI:NAAM``, ``POI:POI/NAAM``…).

    Raises
    ------
    InvalidParameterValue
        For a property the feature type does not have.
    """
    raw = (ref or "").strip()
    step = raw.rsplit("/", 1)[-1]
    if step.startswith("{") and "}" in step:
        step = step.split("}", 1)[1]
    step = step.lstrip("@")
    if step in ("gml:id", "id") or raw == RESOURCE_ID:
        return RESOURCE_ID
    name = step.rsplit(":", 1)[-1]
    if name in ft.property_names:
        return name
    raise InvalidParameterValue(f"{ft.name} has no property {raw!r}", locator)


@cache
def filter_layer(ft: FeatureType, locator: str = "filter") -> Layer:
    """What a WFS filter on ``ft`` may name, for the one filter compiler."""
    return layer_from_mapping(ft.mapping, table=ft.table, id_field=ft.id_field,
                              resolve=partial(property_name, ft=ft, locator=locator),
                              id_prefix=f"{ft.local_name}.")
