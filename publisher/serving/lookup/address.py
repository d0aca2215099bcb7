"""Free-text addresses: normalisation, parsing, and an in-memory index per publication.

Why in memory: a publication changes once a day and holds at most a few hundred thousand
addresses, so sorted arrays of the normalised (street, house number) answer an exact address
in microseconds, and the sorted street keys answer the viewer's type-ahead by prefix with
:mod:`bisect`. The index is built once per publication (cached per ``run_id``) from the
``poi`` table's address fields, which are the only address data the publication has; it is
compact numpy columns, not an object per address (see :class:`AddressIndex`).

Normalisation makes what people type meet what the address register says: case, accents,
hyphens and apostrophes are ignored ("sint raphaelstraat" finds "Sint-Raphaëlstraat"); the box
may follow "bus", "bte", "boîte", "box" or "/"; postcode and municipality are optional.
"""

from __future__ import annotations

import bisect
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from publisher.serving.lookup import shared
from publisher.serving.lookup.reading import scan
from publisher.serving.publications import Publication

#: How a box number is introduced after the house number ("12 bus 3", "12/3", "12 bte 3").
_BOX_WORDS = r"(?:/|\bbus\b|\bbte\b|\bboite\b|\bbox\b)"
_ADDRESS = re.compile(
    r"^\s*(?P<street>[^0-9]*?[a-z][^0-9]*?)[\s,]*"
    r"(?P<number>[0-9]+(?:\s?[a-z](?![a-z]))?)"
    rf"(?:\s*{_BOX_WORDS}\.?\s*(?P<box>[a-z0-9][a-z0-9.]*))?"
    r"(?P<rest>.*)$")
_POSTCODE = re.compile(r"(?<![0-9])([1-9][0-9]{3})(?![0-9])")


#: Bounded small: the index folds each distinct text once anyway, and what citizens type
#: (up to 200 characters, one request per keystroke) must not pile up in every worker.
@lru_cache(maxsize=1 << 12)
def fold(text: str | None) -> str:
    """Lower case, no accents, single spaces: ``"Sint-Raphaël"`` → ``"sint-raphael"``."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


@lru_cache(maxsize=1 << 12)
def key(text: str | None) -> str:
    """Letters and digits only, folded: what two spellings of one name have in common."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


@lru_cache(maxsize=1 << 12)
def box_key(text: str | None) -> str:
    """A box number's comparable form: folded, no spaces, leading zeros of a plain number gone."""
    k = fold(text).replace(" ", "")
    return (k.lstrip("0") or k) if k.isdigit() else k


@dataclass(frozen=True)
class ParsedAddress:
    """What a free-text address says, in normalised form (empty string = not given)."""

    street: str
    number: str
    box: str = ""
    postcode: str = ""
    municipality: str = ""


def parse(text: str) -> ParsedAddress | None:
    """Split ``"Kerkstraat 12 bus 3, 9000 Gent"`` into its parts; None without a house number."""
    m = _ADDRESS.match(fold(text))
    if m is None:
        return None
    rest = m["rest"]
    post = _POSTCODE.search(rest)
    if post:
        rest = rest[:post.start()] + " " + rest[post.end():]
    return ParsedAddress(street=key(m["street"]), number=key(m["number"]),
                         box=box_key(m["box"]), postcode=post[1] if post else "",
                         municipality=key(rest))


@dataclass
class Address:
    """One published address (an address id with its box) and the features at it."""

    adresid: str
    straat: str
    huisnummer: str
    busnummer: str
    postcode: str
    gemeente: str
    lon: float
    lat: float
    street_key: str
    number_key: str
    box_key: str
    municipality_key: str
    #: (fid, POID, PRODUCT) of every feature published at this address.
    features: list[tuple[int, str, str]] = field(default_factory=list)
    building: bool = False

    @property
    def fids(self) -> list[int]:
        """Row ids of the features at this address (for reading their columns)."""
        return [f[0] for f in self.features]

    @property
    def label(self) -> str:
        """How a Flemish address is written: ``Kerkstraat 12 bus 3, 9000 Gent``."""
        box = f" bus {self.busnummer}" if self.busnummer else ""
        return f"{self.straat} {self.huisnummer}{box}, {self.postcode} {self.gemeente}"

    def matches_place(self, postcode: str, municipality: str) -> bool:
        """Whether the optional postcode or municipality of a query fits this address.

        A postcode is more precise than a name, so when one is given the name is not checked
        (people write the name of the part of the municipality, "Gentbrugge", not "Gent").
        """
        return _fits_place(postcode, municipality, self.postcode, self.municipality_key)


