"""Search and recognise addresses in the public address register's index (one file, FTS5).

The publish job writes the index (:mod:`publisher.register.index`) and names it in the POI
publication's metadata; every worker opens that one read-only file, nothing is copied into
memory. Whether VLOK knows an address plays no part here: what is recognised and suggested is
the register, the facts are read afterwards from the publication, by register id.

Every query has a bounded cost: full-text queries stop after :data:`CANDIDATES` streets
(the index stores streets largest first), house numbers are read for at most
:data:`STREETS_PER_NUMBER` of them, and a query is at most 200 characters.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publisher.register.index import LAYOUT
from publisher.register.text import bare, box_key, fold, key, number_key, words
from publisher.serving.lookup import shared
from publisher.serving.publications import Publication

#: Streets a free-text query looks at (the first, i.e. largest, that match).
CANDIDATES = 200
#: Streets whose house numbers a query with a number reads.
STREETS_PER_NUMBER = 30
_BOX_WORDS = {"bus", "bte", "boite", "box", "b"}
_POSTCODE = re.compile(r"[1-9][0-9]{3}")
_NUMBER = re.compile(r"[0-9]{1,4}[a-z]?")
_STREET_COLS = "s.id, s.naam, s.postcode, s.deelgemeente, s.gemeente, s.niscode"


@dataclass
class Query:
    """What a typed address says: street words, number, box, postcode, place words."""

    street: list[str] = field(default_factory=list)
    number: str = ""
    box: str = ""
    postcode: str = ""
    place: list[str] = field(default_factory=list)

    @property
    def all_words(self) -> list[str]:
        """Street and place words together (a street's index text holds both)."""
        return self.street + self.place


def parse(text: str) -> Query:
    """Split ``"Gezellestr. 37 bus 2, 2170 Merksem"`` into its parts (folded, expanded)."""
    t = re.sub(r"([0-9])\s*/\s*([a-z0-9])", r"\1 bus \2", bare(text))
    tokens = [tok.strip(".") for tok in re.split(r"[\s,;]+", t) if tok.strip(".")]
    q = Query()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in _BOX_WORDS and q.number and i + 1 < len(tokens) and not q.box:
            q.box = box_key(tokens[i + 1])
            i += 2
            continue
        if _POSTCODE.fullmatch(tok) and not q.postcode:  # four digits: a postcode, always
            q.postcode = tok
        elif _NUMBER.fullmatch(tok) and not q.number and q.street and not q.place:
            q.number = number_key(tok)
        else:
            (q.place if q.number or (q.postcode and q.street) else q.street).extend(words(tok))
        i += 1
    return q


def _match(terms: list[str], postcode: str) -> str:
    """An FTS5 query: every word as a prefix, the postcode as a whole term."""
    parts = [f'"{w}"*' for w in terms if w]
    if postcode:
        parts.append(f'"{postcode}"')
    return " ".join(parts)


@dataclass(frozen=True)
class Found:
    """One register address."""

    adresid: str
    straat: str
    huisnummer: str
    busnummer: str | None
    postcode: str
    deelgemeente: str
    gemeente: str
    niscode: str
    lon: float
    lat: float
    street_id: int

    @property
    def label(self) -> str:
        """How a Flemish address is written: ``Kerkstraat 12 bus 3, 9000 Gent``."""
        box = f" bus {self.busnummer}" if self.busnummer else ""
        return f"{self.straat} {self.huisnummer}{box}, {self.postcode} {self.gemeente}"


class RegisterIndex:
    """One index file, opened read-only once per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        layout = self.db().execute("SELECT value FROM meta WHERE key = 'layout'").fetchone()
        if not layout or layout[0] != LAYOUT:
            raise sqlite3.DatabaseError(f"{path}: not an address register index of layout "
                                        f"{LAYOUT}")

    def db(self) -> sqlite3.Connection:
        """A read-only connection to the index file, one per thread."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True,
                                 check_same_thread=False)
            db.execute("PRAGMA cache_size = -2048")
            self._local.db = db
        return db

    # -- streets and places -------------------------------------------------------------------

    def streets(self, q: Query, limit: int = CANDIDATES) -> list[tuple]:
        """Streets matching every word (street or place) and the postcode, best first."""
        terms = q.all_words
        if not terms and not q.postcode:
            return []
        rows = self.db().execute(
            f"SELECT {_STREET_COLS}, s.naam_key, s.aantal, s.lon, s.lat, s.minlon, s.minlat, "
            "s.maxlon, s.maxlat FROM straat_zoek z JOIN straat s ON s.id = z.rowid "
            "WHERE straat_zoek MATCH ? LIMIT ?", (_match(terms, q.postcode), limit)).fetchall()
        wanted = "".join(q.street)
        first = q.street[0] if q.street else ""
        return sorted(rows, key=lambda r: (not r[6].startswith(wanted),
                                           not any(w.startswith(first)
                                                   for w in fold(r[1]).split()),
                                           r[0]))

    def places(self, q: Query, limit: int) -> list[tuple]:
        """Municipalities and deelgemeenten matching the words and the postcode."""
        if not q.all_words and not q.postcode:
            return []
        rows = self.db().execute(
            "SELECT p.id, p.soort, p.naam, p.postcode, p.gemeente, p.niscode, p.aantal, p.lon, "
            "p.lat, p.minlon, p.minlat, p.maxlon, p.maxlat FROM plaats_zoek z JOIN plaats p "
            "ON p.id = z.rowid WHERE plaats_zoek MATCH ? LIMIT ?",
            (_match(q.all_words, q.postcode), CANDIDATES)).fetchall()
        wanted = "".join(q.all_words)
        return sorted(rows, key=lambda r: (key(r[2]) != wanted, not key(r[2]).startswith(
            wanted), r[0]))[:limit]

    # -- addresses ----------------------------------------------------------------------------

    def _addresses(self, where: str, args: tuple, limit: int) -> list[Found]:
        rows = self.db().execute(
            "SELECT a.adresid, s.naam, a.huisnummer, a.busnummer, s.postcode, s.deelgemeente, "
            f"s.gemeente, s.niscode, a.lon, a.lat, s.id FROM adres a JOIN straat s "
            f"ON s.id = a.straat WHERE {where} LIMIT ?", (*args, limit)).fetchall()
        return [Found(*r) for r in rows]

    def numbers(self, q: Query, limit: int) -> list[Found]:
        """Addresses of the matching streets whose number (and box) start as typed."""
        ids = [r[0] for r in self.streets(q)[:STREETS_PER_NUMBER]]
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        where = f"a.straat IN ({marks}) AND a.nummer_key >= ? AND a.nummer_key < ?"
        args: tuple = (*ids, q.number, q.number + "\uffff")
        if q.box:
            where += " AND a.bus_key >= ? AND a.bus_key < ?"
            args += (q.box, q.box + "\uffff")
        order = {sid: i for i, sid in enumerate(ids)}
        found = self._addresses(where + " ORDER BY a.nummer_key <> ?, a.volgorde, a.bus_key",
                                (*args, q.number), 2000)
        found.sort(key=lambda f: (number_key(f.huisnummer) != q.number, order[f.street_id]))
        return found[:limit]

    def recognise(self, text: str) -> list[Found]:
        """The register addresses a full address names exactly (empty when none).

        Street by its whole name (abbreviations written out), then the municipality,
        deelgemeente or postcode when given; a house number without a box names every
        address at that number, a box only that one.
        """
        q = parse(text)
        if not q.number or not q.street:
            return []
        rows = self.db().execute(
            "SELECT id, postcode, gemeente_key, deelgemeente_key FROM straat "
            "WHERE naam_key = ?", ("".join(q.street),)).fetchall()
        place = "".join(q.place)
        ids = [sid for sid, pc, g, d in rows
               if (not q.postcode or pc == q.postcode)
               and (not place or place in (g, d) or (g.startswith(place) and len(place) > 3))]
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        found = self._addresses(f"a.straat IN ({marks}) AND a.nummer_key = ? "
                                "ORDER BY a.straat, a.bus_key", (*ids, q.number), 500)
        if q.box:
            found = [f for f in found if box_key(f.busnummer) == q.box]
        return found

    def by_adresid(self, adresid: str) -> list[Found]:
        """The address with this register id (empty when the register has none)."""
        return self._addresses("a.adresid = ?", (adresid,), 1)

    def building_addresses(self, found: list[Found]) -> list[Found]:
        """The house-number addresses (no box) of ``found``: where a building's facts sit."""
        out: dict[str, Found] = {}
        for f in found:
            if f.busnummer:
                for b in self._addresses("a.straat = ? AND a.nummer_key = ? AND a.bus_key = ''",
                                         (f.street_id, number_key(f.huisnummer)), 1):
                    out[b.adresid] = b
        return [b for b in out.values() if b.adresid not in {f.adresid for f in found}]

    def lines(self, bbox: tuple[float, float, float, float], limit: int) -> list[tuple]:
        """Street axes crossing ``bbox`` (CRS84), at most ``limit``."""
        return self.db().execute(
            "SELECT l.naam, l.gemeente, l.lon1, l.lat1, l.lon2, l.lat2 FROM lijn_rtree r "
            "JOIN lijn l ON l.id = r.id WHERE r.maxlon >= ? AND r.minlon <= ? "
            "AND r.maxlat >= ? AND r.minlat <= ? LIMIT ?",
            (bbox[0], bbox[2], bbox[1], bbox[3], limit)).fetchall()

    def municipalities(self) -> list[tuple]:
        """Every municipality with its label position."""
        return self.db().execute("SELECT naam, lon, lat, aantal FROM plaats WHERE soort = "
                                 "'gemeente' ORDER BY aantal DESC").fetchall()


