"""Alembic environment: runs on the connection handed over by ``publisher.store.migrate``.

Run by hand for a new revision with
``VLOK_STORE_URL=sqlite:///tmp/x.sqlite alembic -c publisher/store/alembic.ini revision
--autogenerate -m "…"``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from publisher.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(os.environ.get("VLOK_STORE_URL", "sqlite:///data/vlok.sqlite"))
    with engine.begin() as conn:
        _run(conn)