def _fits_place(postcode: str, municipality: str, at_postcode: str, at_municipality: str) -> bool:
    """:meth:`Address.matches_place` on plain values (the index's scan has no Address)."""
    if postcode:
        return at_postcode == postcode
    if municipality:
        return municipality in at_municipality or at_municipality in municipality
    return True


#: The columns the index reads (after ``p.fid``), see :func:`.reading.scan`.
_COLUMNS = ('p."POID", p."PRODUCT", p."POITYPE", p."STRAAT", p."HUISNUMMER", p."BUSNUMMER", '
            'p."POSTCODE", p."GEMEENTE", p."ADRESID", f.lon, f.lat')
#: Texts of an address, each a code into :attr:`AddressIndex._texts`.
_TEXTS = ("straat", "huisnummer", "busnummer", "postcode", "gemeente", "number_key",
          "box_key", "municipality_key")
#: What an index is made of besides its text columns (see :meth:`AddressIndex.parts`).
_ARRAYS = ("_street", "_street_start", "_lon", "_lat", "_building", "_adresid", "_fid",
           "_product", "_poid", "_feature_start", "_by_pair", "_pairs", "_by_id")
_LISTS = ("_texts", "_street_keys", "_number_keys")
#: Per-row columns of the index's input and their numpy types (texts are codes).
_ROW_TYPES = {"fid": np.int64, "poid": bytes, "product": np.int32, "pand": np.bool_,
              "straat": np.int32, "huisnummer": np.int32, "busnummer": np.int32,
              "postcode": np.int32, "gemeente": np.int32, "adresid": bytes,
              "lon": np.float64, "lat": np.float64}
#: Rows read into Python lists before they become numpy arrays.
_CHUNK = 8192
#: Addresses looked at per step of a prefix scan (numpy slices become lists a step at a time).
_STEP = 256


