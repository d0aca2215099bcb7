"""Create or upgrade a store's schema with Alembic, from code (no ``alembic.ini`` needed).

Every entry point that opens a store for writing calls :func:`upgrade`, so a store made by an
older release is brought up to date before use, and a fresh database gets the whole schema.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """An Alembic configuration pointing at our migration scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` inside one transaction."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def has_schema(engine: Engine) -> bool:
    """Whether the store has been created (any Alembic revision recorded)."""
    return "alembic_version" in inspect(engine).get_table_names()
