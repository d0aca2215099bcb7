"""Opening the store from a database URL, with errors a person can act on.

SQLite (the embedded default) and PostgreSQL/PostGIS run the same code; the URL decides.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from publisher import config
from publisher.errors import ConfigError, StoreUnavailable

SUPPORTED = ("sqlite", "postgresql")


normalise_url = config.normalise_url  # the one rule (publisher.config), used by every stage


def open_engine(url: str, *, check: bool = True) -> Engine:
    """Create an engine for ``url`` and, with ``check``, prove the database answers.

    Raises
    ------
    ConfigError
        The URL is malformed or names an unsupported database.
    StoreUnavailable
        The database cannot be reached or opened.
    """
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"invalid store URL {url!r}: expected e.g. sqlite:///data/vlok.sqlite "
                          "or postgresql+psycopg://user@host:5432/db") from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise ConfigError(
            f"unsupported store URL {parsed.render_as_string(hide_password=True)!r}: "
            "use sqlite:///… or postgresql+psycopg://…"
        )
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, object] = {}
    if parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": 5}
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except NoSuchModuleError:
        raise ConfigError(f"no database driver for {parsed.drivername!r}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if check:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreUnavailable(
                f"cannot open store {parsed.render_as_string(hide_password=True)}: {reason}"
            ) from None
    return engine


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    """WAL lets readers go on while the daily job writes; foreign keys as on PostgreSQL."""
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