class AddressIndex:
    """Every published address of one publication, findable by exact address or by prefix.

    Why numpy columns and no object per address: at flanders scale (160,000 addresses) an
    :class:`Address` with its strings per address took ~200 MB in every worker. Here each
    address is a row of small integer codes into one table of distinct texts (street names,
    house numbers and places repeat), its position, and its features as a slice of feature
    columns: ~13 MB, written once per host and memory-mapped by every worker
    (:func:`index_for`). An :class:`Address` is made only for what a query returns.

    The rows are sorted by street key, house number (2 before 10), box and postcode, so a
    street prefix is a contiguous run (found with :mod:`bisect` in the sorted distinct street
    keys); exact (street, number) and register-id look-ups are binary searches in sorted code
    arrays. Ties keep the order in which the addresses first occur (fid order).
    """

    def __init__(self, rows: Iterable[tuple]) -> None:
        """Build from rows in fid order, in one pass that keeps no Python object per row.

        A row: ``(fid, POID, PRODUCT, POITYPE, STRAAT, HUISNUMMER, BUSNUMMER, POSTCODE,
        GEMEENTE, ADRESID, lon, lat)``. An address is an (ADRESID, BUSNUMMER) pair, or one
        row without ADRESID; it takes the texts and position of its first row.
        """
        codes: dict[Any, int] = {}
        texts: list[Any] = []

        def code(value: Any) -> int:
            found = codes.get(value)
            if found is None:
                found = codes[value] = len(texts)
                texts.append(value)
            return found

        row = _read_columns(rows, code)
        codes_of = {"street_key": ("straat", key), "number_key": ("huisnummer", key),
                    "box_key": ("busnummer", box_key), "municipality_key": ("gemeente", key)}
        for name, (source, normalise) in codes_of.items():
            table = np.zeros(len(texts), dtype=np.int32)
            for c in np.unique(row[source]).tolist():
                table[c] = code(normalise(texts[c]))
            row[name] = table[row[source]]
        codes.clear()
        self._texts = texts
        # group the rows into addresses, numbered in the order they first occur
        first = _first_rows(row["adresid"], row["busnummer"])
        leaders = np.unique(first)
        owner = np.searchsorted(leaders, first)
        n = len(leaders)
        building = np.bincount(owner, weights=row.pop("pand"), minlength=n) > 0
        # each row column goes as soon as it is used: the build must not double the index
        column = {name: row.pop(name)[leaders] for name in (*_TEXTS, "street_key")}

        def rank(name: str, order: Callable[[Any], Any] = lambda t: t) -> np.ndarray:
            """Per address, the rank of its ``name`` text among the distinct ones."""
            distinct = sorted(np.unique(column[name]).tolist(), key=lambda c: order(texts[c]))
            ranks = np.zeros(len(texts), dtype=np.int32)
            ranks[distinct] = np.arange(len(distinct), dtype=np.int32)
            return ranks[column[name]]

        street = rank("street_key")
        order = np.lexsort((rank("postcode"), rank("box_key"),
                            rank("huisnummer", _number_order), street))
        self._street_keys: list[str] = sorted(texts[c] for c in
                                              np.unique(column["street_key"]).tolist())
        self._street_start = _small(np.searchsorted(street[order],
                                                    np.arange(len(self._street_keys) + 1)))
        self._street = _small(street[order])
        self._col = {name: _small(column[name][order]) for name in _TEXTS}
        self._lon = row.pop("lon")[leaders[order]]
        self._lat = row.pop("lat")[leaders[order]]
        self._building = building[order]
        self._adresid = row.pop("adresid")[leaders[order]]
        del first, leaders, building
        # features, grouped per address in address order, fid order within an address
        inverse = np.empty(n, dtype=np.int64)
        inverse[order] = np.arange(n)
        at = inverse[owner]
        by_address = np.argsort(at, kind="stable")
        self._fid = _small(row.pop("fid")[by_address])
        self._product = _small(row.pop("product")[by_address])
        self._poid = row.pop("poid")[by_address]
        self._feature_start = _small(np.searchsorted(at[by_address], np.arange(n + 1)))
        del owner, at, by_address, inverse
        # (street, number key) and register id, sorted for binary search
        self._number_keys: list[str] = sorted(texts[c] for c in
                                              np.unique(column["number_key"]).tolist())
        pair = (street.astype(np.int64) * max(1, len(self._number_keys))
                + rank("number_key"))[order]
        self._by_pair = _small(np.argsort(pair, kind="stable"))
        # searched with pair + 1 too: a signed type with room above the largest pair
        self._pairs = pair[self._by_pair].astype(
            np.int32 if len(pair) == 0 or pair.max() < 2**31 - 2 else np.int64)
        self._by_id = _small(np.argsort(self._adresid, kind="stable"))

    def parts(self) -> shared.Parts:
        """The index as arrays and lists, for :func:`.shared.mapped` (see :meth:`of_parts`)."""
        arrays = {name: getattr(self, name) for name in _ARRAYS}
        arrays.update({f"col_{name}": column for name, column in self._col.items()})
        return arrays, {name: getattr(self, name) for name in _LISTS}

    @classmethod
    def of_parts(cls, arrays: dict[str, np.ndarray], lists: dict[str, Any]) -> AddressIndex:
        """The index made of :meth:`parts` (mapped arrays work as well as in-memory ones)."""
        index = cls.__new__(cls)
        for name in _ARRAYS:
            setattr(index, name, arrays[name])
        index._col = {name: arrays[f"col_{name}"] for name in _TEXTS}
        for name in _LISTS:
            setattr(index, name, lists[name])
        return index

    def __len__(self) -> int:
        return len(self._street)

    @classmethod
    def from_db(cls, db: sqlite3.Connection) -> AddressIndex:
        """Build from a connection to a POI publication (one scan, for tests and tools)."""
        return cls(db.execute(f"SELECT p.fid, {_COLUMNS} FROM poi p JOIN poi_fragment f "
                              "ON f.fid = p.fid ORDER BY p.fid"))

    @classmethod
    def from_publication(cls, pub: Publication) -> AddressIndex:
        """Build from a POI publication, streaming its rows (see :func:`.reading.scan`)."""
        return cls(scan(pub, _COLUMNS))

    def address(self, i: int) -> Address:
        """The address at position ``i`` of the sorted rows, with its features."""
        t, c = self._texts, self._col
        start, end = int(self._feature_start[i]), int(self._feature_start[i + 1])
        features = [(fid, poid.decode(), t[product]) for fid, poid, product in zip(
            self._fid[start:end].tolist(), self._poid[start:end].tolist(),
            self._product[start:end].tolist(), strict=True)]
        return Address(self._adresid[i].decode(), t[c["straat"][i]], t[c["huisnummer"][i]],
                       t[c["busnummer"][i]], t[c["postcode"][i]], t[c["gemeente"][i]],
                       float(self._lon[i]), float(self._lat[i]),
                       self._street_keys[self._street[i]], t[c["number_key"][i]],
                       t[c["box_key"][i]], t[c["municipality_key"][i]], features,
                       bool(self._building[i]))

    def _at_number(self, street_key: str, number_key: str) -> list[Address]:
        """The addresses with this street key and number key, in index order."""
        s = bisect.bisect_left(self._street_keys, street_key)
        r = bisect.bisect_left(self._number_keys, number_key)
        if s == len(self._street_keys) or self._street_keys[s] != street_key or \
                r == len(self._number_keys) or self._number_keys[r] != number_key:
            return []
        pair = s * max(1, len(self._number_keys)) + r
        lo, hi = np.searchsorted(self._pairs, [pair, pair + 1])
        return [self.address(i) for i in self._by_pair[lo:hi].tolist()]

    def find(self, parsed: ParsedAddress) -> list[Address]:
        """The addresses a parsed query names, plus the building-level facts at that number.

        A restoration claim is a fact about the building (pand) and sits on the house-number
        address, so a query for a unit ("… bus 3") also gets the building's facts: the claim
        applies to the dwelling being bought or rented.
        """
        at_number = [a for a in self._at_number(parsed.street, parsed.number)
                     if a.matches_place(parsed.postcode, parsed.municipality)]
        if not parsed.box:
            return at_number
        return [a for a in at_number if a.box_key == parsed.box or a.building]

    def by_adresid(self, adresid: str) -> list[Address]:
        """The address with this register id, plus the building-level facts at its number."""
        wanted = adresid.encode()
        ids = self._adresid
        lo = bisect.bisect_left(self._by_id, wanted, key=lambda i: ids[i])
        hi = bisect.bisect_right(self._by_id, wanted, lo, key=lambda i: ids[i])
        return self.with_building([self.address(i) for i in self._by_id[lo:hi].tolist()])

    def with_building(self, found: list[Address]) -> list[Address]:
        """``found`` plus the building (pand) addresses at the same house number and postcode.

        Why: a restoration claim is registered on the building's address, but it matters to
        whoever rents or buys any unit in it.
        """
        extra: list[Address] = []
        for a in found:
            for b in self._at_number(a.street_key, a.number_key):
                if b.building and b.postcode == a.postcode and b not in found \
                        and b not in extra:
                    extra.append(b)
        return found + extra

    def suggest(self, text: str, limit: int = 10) -> list[Address]:
        """Addresses whose street starts like ``text`` (then number, box, place if typed).

        Why prefixes: the viewer asks while the user types, so "kerkstr 1" must already
        propose "Kerkstraat 1", "Kerkstraat 12", ….
        """
        folded = fold(text)
        if not key(folded):
            return []
        m = _ADDRESS.match(folded)
        if m is not None:
            rest = m["rest"]
            post = _POSTCODE.search(rest)
            if post:
                rest = rest[:post.start()] + " " + rest[post.end():]
            return self._scan(key(m["street"]), key(m["number"]), box_key(m["box"]),
                              post[1] if post else "", key(rest), limit)
        words = folded.split()
        for cut in range(len(words), 0, -1):  # "kerkstraat gent": the last words may be a place
            found = self._scan(key(" ".join(words[:cut])), "", "", "",
                               key(" ".join(words[cut:])), limit)
            if found:
                return found
        return []

    def _scan(self, street: str, number: str, box: str, postcode: str, municipality: str,
              limit: int, budget: int = 50_000) -> list[Address]:
        """Up to ``limit`` addresses of the streets starting with ``street`` that fit the rest.

        At most ``budget`` addresses are looked at, so a one-letter prefix stays cheap.
        """
        out: list[int] = []
        t, keys = self._texts, self._street_keys
        s = bisect.bisect_left(keys, street)
        i = int(self._street_start[s])
        end = min(len(self), i + budget)
        while i < end and len(out) < limit:
            stop = min(end, i + _STEP)
            streets = self._street[i:stop].tolist()
            numbers = self._col["number_key"][i:stop].tolist()
            boxes = self._col["box_key"][i:stop].tolist()
            posts = self._col["postcode"][i:stop].tolist()
            places = self._col["municipality_key"][i:stop].tolist()
            for j in range(stop - i):
                if not keys[streets[j]].startswith(street):
                    return [self.address(k) for k in out]
                if number and not t[numbers[j]].startswith(number):
                    continue
                if box and not t[boxes[j]].startswith(box):
                    continue
                if _fits_place(postcode, municipality, t[posts[j]], t[places[j]]):
                    out.append(i + j)
                    if len(out) == limit:
                        break
            i = stop
        return [self.address(k) for k in out]