_OPEN: dict[Path, RegisterIndex] = {}
_OPEN_LOCK = threading.Lock()


def register_for(pub: Publication) -> RegisterIndex | None:
    """The register index ``pub`` was published with; None when it has none.

    Raises ``sqlite3.DatabaseError`` when it names one that cannot be read (a 503 upstream).
    """
    entry = pub.meta.get("adresregister")
    if not entry:
        return None
    name = Path(entry["index"]).name
    if pub.backend == "gpkg":
        assert pub.path is not None
        path = pub.path.parent.parent / "register" / name
    else:
        path = _local_copy(pub, name)
    found = _OPEN.get(path)
    if found is None:
        with _OPEN_LOCK:
            found = _OPEN.get(path)
            if found is None:
                if not path.exists():
                    raise sqlite3.DatabaseError(f"address register index {name} is missing")
                if len(_OPEN) > 4:
                    _OPEN.clear()
                found = _OPEN[path] = RegisterIndex(path)
    return found


def _local_copy(pub: Publication, name: str) -> Path:
    """A PostGIS publication's index, fetched once per host into the index directory."""
    root = shared.directory()
    if root is None:
        raise sqlite3.DatabaseError("no private index directory for the address register")
    path = root / name
    if path.exists():
        return path
    fd = os.open(root / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if path.exists():
            return path
        work = root / f".{name}.{os.getpid()}"
        assert pub.database is not None
        with pub.database.connection() as conn, work.open("wb") as out:
            cur = conn.execute("SELECT data FROM vlok_publication.register_index "
                               "WHERE name = %s ORDER BY part", (name,))
            for (data,) in cur:
                out.write(data)
        os.replace(work, path)
        return path
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)


def as_json(f: Found) -> dict[str, Any]:
    """A register address as the lookup's ``adres`` object."""
    return {"volledig": f.label, "straat": f.straat, "huisnummer": f.huisnummer,
            "busnummer": f.busnummer, "postcode": f.postcode, "deelgemeente": f.deelgemeente,
            "gemeente": f.gemeente, "niscode": f.niscode, "adresid": f.adresid}
