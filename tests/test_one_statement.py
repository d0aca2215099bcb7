"""What is published is stated once, in ``mappings/``: every product-keyed table follows it.

The product list used to be written in six files (issue 12). The lookup, the extract and the
catalogue now read it from ``mappings/poi.yml``; the tables that must stay beside their
surface (the viewer's plain-language texts, the OGC API collections) are checked against it
here, so a product added to or renamed in the mapping cannot be forgotten in one of them.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from publisher.downloads.catalog import TITLES
from publisher.extract.poi import PRODUCTS as EXTRACTED
from publisher.mapping import load_mapping
from publisher.serving.lookup.service import PRODUCTS as LOOKED_UP
from publisher.serving.viewer import texts

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = set(load_mapping("poi").products)


def test_every_surface_knows_exactly_the_published_products():
    assert set(EXTRACTED) == set(LOOKED_UP) == PUBLISHED
    assert set(TITLES) - {"woningkwaliteitsbeleid"} == PUBLISHED
    assert set(texts.PRODUCTS) == set(texts.ORDER) == PUBLISHED


def test_every_product_has_one_ogc_api_collection():
    config = yaml.safe_load((ROOT / "pygeoapi-config.yml").read_text(encoding="utf-8"))
    products = [p.get("options", {}).get("product")
                for resource in config["resources"].values()
                for p in resource.get("providers", [])]
    assert sorted(p for p in products if p) == sorted(PUBLISHED)
