"""The publish job's part of the stream: each published POI run becomes pages, once.

Called in the run's follow-up (after the switch, durable: a run that dies before it is
completed by the next run), it appends every published POI run that is not in the stream yet,
oldest first. On the first publish after an upgrade that is the whole run history: the
backfill. A run's appearances take their attributes from its own publication; when that was
pruned, from the serving one; a fact found in neither (it came and went before the upgrade,
its publications gone) is left out of the backfill and counted as skipped, and its
disappearance is still written.

Pages never move back in time: a run whose as-of date is before the newest page (a re-run of
an older day) is written on the newest page's day, so the timestamps a consumer reads only grow
and a closed day is never reopened.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from publisher.progress import log_event
from publisher.publication.gpkg import point_xy
from publisher.publication.ldes import members as mb
from publisher.publication.ldes import terms as t
from publisher.publication.ldes.pages import PageStore

Facts = dict[str, tuple[dict[str, Any], float, float]]
CHUNK = 900  # below SQLite's default limit of bound parameters


def page_store(target: Any) -> PageStore:
    """The stream's tables of a publication target (directory or PostGIS)."""
    if hasattr(target, "root"):
        return PageStore.for_history(str(target.root / "history.sqlite"))
    from publisher.publication.postgis import META

    return PageStore(target.engine, f"{META}.")


def _runs(target: Any) -> list[tuple[str, date, str, str | None]]:
    """Published POI runs in publication order.

    Each as (run id, as-of, its file or schema, the previous run's file or schema).
    """
    sql = ("SELECT r.run_id, r.as_of, r.{loc}, p.{loc} FROM {t}run r LEFT JOIN {t}run p ON "
           "p.run_id = r.previous_run WHERE r.dataset = 'poi' AND r.status = 'published' "
           "ORDER BY r.as_of, r.finished, r.run_id")
    if hasattr(target, "root"):
        with target.history() as db:
            rows = db.execute(sql.format(loc="file", t="")).fetchall()
        return [(r, date.fromisoformat(a), f, p) for r, a, f, p in rows]
    from publisher.publication.postgis import META

    with target.engine.connect() as conn:
        rows = conn.execute(text(sql.format(loc="schema_name", t=f"{META}."))).all()
    return [(r, a, s, p) for r, a, s, p in rows]


def _changed(target: Any, location: str, previous: str | None) -> Facts:
    """Facts in both publications whose published row or position differ (same POID).

    The change set only lists POIDs that came or went; a fact that holds on but is shown
    differently (a parcel linked to its building) must reach a consumer too. Needs the
    previous publication: after it was pruned (a backfill) such changes cannot be seen.
    """
    if previous is None:
        return {}
    before = read_facts(target, previous, None)
    if not before:
        return {}
    now = read_facts(target, location, None)
    return {p: fact for p, fact in now.items() if p in before and before[p] != fact}


def _changes(target: Any, run_id: str) -> list[tuple[str, str, str]]:
    sql = "SELECT product, poid, change FROM {t}change WHERE run_id = {m} ORDER BY change, poid"
    if hasattr(target, "root"):
        with target.history() as db:
            return db.execute(sql.format(t="", m="?"), (run_id,)).fetchall()
    from publisher.publication.postgis import META

    with target.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql.format(t=f"{META}.", m=":r")),
                                               {"r": run_id})]


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def read_facts(target: Any, location: str, poids: list[str] | None) -> Facts:
    """Rows and positions (EPSG:31370) of ``poids`` (None: all) in one publication.

    Missing POIDs, or a publication no longer kept, are simply absent from the answer.
    """
    cols = ", ".join(f'"{c}"' for c in mb.FIELDS)
    out: Facts = {}
    if poids is not None and not poids:
        return out
    if hasattr(target, "root"):
        path = Path(target.root) / location
        if not path.exists():
            return out
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            for chunk in _chunks(poids) if poids is not None else [None]:
                where = "" if chunk is None else f'WHERE "POID" IN ({", ".join("?" * len(chunk))})'
                for *values, blob in db.execute(f'SELECT {cols}, "SHAPE" FROM poi {where}',
                                                chunk or []):
                    x, y = point_xy(blob)
                    out[values[0]] = (dict(zip(mb.FIELDS, values, strict=True)), x, y)
        return out
    with target.engine.connect() as conn:
        exists = conn.execute(text("SELECT to_regclass(:t)"), {"t": f'"{location}".poi'}
                              ).scalar()
        if exists is None:
            return out
        for chunk in _chunks(poids) if poids is not None else [None]:
            where = "" if chunk is None else 'WHERE "POID" = ANY(:p)'
            for *values, x, y in conn.execute(text(
                    f'SELECT {cols}, ST_X("SHAPE"), ST_Y("SHAPE") FROM "{location}".poi '
                    f"{where}"), {"p": chunk}):
                out[values[0]] = (dict(zip(mb.FIELDS, values, strict=True)), x, y)
    return out


def _pages(members: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    """Cut members into stored pages: (JSON body, member count, ETag)."""
    out = []
    for i in range(0, max(len(members), 1), t.PAGE_SIZE):
        chunk = members[i:i + t.PAGE_SIZE]
        body = json.dumps(chunk, ensure_ascii=False, separators=(",", ":"))
        out.append((body, len(chunk), hashlib.sha256(body.encode()).hexdigest()[:32]))
    return out


def write_stream(target: Any, serving_location: str | None = None) -> dict[str, int]:
    """Append every published POI run missing from the stream; return what was written.

    ``serving_location``: the serving publication (file or schema), where a backfilled
    appearance looks when its own run's publication was pruned.
    """
    store = page_store(target)
    store.create()
    done = store.done_runs()
    written = {"runs": 0, "members": 0, "skipped": 0}
    for run_id, as_of, location, previous in _runs(target):
        if run_id in done:
            continue
        last = store.last()
        day = max(as_of, date.fromisoformat(last[1])) if last else as_of
        nth = store.runs_on(day.isoformat()) + 1
        changes = _changes(target, run_id)
        added = [poid for _, poid, change in changes if change == "added"]
        facts = read_facts(target, location, added)
        missing = [p for p in added if p not in facts]
        if missing and serving_location and serving_location != location:
            facts.update(read_facts(target, serving_location, missing))
        members = []
        for product, poid, change in changes:
            if change == "removed":
                members.append(mb.disappeared(poid, product, day, as_of, nth))
            elif poid in facts:
                row, x, y = facts[poid]
                members.append(mb.appeared(row, x, y, day, as_of, nth))
        for _, (row, x, y) in sorted(_changed(target, location, previous).items()):
            members.append(mb.appeared(row, x, y, day, as_of, nth, changed=True))
        skipped = len(added) - sum(1 for p in added if p in facts)
        pages = _pages(members)
        if not members and last and last[1] == day.isoformat():
            pages = []  # the day already has its page; an empty re-run adds nothing
        versions = [(m["dct:identifier"], m["@id"], (i // t.PAGE_SIZE) + 1)
                    for i, m in enumerate(members)]
        store.append(run_id, day.isoformat(), pages, versions, skipped)
        written["runs"] += 1
        written["members"] += len(members)
        written["skipped"] += skipped
        log_event("ldes.run_written", run_id=run_id, day=day.isoformat(),
                  members=len(members), pages=len(pages), skipped=skipped)
    return written
