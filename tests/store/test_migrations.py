"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from publisher.register.model import METADATA as REGISTER
from publisher.store.migrate import has_schema, upgrade
from publisher.store.models import Base

#: PostGIS-only objects the migration adds on purpose: its catalogue table and GiST indexes.
POSTGIS_ONLY = {"spatial_ref_sys", "ix_address_position", "ix_municipality_boundary"}


def _store_only(obj, name, type_, reflected, compare_to) -> bool:
    """The public address register shares the database but is not the store's schema."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return getattr(table, "name", name) not in REGISTER.tables


def test_migrations_match_the_models(store) -> None:
    with store.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "include_object": _store_only})
        diff = [d for d in compare_metadata(ctx, Base.metadata)
                if not (isinstance(d, tuple) and d[0] in ("remove_table", "remove_index")
                        and d[1].name in POSTGIS_ONLY)]
    assert diff == []


def test_upgrade_is_idempotent(store) -> None:
    upgrade(store)
    upgrade(store)
    assert has_schema(store)
    assert set(Base.metadata.tables) <= set(inspect(store).get_table_names())


def test_postgis_has_spatial_columns_and_indexes(postgis_engine) -> None:
    with postgis_engine.connect() as conn:
        cols = conn.exec_driver_sql(
            "SELECT f_table_name, type, srid FROM geometry_columns ORDER BY 1").all()
        indexes = conn.exec_driver_sql(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%%USING gist%%'").scalars().all()
    assert cols == [("address", "POINT", 31370), ("municipality", "MULTIPOLYGON", 31370)]
    assert {"ix_address_position", "ix_municipality_boundary"} <= set(indexes)
