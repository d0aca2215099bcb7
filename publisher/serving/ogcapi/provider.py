"""A pygeoapi feature provider over our publications: GeoPackages (plain ``sqlite3``) or PostGIS.

Why our own: pygeoapi's stock SQLiteGPKG provider needs SpatiaLite, which the service's Python
cannot load; and ours asks :class:`~publisher.serving.publications.PublicationReader` for the
current file on every request, so a new daily publication is served without a restart.

Configured by dotted class path in ``pygeoapi-config.yml``::

    providers:
      - type: feature
        name: publisher.serving.ogcapi.provider.GeoPackagePublicationProvider
        data: <publication directory>
        id_field: POID
        options: {dataset: poi, product: Conformiteitsattest}   # product is optional

With a ``postgresql+psycopg://`` URL as ``data`` the same provider reads the current PostGIS
publication schema (psycopg 3, pooled): the SQL differs only where :mod:`.features` and the
:class:`~publisher.serving.filters.dialect.Dialect` say so (placeholders, GiST and ``ST_*``
instead of the R-tree), and responses are the same.

Every page is one indexed read: the collection's ``PRODUCT``, property parameters, ``bbox``
and the CQL2 filter become one AST, compiled by the one filter compiler
(:mod:`publisher.serving.filters`) into one ``WHERE``, as the WFS does; the default order is
``fid`` (publication order) and any ``sortby`` ends with the identifier, so paging is a total
order. Counts are exact (one indexed ``count(*)``).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any

import shapely
from pygeoapi.provider.base import (
    BaseProvider,
    ProviderGenericError,
    ProviderInvalidQueryError,
    ProviderItemNotFoundError,
)
from pygeofilter import ast

from publisher.mapping import load_mapping
from publisher.serving import metrics
from publisher.serving.backends import Failure, Query, backend_for
from publisher.serving.crs import CrsError, parse_crs
from publisher.serving.filters.compiler import (
    FilterError,
    GeometryLiteral,
    Where,
    compile_filter,
    layer_from_mapping,
    order_by,
)
from publisher.serving.filters.dialect import Dialect
from publisher.serving.ogcapi import features
from publisher.serving.ogcapi.crs import CRS84
from publisher.serving.ogcapi.filtering import current_filter, pinned_run
from publisher.serving.ogcapi.limits import quoted
from publisher.serving.publications import (
    PostGISReader,
    Publication,
    PublicationReader,
    PublicationUnreadable,
    is_database_url,
    open_reader,
)
from publisher.serving.wfs import settings as wfs_settings

LOGGER = logging.getLogger(__name__)

#: Names a filter may use for the geometry besides the layer's own (``SHAPE``).
GEOMETRY_ALIASES = ("geometry", "geom", "SHAPE")
#: JSON Schema types of the mapping's field types (what /queryables and /schema show).
_JSON_TYPES = {"string": {"type": "string"}, "integer": {"type": "integer"},
               "real": {"type": "number"}, "date": {"type": "string", "format": "date"},
               "boolean": {"type": "boolean"}}

_readers: dict[Path | str, PublicationReader | PostGISReader] = {}
_readers_lock = threading.Lock()


class PublicationUnavailable(ProviderGenericError):
    """No publication of the dataset exists yet: the service is up but has nothing to serve."""

    ogc_exception_code = "ServiceUnavailable"
    http_status_code = HTTPStatus.SERVICE_UNAVAILABLE
    default_msg = "no publication is available yet"


def reader_for(source: str | Path) -> PublicationReader | PostGISReader:
    """One reader per publication source and process (pygeoapi builds a provider per call).

    ``source`` is a publication directory or a ``postgresql+psycopg://`` URL.
    """
    key: Path | str = str(source) if is_database_url(str(source)) else Path(source).resolve()
    with _readers_lock:
        if key not in _readers:
            _readers[key] = open_reader(key)
        return _readers[key]


def close_readers() -> None:
    """Close the pooled connections of every reader of this process (they reopen on demand).

    A worker that shuts down ends its PostgreSQL sessions at once instead of leaving them to
    the server's timeouts; a test process calls it between modules, so the pools of the
    publications it is done with do not hold ``max_connections`` slots.
    """
    with _readers_lock:
        readers = list(_readers.values())
    for reader in readers:
        if isinstance(reader, PostGISReader):
            reader.database.dispose()


@contextmanager
def reading(pub: Publication) -> Iterator[Query]:
    """A :class:`~publisher.serving.backends.Query` of ``pub`` for one request.

    The same time budget as the WFS (``VLOK_WFS_TIME_BUDGET``): a costly filter answers 503
    + Retry-After instead of holding a worker. Backend errors become provider errors by
    their kind (:class:`~publisher.serving.backends.Failure`), whichever backend it is.
    """
    backend = backend_for(pub)
    budget = wfs_settings.TIME_BUDGET_SECONDS
    try:
        query = backend.query(pub)
    except Exception as exc:
        if backend.classify(exc) is None:
            raise
        raise PublicationUnavailable(user_msg="the publication cannot be read now; "
                                              "retry later") from exc
    query.set_deadline(time.monotonic() + budget)
    try:
        with query.held():  # one connection for the query's few statements (PostGIS)
            yield query
    except Exception as exc:
        failure = backend.classify(exc)
        if failure is Failure.BUDGET:
            raise PublicationUnavailable(
                user_msg=f"the query took longer than the time budget of {budget:g} s; "
                         "narrow it (bbox, filter, limit) or retry later") from None
        if failure is Failure.QUERY:
            detail = getattr(getattr(exc, "diag", None), "message_primary", None) or exc
            raise ProviderInvalidQueryError(
                user_msg=f"the filter cannot be evaluated: {detail}") from exc
        if failure is Failure.UNAVAILABLE:
            LOGGER.warning("publication %s unreadable: %s", pub.run_id, exc)
            raise PublicationUnavailable(user_msg="the publication cannot be read now; "
                                                  "retry later") from exc
        raise
    finally:
        query.set_deadline(None)
        query.close()


class GeoPackagePublicationProvider(BaseProvider):
    """Features of one published dataset, optionally restricted to one ``PRODUCT``."""

    def __init__(self, provider_def: dict[str, Any]) -> None:
        super().__init__(provider_def)
        options = self.options or {}
        self.dataset: str = options.get("dataset", "poi")
        self.product: str | None = options.get("product")
        self.mapping = load_mapping(self.dataset)
        self.table = self.dataset
        self.geometry = self.mapping.geometry_name
        self.rtree = f"rtree_{self.table}_{self.geometry}"
        self.id_field = self.id_field or ("POID" if self.dataset == "poi" else "NISCODE")
        self.reader = reader_for(self.data)
        self._fields = self.get_fields()
        self.layer = layer_from_mapping(self.mapping, table=self.table, id_field=self.id_field,
                                        resolve=self._resolve)

    # -- metadata ---------------------------------------------------------------------------

    def get_fields(self) -> dict[str, dict[str, Any]]:
        """Fields from the mapping (the allow-list), so they exist before any publication."""
        return {f.name: {**_JSON_TYPES[f.type], "title": f.name, "description": f.description}
                for f in self.mapping.fields}

    def get_schema(self, schema_type: Any = None) -> tuple[str, dict[str, Any]]:
        """JSON Schema of a feature (``/collections/{id}/schema``)."""
        props = {k: dict(v) for k, v in self._fields.items()}
        props[self.geometry] = {"$ref": f"https://geojson.org/schema/{self.mapping.geometry_type}"
                                        ".json", "x-ogc-role": "primary-geometry"}
        props[self.id_field]["x-ogc-role"] = "id"
        return "application/schema+json", {"type": "object", "properties": props}

    # -- queries ----------------------------------------------------------------------------

    def query(self, offset: int = 0, limit: int = 10, resulttype: str = "results",
              bbox: list[float] | None = None, datetime_: str | None = None,
              properties: list[tuple[str, str]] | None = None,
              sortby: list[dict[str, str]] | None = None,
              select_properties: list[str] | None = None, skip_geometry: bool = False,
              q: str | None = None, filterq: Any = None, crs_transform_spec: Any = None,
              **kwargs: Any) -> dict[str, Any]:
        """One page of features and the exact number matched (OGC API Features, Part 1–3)."""
        pub = self._publication()  # resolved once: the whole response reads this one
        with reading(pub) as db:
            where, only_product = self._where(db.dialect, bbox or [], properties or [],
                                              filterq)
            db.bind(where, self.layer.is_point)
            table = db.table(self.table)
            # Unfiltered (or only the collection's product): the count is in the publication's
            # meta and the page is a seek on fid, since publications number features 1..n
            # grouped by product. Otherwise an exact count and an OFFSET page.
            whole = where.everything or only_product
            counts = pub.meta.get("counts", {})
            if where.everything and "features" in pub.meta:
                matched = int(pub.meta["features"])
            elif only_product and self.product in counts:
                matched = int(counts[self.product])
            elif where.count_sql is not None:  # one spatial predicate: the R-tree answers
                matched = db.rows(*where.count_sql)[0][0]
            else:
                matched = db.rows(f"SELECT count(*) FROM {table} t WHERE {where.sql}",
                                  where.params)[0][0]
            out: dict[str, Any] = {"type": "FeatureCollection", "features": [],
                                   "numberMatched": matched, "numberReturned": 0}
            if resulttype == "hits":
                return out
            order = order_by(self._sort_keys(sortby or []), self.layer, db.dialect)
            target = features.target_crs(crs_transform_spec)
            page_where, page_params, page_offset = where.sql, where.params, offset
            if whole and order == "t.fid":
                first = _first_fid(db, pub, self.table, where)
                page_where = f"{where.sql} AND t.fid > {db.dialect.ph}"
                page_params, page_offset = [*where.params, first - 1 + offset], 0
            out["features"] = features.page(
                db, self, where=page_where, params=page_params, order=order, limit=limit,
                offset=page_offset, target_crs=target, select=select_properties or [],
                skip_geometry=skip_geometry)
        out["numberReturned"] = len(out["features"])
        metrics.FEATURES_SERVED.inc(len(out["features"]), collection=self.name_label)
        return out

    def get(self, identifier: str, **kwargs: Any) -> dict[str, Any]:
        """The feature whose identifier is ``identifier`` (404 otherwise)."""
        pub = self._publication()
        with reading(pub) as db:
            where, _ = self._where(db.dialect, [], [(self.id_field, identifier)], None)
            found = features.page(
                db, self, where=where.sql, params=where.params, order="t.fid", limit=1,
                offset=0,
                target_crs=features.target_crs(kwargs.get("crs_transform_spec")),
                select=[], skip_geometry=False)
        if not found:
            raise ProviderItemNotFoundError(user_msg=f"no feature {quoted(identifier)} in this "
                                                     "collection")
        metrics.FEATURES_SERVED.inc(1, collection=self.name_label)
        return found[0]

    @property
    def name_label(self) -> str:
        """Metric label of this collection (its product, or the dataset)."""
        return self.product or self.dataset

    # -- helpers ----------------------------------------------------------------------------

    def _publication(self) -> Publication:
        """The publication the request reads: the one its paging link names, else current."""
        run = pinned_run.get()
        try:
            pub = (self.reader.pinned(self.dataset, run) if run
                   else self.reader.current(self.dataset))
        except PublicationUnreadable as exc:
            raise PublicationUnavailable(user_msg="the publication cannot be read now; "
                                                  "retry later") from exc
        if pub is None:
            raise PublicationUnavailable(user_msg=f"no {self.dataset} publication is "
                                                  "available yet")
        return pub

    def _resolve(self, name: str) -> str:
        """A property a filter names: a queryable, or the geometry under any of its names."""
        if name in self._fields:
            return name
        if name in (*GEOMETRY_ALIASES, self.geometry):
            return self.geometry
        raise FilterError(f"unknown property {quoted(name)} in filter: see /queryables")

    def _where(self, dialect: Dialect, bbox: list[float], properties: list[tuple[str, str]],
               filterq: Any) -> tuple[Where, bool]:
        """The request's restrictions as one AST, compiled; and whether only PRODUCT is set."""
        nodes: list[Any] = []
        if self.product:
            nodes.append(ast.Equal(ast.Attribute("PRODUCT"), self.product))
        only_product = bool(nodes)
        geometry = ast.Attribute(self.geometry)
        if bbox:  # pygeoapi's own bbox (already in the storage CRS)
            nodes.append(ast.GeometryIntersects(
                geometry, GeometryLiteral(shapely.box(*_finite_box(bbox)))))
        for name, value in properties:
            if name in self._fields:
                nodes.append(ast.Equal(ast.Attribute(name), value))
        extra = current_filter.get()
        if extra is not None and extra.area is not None:
            nodes.append(ast.GeometryIntersects(geometry, extra.area))
        node, filter_crs = (filterq, None) if filterq is not None else (
            (extra.node, extra.crs) if extra else (None, None))
        if node is not None:
            nodes.append(node)
        only_product = only_product and len(nodes) == 1
        tree = None
        for part in nodes:
            tree = part if tree is None else ast.And(tree, part)
        try:
            where = compile_filter(tree, self.layer, dialect,
                                   literal_crs=parse_crs(filter_crs or CRS84, "filter-crs"))
        except (FilterError, CrsError) as exc:
            raise ProviderInvalidQueryError(user_msg=exc.message) from exc
        return where, only_product

    def _sort_keys(self, sortby: list[dict[str, str]]) -> list[tuple[str, bool]]:
        """Pygeoapi's ``sortby`` as (field, descending) keys, unknown fields dropped."""
        return [(s["property"], s["order"] == "-") for s in sortby
                if s["property"] in self._fields]


