"""The address register's tables: addresses, streets (with a line where known), a version.

Why its own ``MetaData`` and not the store's models: the register is a public source that
VLOK merely reads (in Flanders it is open data, refreshed by its own import); it may live in
the same database for convenience, but it is not part of the VLOK store's schema, its
migrations or its non-public tables, and nothing in it says which addresses VLOK knows.

Positions are EPSG:31370 metres in plain ``x``/``y`` columns: the register is read in bulk
(millions of rows) by the publish job, never queried spatially here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Float, Integer, MetaData, String, Table, inspect, text

METADATA = MetaData()

ADDRESS = Table(
    "adresregister_adres", METADATA,
    # unique and indexed, but only once loaded (see finish): millions of random ids inserted
    # into a B-tree one by one cost more than one sort at the end
    Column("adresid", String(20), nullable=False),
    Column("straat_id", Integer, nullable=False),
    Column("straatnaam", String(120), nullable=False),
    Column("huisnummer", String(12), nullable=False),
    Column("busnummer", String(12)),
    Column("postcode", String(4), nullable=False),
    Column("deelgemeente", String(80), nullable=False),
    Column("niscode", String(5), nullable=False),
    Column("gemeente", String(80), nullable=False),
    Column("x", Float, nullable=False),
    Column("y", Float, nullable=False),
)

STREET = Table(
    "adresregister_straat", METADATA,
    Column("id", Integer, primary_key=True),
    Column("straatnaam", String(120), nullable=False),
    Column("niscode", String(5), nullable=False),
    Column("gemeente", String(80), nullable=False),
    Column("postcode", String(4), nullable=False),
    Column("deelgemeente", String(80), nullable=False),
    # the street's axis where the register has it (NULL otherwise)
    Column("x1", Float), Column("y1", Float), Column("x2", Float), Column("y2", Float),
)

META = Table(
    "adresregister_meta", METADATA,
    Column("key", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)

ADDRESS_COLUMNS = tuple(c.name for c in ADDRESS.columns)
STREET_COLUMNS = tuple(c.name for c in STREET.columns)


def has_register(conn: Connection) -> bool:
    """Whether this database holds an address register."""
    return inspect(conn).has_table(ADDRESS.name)


def version(conn: Connection) -> str | None:
    """The register's version (changes with every import), or None without a register."""
    if not has_register(conn):
        return None
    return conn.execute(text("SELECT value FROM adresregister_meta WHERE key = 'versie'")
                        ).scalar()


def create(conn: Connection) -> None:
    """An empty register (any previous one dropped): then :func:`append`, :func:`finish`."""
    METADATA.drop_all(conn)
    METADATA.create_all(conn)


def append(conn: Connection, table: Table, rows: Sequence[tuple]) -> None:
    """Add ``rows`` (in ``table``'s column order) the fast way for this database.

    Bulk paths, since a register has millions of rows: ``executemany`` on SQLite's own
    driver, ``COPY`` on PostgreSQL.
    """
    if not rows:
        return
    raw = conn.connection.driver_connection
    cols = ", ".join(c.name for c in table.columns)
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(table.columns))
        cur = raw.cursor()
        cur.executemany(f"INSERT INTO {table.name} ({cols}) VALUES ({marks})", rows)
        cur.close()


#: Indexes made after the bulk load.
_INDEXES = (f"CREATE UNIQUE INDEX {ADDRESS.name}_adresid ON {ADDRESS.name} (adresid)",
            f"CREATE INDEX {ADDRESS.name}_straat ON {ADDRESS.name} (straat_id)")


def finish(conn: Connection, register_version: str, addresses: int) -> None:
    """Index the loaded register and record its version (what the index is named by)."""
    for ddl in _INDEXES:
        conn.execute(text(ddl))
    conn.execute(META.insert(), [{"key": "versie", "value": register_version},
                                 {"key": "adressen", "value": str(addresses)}])


def read(conn: Connection, table: Table, order: str | None = None, chunk: int = 50_000
         ) -> Iterator[list[tuple[Any, ...]]]:
    """All rows of ``table`` (in ``order`` if given), ``chunk`` rows at a time.

    On SQLite straight from its driver: millions of rows through SQLAlchemy's result layer
    cost more than the index build itself.
    """
    cols = ", ".join(c.name for c in table.columns)
    sql = f"SELECT {cols} FROM {table.name}" + (f" ORDER BY {order}" if order else "")
    if conn.dialect.name == "sqlite":
        cur = conn.connection.driver_connection.cursor()
        try:
            cur.execute(sql)
            while rows := cur.fetchmany(chunk):
                yield rows
        finally:
            cur.close()
        return
    result = conn.execution_options(stream_results=True, yield_per=chunk).execute(text(sql))
    for part in result.partitions(chunk):
        yield [tuple(r) for r in part]
