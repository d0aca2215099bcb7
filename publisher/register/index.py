"""The register's search index: one SQLite file with FTS5, built by the publish job.

Why a file and not a copy per worker: the register has millions of addresses; every worker
of every node opens the same read-only file, and the kernel's page cache holds what queries
touch. Why SQLite FTS5 for the PostGIS target too: the index is a read-only daily asset like
the downloads, and a local file answers a keystroke in well under a millisecond without a
database round trip; the PostGIS target carries the file in its database so that stateless
nodes fetch it once (see :mod:`publisher.publication.register`).

Layout (``LAYOUT`` in ``meta``):

``straat``  one row per street name, postcode and municipality (``id`` = rank, the streets with
            most addresses first, so a bounded FTS query meets the likeliest streets first)
``adres``   every address, with its street, comparable number and box, and CRS84 position
``plaats``  municipalities, and per postcode its deelgemeente(n), with position and extent
``lijn``    street axes (where the register has them) with an R-tree, for the map's labels
``straat_zoek``, ``plaats_zoek``  contentless FTS5 over the words each is found by
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import Transformer
from sqlalchemy import Connection, text

from publisher.register import model
from publisher.register.text import box_key, fold, key, number_key, street_terms

LAYOUT = "1"
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE straat (id INTEGER PRIMARY KEY, naam TEXT NOT NULL, naam_key TEXT NOT NULL,
  postcode TEXT NOT NULL, deelgemeente TEXT NOT NULL, gemeente TEXT NOT NULL,
  gemeente_key TEXT NOT NULL, deelgemeente_key TEXT NOT NULL, niscode TEXT NOT NULL,
  aantal INTEGER NOT NULL, lon REAL, lat REAL,
  minlon REAL, minlat REAL, maxlon REAL, maxlat REAL);
CREATE TABLE adres (id INTEGER PRIMARY KEY, adresid TEXT NOT NULL, straat INTEGER NOT NULL,
  huisnummer TEXT NOT NULL, busnummer TEXT, nummer_key TEXT NOT NULL, bus_key TEXT NOT NULL,
  volgorde INTEGER NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL);
CREATE TABLE plaats (id INTEGER PRIMARY KEY, soort TEXT NOT NULL, naam TEXT NOT NULL,
  postcode TEXT, gemeente TEXT NOT NULL, niscode TEXT NOT NULL, aantal INTEGER NOT NULL,
  lon REAL, lat REAL, minlon REAL, minlat REAL, maxlon REAL, maxlat REAL);
CREATE TABLE lijn (id INTEGER PRIMARY KEY, naam TEXT NOT NULL, gemeente TEXT NOT NULL,
  lon1 REAL, lat1 REAL, lon2 REAL, lat2 REAL);
CREATE VIRTUAL TABLE lijn_rtree USING rtree(id, minlon, maxlon, minlat, maxlat);
CREATE VIRTUAL TABLE straat_zoek USING fts5(tekst, content='', detail='none',
  columnsize=0, prefix='2 3 4', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE plaats_zoek USING fts5(tekst, content='', detail='none',
  columnsize=0, prefix='2 3', tokenize='unicode61 remove_diacritics 2');
"""
_INDEXES = """
CREATE INDEX adres_straat ON adres (straat, nummer_key, bus_key);
CREATE INDEX adres_adresid ON adres (adresid);
CREATE INDEX straat_key ON straat (naam_key);
"""
_TO_CRS84 = Transformer.from_crs(31370, 4326, always_xy=True)


def file_name(register_version: str) -> str:
    """The index file of a register version (a new import, a new name)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", register_version)[:64]
    return f"adresregister-{safe}.sqlite"


def _lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _TO_CRS84.transform(x, y)
    return np.round(lon, 7), np.round(lat, 7)


def _sort_key(huisnummer: str) -> int:
    """House numbers in street order: 2 before 10, 12 before 12A before 12B."""
    m = re.match(r"([0-9]*)\s*([A-Za-z]?)", huisnummer)
    digits, letter = (m[1], m[2]) if m else ("", "")
    return (int(digits) if digits else 0) * 100 + (ord(letter.lower()) - 96 if letter else 0)


def build(conn: Connection, path: Path, register_version: str,
          progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Write the index of the register in ``conn``'s database to ``path`` (atomically).

    Returns figures for the run report: addresses, streets, places, seconds, bytes.
    """
    started = time.perf_counter()
    work = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    work.unlink(missing_ok=True)
    db = sqlite3.connect(work)
    try:
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
                         "PRAGMA cache_size = -65536; PRAGMA page_size = 4096;")
        db.executescript(_SCHEMA)
        streets = _streets(conn, db)
        n = _addresses(conn, db, streets, progress)
        places = _places(db)
        _lines(conn, db)
        db.executescript(_INDEXES)
        db.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("layout", LAYOUT), ("versie", register_version), ("adressen", str(n)),
            ("straten", str(len(streets))), ("plaatsen", str(places))])
        db.commit()
        db.execute("VACUUM")
    finally:
        db.close()
    os.replace(work, path)
    return {"addresses": n, "streets": len(streets), "places": places,
            "seconds": round(time.perf_counter() - started, 1), "bytes": path.stat().st_size}


