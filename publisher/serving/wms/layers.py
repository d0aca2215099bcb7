"""The map layers: one per PRODUCT, all products together, and the policy layer.

Derived from the one product list (``mappings/poi.yml``) and the viewer's plain-Dutch texts
(:mod:`publisher.serving.viewer.texts`): a layer's title is the viewer's legend title, its
abstract what the viewer says the fact means, so a QGIS user and a citizen read the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from publisher.mapping import load_mapping
from publisher.serving.viewer.texts import ABSENCE, PRODUCTS
from publisher.serving.wms.errors import LayerNotDefined, StyleNotDefined, short

POI, POLICY = "poi", "woningkwaliteitsbeleid"
DEFAULT_STYLE = "default"


@dataclass(frozen=True)
class Style:
    """A named way of drawing a layer (its legend is GetLegendGraphic's)."""

    name: str
    title: str
    abstract: str


@dataclass(frozen=True)
class MapLayer:
    """One named WMS layer.

    Attributes
    ----------
    dataset
        The publication it draws (``poi`` or ``woningkwaliteitsbeleid``).
    products
        The PRODUCT values it draws, in drawing order (empty for the policy layer).
    """

    name: str
    title: str
    abstract: str
    dataset: str
    products: tuple[str, ...]
    styles: tuple[Style, ...]
    aliases: tuple[str, ...] = ()

    def style(self, name: str, locator: str = "STYLES") -> Style:
        """The style ``name`` ('' or ``default``: the first)."""
        if not name or name.lower() == DEFAULT_STYLE:
            return self.styles[0]
        for style in self.styles:
            if style.name == name:
                return style
        raise StyleNotDefined(f"layer {self.name} has no style {short(name)}; styles: "
                              f"{', '.join(s.name for s in self.styles)}", locator)


_POINT_STYLES = (
    Style(DEFAULT_STYLE, "Symbolen per product, gegroepeerd waar ze dicht bij elkaar liggen",
          "De symbolen en kleuren van de kaart op de website: een letter en een vorm per "
          "product (C: cirkel, I: vierkant, H: blad). Uitgezoomd tellen groepen de feiten per "
          "vak van het raster."),
    Style("punten", "Elk punt apart, zonder groepen",
          "Elk feit als een symbool op zijn adres, op elke schaal (dicht opeen vallen "
          "symbolen over elkaar)."),
)
_POLICY_STYLES = (
    Style(DEFAULT_STYLE, "Gemeentegrenzen", "De grens van elke gemeente, zonder vulling."),
    Style("ca-verplicht", "Conformiteitsattest verplicht",
          "Gemeenten waar een conformiteitsattest verplicht is, ingekleurd."),
)


@cache
def layers() -> tuple[MapLayer, ...]:
    """Every named layer, in capabilities order: all products, each product, the policy."""
    products = tuple(load_mapping("poi").products)  # drawing order: as listed (CA first)
    out = [MapLayer("POI", "Woningkwaliteit: publieke feiten",
                    "Alle publieke feiten samen (eigenschap PRODUCT). " + ABSENCE["geen_stip"],
                    POI, products, _POINT_STYLES, ("POI:POI",))]
    for product in products:
        text = PRODUCTS[product]
        out.append(MapLayer(product, text["titel"], f"{text['feit']} {text['wat']}", POI,
                            (product,), _POINT_STYLES, (text["code"],)))
    out.append(MapLayer("Woningkwaliteitsbeleid", "Parameters lokaal woningkwaliteitsbeleid",
                        "Per gemeente: of een conformiteitsattest verplicht is, de geldigheid, "
                        "de retributie, de hoortermijn en de heffingen.", POLICY, (),
                        _POLICY_STYLES, ("POI:Woningkwaliteitsbeleid",)))
    return tuple(out)


def resolve(name: str, locator: str = "LAYERS") -> MapLayer:
    """The layer a client named (its name, exactly; or a short alias, in any case)."""
    raw = name.strip()
    for layer in layers():
        if raw == layer.name or raw.lower() in (a.lower() for a in layer.aliases):
            return layer
    raise LayerNotDefined(f"no layer {short(raw)}; this service offers "
                          f"{', '.join(x.name for x in layers())}", locator)
