"""The synthetic address register: every address of synthetic Flanders, not only VLOK's.

Why: search and lookup must run over the public register, so that finding an address never
says whether VLOK holds a dossier for it. The register is therefore far larger than VLOK's
buildings (about 0.53 addresses per inhabitant, as in Flanders: ~3.5 million at flanders
scale) and built so that VLOK's addresses cannot be told apart from the others:

* every VLOK address is in it, copied as it is (same id, street, number, box, position);
* the other addresses lie on the same streets (and on streets VLOK has no building in), with
  house numbers, positions and boxes drawn the way the VLOK generator draws them;
* register ids are drawn at random from one large space for VLOK's and the others alike.

Postcode and deelgemeente (district, e.g. Merksem) follow geography: a street belongs to the
locality of its municipality nearest to it (``data/localities.csv``). Built per
municipality with numpy, and written in bulk (:mod:`publisher.register.model`).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import random
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import shapely
from sqlalchemy import Connection

from publisher.register import model
from publisher.synthetic import geography

#: Register addresses per inhabitant (Flanders: ~3.5 million addresses, 6.6 million people).
PER_INHABITANT = 0.53
#: Dwelling units of the flanders scale: the register is full size there, smaller below.
FULL_SCALE_UNITS = 400_000
#: House numbers a street can have (1..200 along 600 m, as the VLOK generator draws them).
NUMBERS = 200
#: Share of a street's possible numbers that exist; share of house numbers with boxes.
P_NUMBER = 0.35
P_BOXES = 0.1
#: Register ids are ``ID_BASE + v`` for v drawn without replacement below ``ID_SPACE``.
ID_BASE, ID_SPACE = 10_000_000, 89_999_999
#: Average addresses per register street (numbers and boxes), to size the street count.
PER_STREET = NUMBERS * P_NUMBER * (1 + P_BOXES * 5)


@dataclass(frozen=True)
class Locality:
    """A place with a postcode (a deelgemeente or the municipality's own centre)."""

    postcode: str
    name: str
    x: float
    y: float


@functools.cache
def _localities() -> dict[str, list[Locality]]:
    path = resources.files("publisher.synthetic") / "data" / "localities.csv"
    out: dict[str, list[Locality]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["postcode"], []).append(
                Locality(row["postcode"], row["name"], float(row["x"]), float(row["y"])))
    return out


def localities(mu: geography.Municipality) -> list[Locality]:
    """The localities of ``mu`` (by its postcodes); its centre when none is listed."""
    found = [loc for pc in mu.postcodes for loc in _localities().get(pc, [])]
    return found or [Locality(mu.postcodes[0], mu.name, *mu.centre)]


def nearest(places: list[Locality], xy: np.ndarray) -> np.ndarray:
    """Per point of ``xy`` (n×2), the index of the nearest of ``places``."""
    centres = np.array([(p.x, p.y) for p in places])
    d = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return d.argmin(axis=1)


@dataclass
class StreetPlan:
    """The streets the VLOK generator laid out in one municipality (anchor and direction)."""

    anchors: np.ndarray
    angles: np.ndarray
    #: Per street, the index of its locality in ``localities(mu)``.
    place: np.ndarray


@dataclass
class RegisterPlan:
    """What the VLOK generator hands over: its streets and its addresses (kept verbatim)."""

    streets: dict[str, StreetPlan] = field(default_factory=dict)
    #: (adresid, street index, street, number, box, postcode, niscode, x, y) per VLOK address.
    addresses: list[tuple] = field(default_factory=list)
    used_ids: set[int] = field(default_factory=set)
    id_rng: random.Random = field(default_factory=lambda: random.Random(0))

    def new_id(self) -> str:
        """A register id not used yet, drawn from the whole space (VLOK's look like all)."""
        while True:
            v = self.id_rng.randrange(ID_SPACE)
            if v not in self.used_ids:
                self.used_ids.add(v)
                return str(ID_BASE + v)


def street_name(names: list[str], index: int, niscode: str) -> str:
    """The name of street ``index`` of a municipality (the VLOK generator's own rule)."""
    return names[(index * 7919 + int(niscode)) % len(names)]


def build_register(conn: Connection, plan: RegisterPlan, units: int, seed: int) -> int:
    """Write the whole register into ``conn``'s database; returns its number of addresses."""
    names = geography.street_names()
    boundaries = geography.municipality_boundaries()
    municipalities = geography.load_municipalities()
    scale = units / FULL_SCALE_UNITS
    wanted = {mu.niscode: round(mu.population * PER_INHABITANT * scale)
              for mu in municipalities}
    ids = _IdPool(plan, seed)
    by_street: dict[str, list[tuple]] = {}
    for row in plan.addresses:
        by_street.setdefault(row[6], []).append(row)
    model.create(conn)
    total, street_id = 0, 0
    for mu in municipalities:
        rng = np.random.default_rng([seed, int(mu.niscode)])
        places = localities(mu)
        own = plan.streets.get(mu.niscode) or StreetPlan(np.empty((0, 2)), np.empty(0),
                                                         np.empty(0, dtype=int))
        n_streets = max(len(own.anchors), round(wanted[mu.niscode] / PER_STREET), 1)
        anchors, angles = _more_streets(rng, boundaries[mu.niscode], own, n_streets)
        place = nearest(places, anchors)
        place[:len(own.place)] = own.place
        streets, addresses = _municipality(
            rng, mu, boundaries[mu.niscode], names, places, anchors, angles, place,
            by_street.get(mu.niscode, []), street_id, ids)
        model.append(conn, model.STREET, streets)
        model.append(conn, model.ADDRESS, addresses)
        street_id += len(streets)
        total += len(addresses)
    version = hashlib.sha256(f"synthetic:{seed}:{units}:{total}".encode()).hexdigest()[:16]
    model.finish(conn, version, total)
    return total


@functools.cache
def _name_index(names: tuple[str, ...]) -> dict[str, int]:
    return {name: i for i, name in reversed(list(enumerate(names)))}


class _IdPool:
    """Register ids nobody uses yet, drawn at random from the whole id space."""

    def __init__(self, plan: RegisterPlan, seed: int) -> None:
        self.used = plan.used_ids
        self.rng = np.random.default_rng([seed, 1_741])

    def take(self, n: int) -> list[str]:
        """``n`` fresh ids (as register id strings), marked used."""
        out: list[str] = []
        while len(out) < n:
            for v in self.rng.integers(0, ID_SPACE, size=(n - len(out)) * 2 + 8).tolist():
                if v not in self.used:
                    self.used.add(v)
                    out.append(str(ID_BASE + v))
                    if len(out) == n:
                        break
        return out


def _more_streets(rng: np.random.Generator, boundary: object, own: StreetPlan, n: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """VLOK's streets, then more inside ``boundary`` up to ``n`` in all."""
    anchors, angles = own.anchors, own.angles
    missing = n - len(anchors)
    if missing <= 0:
        return anchors, angles
    minx, miny, maxx, maxy = shapely.bounds(boundary)
    extra = np.empty((0, 2))
    while len(extra) < missing:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(missing * 2 + 10, 2))
        extra = np.vstack([extra, xy[shapely.contains_xy(boundary, xy[:, 0], xy[:, 1])]])
    return (np.vstack([anchors, extra[:missing]]),
            np.concatenate([angles, rng.uniform(0, np.pi, size=missing)]))


def _municipality(rng: np.random.Generator, mu: geography.Municipality, boundary: object,
                  names: list[str], places: list[Locality], anchors: np.ndarray,
                  angles: np.ndarray, place: np.ndarray, vlok: list[tuple], first_id: int,
                  ids: _IdPool) -> tuple[list[tuple], list[tuple]]:
    """The streets and addresses of one municipality (VLOK's kept as they are)."""
    n = len(anchors)
    street_names = [street_name(names, s, mu.niscode) for s in range(n)]
    ends = np.column_stack([np.cos(angles), np.sin(angles)]) * 300
    streets = [(first_id + s, street_names[s], mu.niscode, mu.name, places[place[s]].postcode,
                places[place[s]].name, *np.round(anchors[s] - ends[s], 1).tolist(),
                *np.round(anchors[s] + ends[s], 1).tolist()) for s in range(n)]
    # every (street, number) drawn, then those VLOK has or that repeat a name+postcode dropped
    s_of, k = np.nonzero(rng.random((n, NUMBERS)) < P_NUMBER)
    number = k + 1
    along = (k // 2) * 6 + rng.uniform(0, 6, size=len(k))
    xy = anchors[s_of] + np.column_stack([np.cos(angles[s_of]), np.sin(angles[s_of])]) \
        * (along - 300)[:, None]
    index_of = _name_index(tuple(names))
    name_idx = np.array([index_of[nm] for nm in street_names])
    postcode = np.array([int(places[p].postcode) for p in place])
    keys = (name_idx[s_of] * 10_000 + postcode[s_of]) * 1_000 + number
    vlok_keys = np.array([(index_of.get(r[2], -1) * 10_000 + int(r[5])) * 1_000 + int(r[3])
                          for r in vlok if r[3].isdigit() and r[4] is None], dtype=np.int64)
    inside = shapely.contains_xy(boundary, xy[:, 0], xy[:, 1])
    _, first = np.unique(keys, return_index=True)
    keep = np.zeros(len(keys), dtype=bool)
    keep[first] = True
    keep &= inside & ~np.isin(keys, vlok_keys)
    s_of, number, xy = s_of[keep], number[keep], np.round(xy[keep], 2)
    boxes = rng.random(len(s_of)) < P_BOXES
    n_boxes = rng.integers(2, 9, size=len(s_of))
    rooms = rng.random(len(s_of)) < 0.15
    new_ids = ids.take(len(s_of) + int((n_boxes * boxes).sum()))
    out: list[tuple] = []
    it = iter(new_ids)
    xs, ys = xy[:, 0].tolist(), xy[:, 1].tolist()
    for i, (s, nr) in enumerate(zip(s_of.tolist(), number.tolist(), strict=True)):
        loc = places[place[s]]
        row = (street_names[s], str(nr), None, loc.postcode, loc.name, mu.niscode, mu.name,
               xs[i], ys[i])
        out.append((next(it), first_id + s, *row))
        if boxes[i]:
            for b in range(int(n_boxes[i])):
                box = f"K{b + 1}" if rooms[i] else f"{b // 4}.{b % 4 + 1}"
                out.append((next(it), first_id + s, row[0], row[1], box, *row[3:]))
    for adresid, s, street, nr, box, pc, _, x, y in vlok:
        out.append((adresid, first_id + s, street, nr, box, pc, places[place[s]].name,
                    mu.niscode, mu.name, x, y))
    return streets, out