#: First fid per (run, collection filter): a publication never changes under its run id, and
#: a page in publication order seeks from it (a statement per page saved).
_FIRST_FIDS: dict[tuple[Any, ...], int] = {}
_FIRST_FIDS_KEPT = 64


def _first_fid(db: Query, pub: Publication, table: str, where: Where) -> int:
    key = (pub.run_id, table, where.sql, tuple(where.params))
    first = _FIRST_FIDS.get(key)
    if first is None:
        first = db.rows(f"SELECT min(t.fid) FROM {db.table(table)} t WHERE {where.sql}",
                        where.params)[0][0] or 1
        if len(_FIRST_FIDS) >= _FIRST_FIDS_KEPT:
            _FIRST_FIDS.pop(next(iter(_FIRST_FIDS)))
        _FIRST_FIDS[key] = first
    return first


def _finite_box(bbox: list[float]) -> tuple[float, float, float, float]:
    """A bbox pygeoapi transformed to storage; out-of-domain corners become far away."""
    values = [float(v) for v in (bbox[:2] + bbox[3:5] if len(bbox) == 6 else bbox)]
    far = 1e15
    lows = [max(v, -far) if math.isfinite(v) else -far for v in values[:2]]
    highs = [min(v, far) if math.isfinite(v) else far for v in values[2:]]
    return lows[0], lows[1], highs[0], highs[1]
