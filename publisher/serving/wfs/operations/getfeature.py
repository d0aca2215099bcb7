"""GetFeature, GetPropertyValue and GetFeatureById: count, order, page, stream.

The exact count and the page bounds are settled before streaming starts, so the first
bytes already carry ``numberMatched``, ``numberReturned`` and the ``next``/``previous``
links; the body then reads the page in batches. The body is closed when the stream ends or
the client goes away (``serving.streaming``); on PostGIS each batch borrows a connection for
its own short transaction, so nothing is held while the client is slow to read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from publisher.serving.backends import Failure, backend_for
from publisher.serving.filters.compiler import compile_filter, order_by
from publisher.serving.publications import (
    Publication,
    PublicationReader,
    PublicationUnreadable,
)
from publisher.serving.wfs.errors import (
    InvalidParameterValue,
    NotFound,
    PublicationGone,
    ServiceUnavailable,
    TimeBudgetExceeded,
    short,
)
from publisher.serving.wfs.featuretypes import filter_layer
from publisher.serving.wfs.output import csv, geojson, gml
from publisher.serving.wfs.output.page import Page
from publisher.serving.wfs.request import GetFeature
from publisher.serving.wfs.response import Response

_RENDERERS: dict[str, tuple[str, Callable[[Page], Iterator[bytes]]]] = {
    "gml": (gml.MEDIA_TYPE, gml.feature_collection),
    "json": (geojson.MEDIA_TYPE, geojson.feature_collection),
    "csv": (csv.MEDIA_TYPE, csv.feature_collection),
}


#: Vendor parameter of ``next``/``previous`` links naming the publication of the first page.
PUBLICATION = "PUBLICATION"


def _link(req: GetFeature, service_url: str, start: int, run_id: str) -> str:
    """A paging link that reads the same publication (see :func:`_publication`)."""
    params = {k: v for k, v in req.kvp.items() if k not in ("MAXFEATURES", PUBLICATION)}
    params["STARTINDEX"] = str(start)
    params["COUNT"] = str(req.count)
    params[PUBLICATION] = run_id
    return f"{service_url}?{urlencode(params)}"


def _publication(req: GetFeature, reader: PublicationReader) -> Publication:
    """The current publication, or the one a paging link names (``PUBLICATION``).

    A harvest that pages by ``next`` links reads one publication from its first page to its
    last, even when the daily switch happens in between or another serve node answers the
    next page; once that publication is pruned the link answers 410 and the client starts
    over (README "Paging across a publication switch").
    """
    ft = req.query.ft
    pinned = req.kvp.get(PUBLICATION, "").strip()
    try:
        pub = reader.pinned(ft.dataset, pinned) if pinned else reader.current(ft.dataset)
    except PublicationUnreadable as exc:
        raise ServiceUnavailable(f"{ft.name} cannot be read now; retry later") from exc
    if pub is None and pinned:
        raise PublicationGone(f"publication {short(pinned)} of {ft.name} is no longer served; "
                              "start the harvest again without PUBLICATION", PUBLICATION)
    if pub is None:
        raise ServiceUnavailable(f"{ft.name} has not been published yet")
    return pub


def _closing(body: Iterator[bytes], db: Any) -> Iterator[bytes]:
    try:
        yield from body
    finally:
        db.close()


def get_feature(req: GetFeature, reader: PublicationReader, service_url: str,
                deadline: float | None = None) -> Response:
    """Evaluate ``req`` against the current publication of its feature type.

    ``deadline`` (``time.monotonic()``) bounds the work before the first byte: the count
    is interrupted past it (SQLite; PostGIS statements keep their own timeout).

    Raises
    ------
    TimeBudgetExceeded
        When the count ran past ``deadline``.
    ServiceUnavailable
        Before the first publication.
    NotFound
        GetFeatureById for an unknown identifier.
    InvalidParameterValue
        When SQLite refuses the filter (e.g. too many values).
    """
    ft = req.query.ft
    pub = _publication(req, reader)  # resolved once: the whole response reads this one
    backend = backend_for(pub)
    layer = filter_layer(ft)
    where = compile_filter(req.query.filter, layer, backend.dialect)
    if req.value_reference and req.value_reference != ft.geometry_name:
        where.sql = f'({where.sql}) AND t."{req.value_reference}" IS NOT NULL'
    try:
        db = backend.query(pub, where, layer)
    except Exception as exc:
        if backend.classify(exc) is None:
            raise
        raise ServiceUnavailable(f"{ft.name} cannot be read now; retry later") from exc
    db.set_deadline(deadline)
    try:
        matched = db.count(layer, where)
        db.set_deadline(None)  # the status goes out with the first byte: stream unbudgeted
    except BaseException as exc:
        db.close()
        failure = backend.classify(exc)
        if failure is Failure.BUDGET or (failure is Failure.QUERY and deadline is not None
                                         and time.monotonic() > deadline):
            raise TimeBudgetExceeded("the request ran out of its time budget; narrow the "
                                     "filter or retry later") from exc
        if failure is Failure.QUERY:
            raise InvalidParameterValue("the filter cannot be evaluated (too complex)",
                                        "filter") from exc
        if failure is Failure.UNAVAILABLE:
            raise ServiceUnavailable(f"{ft.name} cannot be read now; retry later") from exc
        raise
    start, count = req.start_index, req.count
    returned = 0 if req.hits else max(0, min(count, matched - start))
    more = not req.hits and count > 0 and start + returned < matched
    page = Page(
        req=req, db=db, where=where, order=order_by(req.query.sort_by, layer, backend.dialect),
        backend=backend, layer=layer,
        matched=matched, returned=returned,
        next_url=_link(req, service_url, start + count, pub.run_id) if more else None,
        previous_url=(_link(req, service_url, max(0, start - count), pub.run_id)
                      if not req.hits and start > 0 and count > 0 else None),
        service_url=service_url,
        timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    if req.by_id:
        if matched == 0:
            db.close()
            raise NotFound(f"no feature with id {req.kvp.get('ID', '')!r}", "ID")
        return Response(200, gml.MEDIA_TYPE, _closing(gml.single_feature(page), db))
    if req.value_reference:
        return Response(200, gml.MEDIA_TYPE, _closing(gml.value_collection(page), db))
    media_type, render = _RENDERERS[req.output]
    return Response(200, media_type, _closing(render(page), db))
