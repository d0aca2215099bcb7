"""The one contract between serving and a publication's storage (GeoPackage or PostGIS).

In the spirit of ``pygeoapi/provider/base.py``: WFS, OGC API and the other surfaces ask a
:class:`PublicationBackend` for counts, ordered pages, single queries and geometries, in its
:class:`~publisher.serving.filters.dialect.Dialect`, and never test which backend they have.
:func:`publisher.serving.backends.backend_for` is the one place that decides.

Errors are classified once (:meth:`PublicationBackend.classify`): a filter the database
cannot evaluate (400), the time budget exceeded (503 + Retry-After), or the publication
unreadable now (503); each surface renders the kind its own way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from enum import Enum
from typing import Any

import numpy as np

from publisher.serving.filters.compiler import Layer, Where
from publisher.serving.filters.dialect import Dialect
from publisher.serving.publications import Publication

#: Rows read per batch while a page streams: bounds memory per request.
BATCH = 500


class Failure(Enum):
    """What an exception from a backend means for the client."""

    QUERY = "the filter cannot be evaluated"  # 400
    BUDGET = "the request ran out of its time budget"  # 503 + Retry-After
    UNAVAILABLE = "the publication cannot be read now"  # 503


class Query(ABC):
    """One request's access to one publication: statements in the backend's SQL."""

    dialect: Dialect

    def __init__(self, pub: Publication) -> None:
        self.pub = pub

    def table(self, name: str) -> str:
        """A quoted (on PostGIS schema-qualified) table of the publication."""
        return self.pub.table(name)

    @abstractmethod
    def rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """All rows of one bounded statement."""

    def bind(self, where: Where, is_point: bool) -> None:  # noqa: B027 (optional hook)
        """Make ``where``'s exact spatial tests callable from SQL (GeoPackage only)."""

    def held(self) -> AbstractContextManager[None]:
        """Within it, this query's statements share one connection (a few short ones)."""
        return nullcontext()

    def set_deadline(self, deadline: float | None) -> None:  # noqa: B027 (optional hook)
        """Abort statements past ``time.monotonic() > deadline`` (None: no limit)."""

    @abstractmethod
    def count(self, layer: Layer, where: Where) -> int:
        """Exact number of features matching ``where``; unfiltered: the published count."""

    @abstractmethod
    def page(self, layer: Layer, where: Where, order: str, columns: str, offset: int,
             limit: int, join_fragments: bool = False) -> Iterator[list[tuple[Any, ...]]]:
        """Rows of one page in batches (bounded memory), in the given total order."""

    def close(self) -> None:  # noqa: B027 (optional hook)
        """Give back what the query holds (connections are otherwise borrowed per batch)."""


class PublicationBackend(ABC):
    """How serving reads one kind of publication."""

    dialect: Dialect

    @abstractmethod
    def query(self, pub: Publication, where: Where | None = None,
              layer: Layer | None = None) -> Query:
        """A :class:`Query` on ``pub``, with ``where``'s exact tests bound when given."""

    @abstractmethod
    def geometry_column(self, column: str) -> str:
        """SQL reading ``column`` as bytes :meth:`decode` understands."""

    @abstractmethod
    def decode(self, blobs: Sequence[bytes | None]) -> np.ndarray:
        """Geometries as read by :meth:`geometry_column` → shapely (vectorized)."""

    @abstractmethod
    def classify(self, exc: BaseException) -> Failure | None:
        """What ``exc`` means for the client, or None when it is not a backend error."""

    @abstractmethod
    def portable(self, pub: Publication) -> Any:
        """A ``sqlite3``-like connection for the lookup's small portable queries.

        Portable: ``?`` placeholders and unqualified table names, on either backend.
        """

    @abstractmethod
    def scan(self, pub: Publication, sql: str, where: str = "",
             args: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """Rows of portable ``sql`` (first column ``p.fid``) in fid order, in bounded memory.

        What the lookup's address index and the map's columns are built from.
        """

    @abstractmethod
    def source_name(self, pub: Publication) -> str:
        """What names ``pub``'s storage (its file, or database and schema; no password)."""
