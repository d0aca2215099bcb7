"""Where the stream lives: immutable page rows beside the run history, on either target.

A directory target keeps them in ``history.sqlite``, the PostGIS target in
``vlok_publication``: the same three tables, the same SQL, so publish and serving have one
code path. ``ldes_page`` holds each page's members as stored JSON-LD (written once, never
updated: a page's only moving part, its relation to the next page, is derived when served);
``ldes_run`` says which runs are in the stream; ``ldes_version`` indexes the versions of each
fact for ``/id/feit/{POID}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.exc import OperationalError, ProgrammingError

#: Created by the first publish that writes the stream (the upgrade of an older target).
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS {p}ldes_page (seq integer PRIMARY KEY, day text NOT NULL, "
    "part integer NOT NULL, run_id text NOT NULL, members integer NOT NULL, "
    "etag text NOT NULL, body text NOT NULL, UNIQUE (day, part))",
    "CREATE TABLE IF NOT EXISTS {p}ldes_run (run_id text PRIMARY KEY, day text NOT NULL, "
    "members integer NOT NULL, skipped integer NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}ldes_version (poid text NOT NULL, iri text NOT NULL, "
    "seq integer NOT NULL, PRIMARY KEY (poid, iri))",
)


@dataclass(frozen=True)
class Page:
    """A stored page: where it sits in the stream and its members (a JSON array)."""

    seq: int
    day: str
    part: int
    run_id: str
    members: int
    etag: str
    body: str


class PageStore:
    """The stream's tables on one database (``prefix``: ``''`` or ``'vlok_publication.'``)."""

    def __init__(self, engine: Engine, prefix: str = "") -> None:
        self.engine = engine
        self.p = prefix
        self._ready = False

    @classmethod
    def for_history(cls, path: str, read_only: bool = False) -> PageStore:
        """The store in a directory target's ``history.sqlite``."""
        url = f"sqlite:///file:{path}?mode=ro&uri=true" if read_only else f"sqlite:///{path}"
        return cls(create_engine(url, connect_args={"timeout": 30}))

    # -- writing (the publish job, under its lock) -------------------------------------------

    def create(self) -> None:
        """Create the tables if they are missing."""
        with self.engine.begin() as conn:
            for statement in SCHEMA:
                conn.execute(text(statement.format(p=self.p)))

    def done_runs(self) -> set[str]:
        """Runs already in the stream."""
        with self.engine.connect() as conn:
            return {r for (r,) in conn.execute(text(f"SELECT run_id FROM {self.p}ldes_run"))}

    def last(self) -> tuple[int, str] | None:
        """(seq, day) of the newest page."""
        with self.engine.connect() as conn:
            row = conn.execute(text(f"SELECT seq, day FROM {self.p}ldes_page "
                                    "ORDER BY seq DESC LIMIT 1")).first()
        return (row[0], row[1]) if row else None

    def runs_on(self, day: str) -> int:
        """How many runs already have pages on ``day`` (to keep version IRIs unique)."""
        with self.engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {self.p}ldes_run WHERE day = :d"),
                                {"d": day}).scalar_one()

    def append(self, run_id: str, day: str, pages: list[tuple[str, int, str]],
               versions: list[tuple[str, str, int]], skipped: int) -> None:
        """Add one run's pages (body, members, etag) and version index, in one transaction."""
        with self.engine.begin() as conn:
            seq = conn.execute(text(f"SELECT coalesce(max(seq), 0) FROM {self.p}ldes_page"
                                    )).scalar_one()
            part = conn.execute(text(f"SELECT coalesce(max(part), 0) FROM {self.p}ldes_page "
                                     "WHERE day = :d"), {"d": day}).scalar_one()
            rows = [{"seq": seq + i, "day": day, "part": part + i, "run": run_id, "n": n,
                     "etag": etag, "body": body} for i, (body, n, etag) in enumerate(pages, 1)]
            if rows:
                conn.execute(text(f"INSERT INTO {self.p}ldes_page VALUES (:seq, :day, :part, "
                                  ":run, :n, :etag, :body)"), rows)
            if versions:
                conn.execute(text(f"INSERT INTO {self.p}ldes_version VALUES (:poid, :iri, "
                                  ":seq)"), [{"poid": p, "iri": i, "seq": seq + k}
                                             for p, i, k in versions])
            conn.execute(text(f"INSERT INTO {self.p}ldes_run VALUES (:r, :d, :n, :s)"),
                         {"r": run_id, "d": day, "n": sum(n for _, n, _ in pages),
                          "s": skipped})

    # -- reading (serving) -------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether a publish has created the stream (older targets have no tables yet)."""
        if not self._ready:
            try:
                schema = self.p.rstrip(".") or None
                self._ready = inspect(self.engine).has_table("ldes_page", schema=schema)
            except (OperationalError, ProgrammingError):
                return False
        return self._ready

    def _one(self, sql: str, params: dict[str, Any]) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql.format(p=self.p)), params).first()

    def page(self, day: str, part: int) -> Page | None:
        """One stored page."""
        if not self.exists():
            return None
        row = self._one("SELECT seq, day, part, run_id, members, etag, body FROM {p}ldes_page "
                        "WHERE day = :d AND part = :n", {"d": day, "n": part})
        return Page(*row) if row else None

    def following(self, seq: int) -> tuple[str, int] | None:
        """(day, part) of the page after ``seq``, None for the newest page."""
        row = self._one("SELECT day, part FROM {p}ldes_page WHERE seq > :s ORDER BY seq "
                        "LIMIT 1", {"s": seq})
        return (row[0], row[1]) if row else None

    def days(self) -> list[tuple[str, int]]:
        """Each day's first page (day, part), oldest first: the view's relations."""
        if not self.exists():
            return []
        with self.engine.connect() as conn:
            return [(d, n) for d, n in conn.execute(text(
                f"SELECT day, min(part) FROM {self.p}ldes_page GROUP BY day ORDER BY day"))]

    def versions(self, poid: str) -> list[tuple[str, str, int]]:
        """(version IRI, day, part) of every version of a fact, oldest first."""
        if not self.exists():
            return []
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(
                f"SELECT v.iri, p.day, p.part FROM {self.p}ldes_version v JOIN "
                f"{self.p}ldes_page p ON p.seq = v.seq WHERE v.poid = :p ORDER BY v.seq"),
                {"p": poid})]
