"""Fixtures for the lookup: the demo publication, a purpose-built one, and a live server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine
from starlette.applications import Starlette

from publisher.mapping import load_mapping
from publisher.publication.gpkg import write_points
from publisher.register import index as register_index
from publisher.register import model as register_model
from publisher.serving import lookup
from publisher.serving.publications import PublicationReader

AS_OF = date(2026, 11, 23)
#: One building on two parcels: a unit with a CA, a unit on the inventory, a restoration claim.
THREE = "44021A0123/00K002"
SECOND = "44021A0124/00_000"




def _feature(poid: str, product: str, bus: str | None, adresid: str) -> dict:
    p = load_mapping("poi").products[product]
    return {"POID": poid, "PRODUCT": product, "POITYPE": p["poitype"],
            "CATEGORIE": p["categorie"], "NAAM": p["naam"], "OMSCHR": p["omschr"],
            "STRAAT": "Sint-Baafsplein", "HUISNUMMER": "7", "BUSNUMMER": bus, "POSTCODE": "9000",
            "GEMEENTE": "Gent", "NISCODE": "44021", "ADRESID": adresid, "CAPAKEY": THREE,
            "LINK1": p["link"], "PEILDATUM": AS_OF}


@pytest.fixture(scope="session")
def three_products_dir(tmp_path_factory) -> Path:
    """A publication with one parcel carrying all three products, written by the real writer."""
    root = tmp_path_factory.mktemp("three")
    (root / "publications").mkdir()
    features = [
        _feature("CA_000000000000000a", "Conformiteitsattest", "0.1", "9000001"),
        _feature("VIVOO_00000000000000b", "VlaamseInventarisOngeschikteOnbewoonbareWoningen",
                 "0.2", "9000002"),
        _feature("HV_000000000000000c", "RegisterHerstelvorderingen", None, "9000000"),
    ]
    xy = np.array([[104700.0, 193800.0]] * 3)
    parcels = [(f["POID"], THREE) for f in features] + [("HV_000000000000000c", SECOND)]
    name = "publications/poi-2026-11-23-test.gpkg"
    register = _register(root, tmp_path_factory.mktemp("register") / "register.sqlite")
    write_points(root / name, load_mapping("poi"), AS_OF, features, xy, parcels,
                 {"dataset": "poi", "as_of": AS_OF, "counts": {}, "adresregister": register})
    (root / "current.json").write_text(json.dumps(
        {"poi": {"file": name, "as_of": AS_OF.isoformat(), "run_id": "three-products"}}))
    return root


def _register(root: Path, source: Path) -> dict:
    """A small address register around Sint-Baafsplein 7 (Gent), indexed as publish does."""
    street = (1, "Sint-Baafsplein", "44021", "Gent", "9000", "Gent", 104650.0, 193800.0,
              104750.0, 193800.0)
    at = ("Sint-Baafsplein", "7")
    place = ("9000", "Gent", "44021", "Gent", 104700.0, 193800.0)
    addresses = [("9000000", 1, *at, None, *place), ("9000001", 1, *at, "0.1", *place),
                 ("9000002", 1, *at, "0.2", *place), ("9000003", 1, *at, "0.3", *place),
                 ("9000009", 1, "Sint-Baafsplein", "9", None, *place)]
    engine = create_engine(f"sqlite:///{source}")
    with engine.begin() as conn:
        register_model.create(conn)
        register_model.append(conn, register_model.STREET, [street])
        register_model.append(conn, register_model.ADDRESS, addresses)
        register_model.finish(conn, "three", len(addresses))
    name = register_index.file_name("three")
    (root / "register").mkdir()
    with engine.connect() as conn:
        register_index.build(conn, root / "register" / name, "three")
    engine.dispose()
    return {"index": name}


@pytest.fixture(scope="session")
def three_capakeys() -> tuple[str, str]:
    """The parcel with all three products, and the building's second parcel."""
    return THREE, SECOND


@pytest.fixture(scope="session")
def serve(serve_app):
    """The session's ``serve_app`` under the name these tests use."""
    return serve_app


@pytest.fixture(scope="session")
def demo_reader(publication_dir) -> PublicationReader:
    return PublicationReader(publication_dir)


@pytest.fixture(scope="session")
def demo_url(serve_app, demo_reader) -> Iterator[str]:
    """Base URL of a live server with the lookup routes over the demo publication."""
    app = Starlette(routes=lookup.routes(demo_reader))
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="session")
def three_url(serve_app, three_products_dir) -> Iterator[str]:
    """Base URL of a live server over the purpose-built three-product publication."""
    app = Starlette(routes=lookup.routes(PublicationReader(three_products_dir)))
    with serve_app(app) as url:
        yield url