def _small(values: np.ndarray) -> np.ndarray:
    """``values`` (integers from 0) in the smallest unsigned type that holds them.

    Why: the index is mapped by every worker; smaller columns are fewer pages to touch.
    """
    top = int(values.max()) if len(values) else 0
    return values.astype(np.min_scalar_type(max(top, 255)), copy=False)


def _first_rows(adresid: np.ndarray, bus: np.ndarray) -> np.ndarray:
    """Per row, the first row with its (ADRESID, BUSNUMMER); itself when it has no ADRESID."""
    first = np.arange(len(adresid))
    named = np.flatnonzero(adresid != b"")
    if len(named):
        by_name = named[np.lexsort((bus[named], adresid[named]))]  # stable: rows in order
        ids, boxes = adresid[by_name], bus[by_name]
        starts = np.r_[True, (ids[1:] != ids[:-1]) | (boxes[1:] != boxes[:-1])]
        first[by_name] = by_name[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    return first


def _read_columns(rows: Iterable[tuple], code: Callable[[Any], int]) -> dict[str, np.ndarray]:
    """The rows as numpy columns (:data:`_ROW_TYPES`), read :data:`_CHUNK` rows at a time."""
    parts: dict[str, list[np.ndarray]] = {name: [] for name in _ROW_TYPES}
    chunk: dict[str, list[Any]] = {name: [] for name in _ROW_TYPES}

    def flush() -> None:
        for name, values in chunk.items():
            if values:
                parts[name].append(np.array(values, dtype=_ROW_TYPES[name]))
                values.clear()

    c = chunk
    for fid, poid, product, poitype, straat, nr, bus, postcode, gemeente, adresid, \
            lon, lat in rows:
        c["fid"].append(fid)
        c["poid"].append(b"" if poid is None else str(poid).encode())
        c["product"].append(code(product))
        c["pand"].append(poitype == "Pand")
        c["straat"].append(code(straat or ""))
        c["huisnummer"].append(code(nr or ""))
        c["busnummer"].append(code(bus or ""))
        c["postcode"].append(code(postcode or ""))
        c["gemeente"].append(code(gemeente or ""))
        c["adresid"].append((adresid or "").encode())
        c["lon"].append(lon)
        c["lat"].append(lat)
        if len(c["fid"]) == _CHUNK:
            flush()
    flush()
    return {name: np.concatenate(parts[name]) if parts[name] else
            np.array([], dtype="S1" if kind is bytes else kind)
            for name, kind in _ROW_TYPES.items()}


def _number_order(huisnummer: str) -> tuple[int, str]:
    """House numbers in street order (2 before 10), letters after the digits."""
    digits = re.match(r"[0-9]*", huisnummer or "")[0]  # type: ignore[index]
    return (int(digits) if digits else 0, huisnummer or "")


_CACHE: dict[str, AddressIndex] = {}
_CACHE_LOCK = threading.Lock()


def index_for(pub: Publication) -> AddressIndex:
    """The index of publication ``pub``, built on first use (per run id); older runs dropped.

    Built once per host and run, and memory-mapped by every worker (:mod:`.shared`).
    """
    index = _CACHE.get(pub.run_id)
    if index is None:
        with _CACHE_LOCK:
            index = _CACHE.get(pub.run_id)
            if index is None:
                _CACHE.clear()  # the old run's index goes before the new one is built
                index = AddressIndex.of_parts(*shared.mapped(
                    shared.source_of(pub), pub.run_id, "address-index",
                    lambda: AddressIndex.from_publication(pub).parts()))
                _CACHE[pub.run_id] = index
    return index