def _streets(conn: Connection, db: sqlite3.Connection) -> dict[tuple[str, str, str], int]:
    """One row per (municipality, street name, postcode), ranked by size; their ids."""
    rows = conn.execute(text(
        "SELECT niscode, straatnaam, postcode, MIN(deelgemeente), MIN(gemeente), COUNT(*), "
        "AVG(x), AVG(y), MIN(x), MIN(y), MAX(x), MAX(y) FROM adresregister_adres "
        "GROUP BY niscode, straatnaam, postcode")).all()
    rows.sort(key=lambda r: (-r[5], r[1], r[2]))
    arr = np.array([r[6:12] for r in rows], dtype=float).reshape(-1, 6)
    lon, lat = _lonlat(arr[:, 0], arr[:, 1])
    lo_lon, lo_lat = _lonlat(arr[:, 2], arr[:, 3])
    hi_lon, hi_lat = _lonlat(arr[:, 4], arr[:, 5])
    ids: dict[tuple[str, str, str], int] = {}
    out, fts = [], []
    for i, (nis, name, pc, district, gemeente, count, *_) in enumerate(rows, start=1):
        ids[(nis, name, pc)] = i
        out.append((i, name, key(name), pc, district, gemeente, key(gemeente), key(district),
                    nis, count, lon[i - 1], lat[i - 1], lo_lon[i - 1], lo_lat[i - 1],
                    hi_lon[i - 1], hi_lat[i - 1]))
        fts.append((i, f"{street_terms(name)} {fold(district)} {fold(gemeente)} {pc}"))
    db.executemany(f"INSERT INTO straat VALUES ({', '.join('?' * 16)})", out)
    db.executemany("INSERT INTO straat_zoek (rowid, tekst) VALUES (?, ?)", fts)
    return ids


def _addresses(conn: Connection, db: sqlite3.Connection, streets: dict[tuple[str, str, str], int],
               progress: Callable[[int], None] | None) -> int:
    """Every address, streamed in chunks, positions converted per chunk."""
    n = 0
    numbers: dict[str, tuple[str, int]] = {}
    boxes: dict[str | None, str] = {}
    cols = {c: i for i, c in enumerate(model.ADDRESS_COLUMNS)}
    for chunk in model.read(conn, model.ADDRESS):
        xy = np.array([(r[cols["x"]], r[cols["y"]]) for r in chunk], dtype=float)
        lon, lat = _lonlat(xy[:, 0], xy[:, 1])
        rows = []
        for r, lo, la in zip(chunk, lon.tolist(), lat.tolist(), strict=True):
            nr, box = r[cols["huisnummer"]], r[cols["busnummer"]]
            nk = numbers.get(nr)
            if nk is None:
                nk = numbers[nr] = (number_key(nr), _sort_key(nr))
            bk = boxes.get(box)
            if bk is None:
                bk = boxes[box] = box_key(box)
            street = streets[(r[cols["niscode"]], r[cols["straatnaam"]], r[cols["postcode"]])]
            rows.append((r[cols["adresid"]], street, nr, box, nk[0], bk, nk[1], lo, la))
        db.executemany("INSERT INTO adres (adresid, straat, huisnummer, busnummer, nummer_key, "
                       "bus_key, volgorde, lon, lat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        n += len(rows)
        if progress:
            progress(len(rows))
    return n


def _places(db: sqlite3.Connection) -> int:
    """Municipalities, and each postcode with its deelgemeente, from the streets."""
    agg = ("SUM(aantal), SUM(lon * aantal) / SUM(aantal), SUM(lat * aantal) / SUM(aantal), "
           "MIN(minlon), MIN(minlat), MAX(maxlon), MAX(maxlat)")
    rows = [("gemeente", g, None, g, nis, *rest) for g, nis, *rest in db.execute(
        f"SELECT gemeente, niscode, {agg} FROM straat GROUP BY niscode, gemeente")]
    rows += [("deelgemeente", d, pc, g, nis, *rest) for d, pc, g, nis, *rest in db.execute(
        f"SELECT deelgemeente, postcode, gemeente, niscode, {agg} FROM straat "
        "GROUP BY niscode, postcode, deelgemeente")]
    rows.sort(key=lambda r: (r[0] != "gemeente", -r[5], r[1]))
    db.executemany("INSERT INTO plaats VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [(i, *r) for i, r in enumerate(rows, start=1)])
    db.executemany("INSERT INTO plaats_zoek (rowid, tekst) VALUES (?, ?)", [
        (i, " ".join(filter(None, (fold(r[1]), r[2] or "", fold(r[3])))))
        for i, r in enumerate(rows, start=1)])
    return len(rows)


def _lines(conn: Connection, db: sqlite3.Connection) -> None:
    """The street axes the register has, in CRS84, with an R-tree for the map's bbox."""
    rows = [r for chunk in model.read(conn, model.STREET, "id") for r in chunk
            if r[6] is not None]
    if not rows:
        return
    c = np.array([r[6:10] for r in rows], dtype=float)
    lon1, lat1 = _lonlat(c[:, 0], c[:, 1])
    lon2, lat2 = _lonlat(c[:, 2], c[:, 3])
    db.executemany("INSERT INTO lijn VALUES (?, ?, ?, ?, ?, ?, ?)", [
        (r[0] + 1, r[1], r[3], a, b, cc, d) for r, a, b, cc, d in zip(
            rows, lon1.tolist(), lat1.tolist(), lon2.tolist(), lat2.tolist(), strict=True)])
    db.executemany("INSERT INTO lijn_rtree VALUES (?, ?, ?, ?, ?)", [
        (r[0] + 1, min(a, cc), max(a, cc), min(b, d), max(b, d)) for r, a, b, cc, d in zip(
            rows, lon1.tolist(), lat1.tolist(), lon2.tolist(), lat2.tolist(), strict=True)])
