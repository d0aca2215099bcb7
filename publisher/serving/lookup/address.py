"""Free-text addresses: normalisation, parsing, and an in-memory index per publication.

Why in memory: a publication changes once a day and holds at most a few hundred thousand
addresses, so a dictionary keyed by the normalised (street, house number) answers an exact
address in microseconds, and a sorted list of street keys answers the viewer's type-ahead by
prefix with :mod:`bisect`. Both are built once per publication (cached per ``run_id``) from the
``poi`` table's address fields, which are the only address data the publication has.

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

#: How a box number is introduced after the house number ("12 bus 3", "12/3", "12 bte 3").
_BOX_WORDS = r"(?:/|\bbus\b|\bbte\b|\bboite\b|\bbox\b)"
_ADDRESS = re.compile(
    r"^\s*(?P<street>[^0-9]*?[a-z][^0-9]*?)[\s,]*"
    r"(?P<number>[0-9]+(?:\s?[a-z](?![a-z]))?)"
    rf"(?:\s*{_BOX_WORDS}\.?\s*(?P<box>[a-z0-9][a-z0-9.]*))?"
    r"(?P<rest>.*)$")
_POSTCODE = re.compile(r"(?<![0-9])([1-9][0-9]{3})(?![0-9])")


@lru_cache(maxsize=1 << 17)  # street and place names repeat: fold each once per process
def fold(text: str | None) -> str:
    """Lower case, no accents, single spaces: ``"Sint-Raphaël"`` → ``"sint-raphael"``."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


@lru_cache(maxsize=1 << 17)
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
        if postcode:
            return self.postcode == postcode
        if municipality:
            return municipality in self.municipality_key or \
                self.municipality_key in municipality
        return True


_SQL = """
    SELECT p.fid, p."POID", p."PRODUCT", p."POITYPE", p."STRAAT", p."HUISNUMMER",
           p."BUSNUMMER", p."POSTCODE", p."GEMEENTE", p."ADRESID", f.lon, f.lat
    FROM poi p JOIN poi_fragment f ON f.fid = p.fid ORDER BY p.fid
"""


class AddressIndex:
    """Every published address of one publication, findable by exact address or by prefix."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        by_id: dict[tuple[str, str], Address] = {}
        for fid, poid, product, poitype, straat, nr, bus, postcode, gemeente, adresid, \
                lon, lat in rows:
            ident = (adresid or f"fid:{fid}", bus or "")
            a = by_id.get(ident)
            if a is None:
                a = by_id[ident] = Address(
                    adresid or "", straat or "", nr or "", bus or "", postcode or "",
                    gemeente or "", lon, lat, key(straat), key(nr), box_key(bus),
                    key(gemeente))
            a.features.append((fid, poid, product))
            a.building = a.building or poitype == "Pand"
        self.addresses = sorted(by_id.values(), key=lambda a: (
            a.street_key, _number_order(a.huisnummer), a.box_key, a.postcode))
        self._street_keys = [a.street_key for a in self.addresses]
        self._by_number: dict[tuple[str, str], list[Address]] = {}
        self._by_id: dict[str, list[Address]] = {}
        for a in self.addresses:
            self._by_number.setdefault((a.street_key, a.number_key), []).append(a)
            self._by_id.setdefault(a.adresid, []).append(a)

    @classmethod
    def from_db(cls, db: sqlite3.Connection) -> AddressIndex:
        """Build from a POI publication (one scan of ``poi`` joined to its positions)."""
        return cls(db.execute(_SQL))

    def find(self, parsed: ParsedAddress) -> list[Address]:
        """The addresses a parsed query names, plus the building-level facts at that number.

        A restoration claim is a fact about the building (pand) and sits on the house-number
        address, so a query for a unit ("… bus 3") also gets the building's facts: the claim
        applies to the dwelling being bought or rented.
        """
        at_number = [a for a in self._by_number.get((parsed.street, parsed.number), [])
                     if a.matches_place(parsed.postcode, parsed.municipality)]
        if not parsed.box:
            return at_number
        return [a for a in at_number if a.box_key == parsed.box or a.building]

    def by_adresid(self, adresid: str) -> list[Address]:
        """The address with this register id, plus the building-level facts at its number."""
        return self.with_building(self._by_id.get(adresid, []))

    def with_building(self, found: list[Address]) -> list[Address]:
        """``found`` plus the building (pand) addresses at the same house number and postcode.

        Why: a restoration claim is registered on the building's address, but it matters to
        whoever rents or buys any unit in it.
        """
        extra: list[Address] = []
        for a in found:
            for b in self._by_number.get((a.street_key, a.number_key), []):
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
        out: list[Address] = []
        i = bisect.bisect_left(self._street_keys, street)
        end = min(len(self.addresses), i + budget)
        while i < end and len(out) < limit and self._street_keys[i].startswith(street):
            a = self.addresses[i]
            i += 1
            if number and not a.number_key.startswith(number):
                continue
            if box and not a.box_key.startswith(box):
                continue
            if a.matches_place(postcode, municipality):
                out.append(a)
        return out


def _number_order(huisnummer: str) -> tuple[int, str]:
    """House numbers in street order (2 before 10), letters after the digits."""
    digits = re.match(r"[0-9]*", huisnummer or "")[0]  # type: ignore[index]
    return (int(digits) if digits else 0, huisnummer or "")


_CACHE: dict[str, AddressIndex] = {}
_CACHE_LOCK = threading.Lock()


def index_for(run_id: str, db: sqlite3.Connection) -> AddressIndex:
    """The index of publication ``run_id``, built on first use; older runs are dropped."""
    index = _CACHE.get(run_id)
    if index is None:
        with _CACHE_LOCK:
            index = _CACHE.get(run_id)
            if index is None:
                index = AddressIndex.from_db(db)
                _CACHE.clear()
                _CACHE[run_id] = index
    return index
