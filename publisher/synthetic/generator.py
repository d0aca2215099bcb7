"""Synthetic Flanders: a deterministic, realistic VLOK store at any scale.

``build_demo`` fills an empty store with the real Flemish municipalities (after the 2025
mergers), buildings with addresses inside their municipality, valid capakeys, dwelling units,
persons in every role, procedures, investigations, remarks, and histories from 2008 to the end
date made through the rule operations. It plants the canaries of ``people.CANARIES`` and a few
documented bad rows (``planting.BAD_ROWS``) that the extraction must quarantine. The same
seed and end date give the same store.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import shapely
from shapely.geometry import Point
from sqlalchemy import Engine, func, select

from publisher.errors import ConfigError
from publisher.progress import stage
from publisher.rules import has_open_claim, has_valid_ca, is_on_inventory
from publisher.rules import operations as ops
from publisher.store import models as m
from publisher.store.migrate import upgrade
from publisher.store.records import Policy, Unit
from publisher.store.vocabulary import (
    InvestigationResult,
    ProcedureKind,
    ProcedureStatus,
    RoleKind,
    SigningFlow,
    UnitType,
)
from publisher.synthetic import geography, people
from publisher.synthetic.bulk import BulkWriter
from publisher.synthetic.histories import START, UnitStories, random_day
from publisher.synthetic.planting import plant_bad_rows, plant_canaries
from publisher.synthetic.register import (
    RegisterPlan,
    StreetPlan,
    build_register,
    localities,
    nearest,
)
from publisher.synthetic.warnings import simulate_warning

#: Named scales: number of dwelling units. ``flanders`` matches the real register's size.
SCALES = {"tiny": 300, "small": 3_000, "medium": 40_000, "flanders": 400_000}
#: Average units per building at every scale (400k units in 250k buildings).
UNITS_PER_BUILDING = 1.6
P_CLAIM = 0.025
P_WARNING = 0.012
P_REMARK = 0.12
P_OCCUPANT = 0.25
CHUNK = 4000



@dataclass(frozen=True)
class DemoSummary:
    """Counts of what was generated and the flags as of the end date."""

    units: int
    buildings: int
    valid_cas: int
    on_vivoo: int
    open_claims: int
    seconds: float
    #: Addresses of the public address register (every address, not only VLOK's).
    register_addresses: int = 0


def parse_scale(text: str) -> int:
    """``tiny|small|medium|flanders`` or a positive number of units."""
    if text in SCALES:
        return SCALES[text]
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise ConfigError(f"unknown scale {text!r}: use one of {', '.join(SCALES)} or a positive "
                      "number of dwelling units")


def build_demo(engine: Engine, *, units: int, seed: int, until: date,
               quiet: bool = False) -> DemoSummary:
    """Create the schema if needed and fill an empty store with synthetic Flanders."""
    started = time.perf_counter()
    upgrade(engine)
    with engine.connect() as conn:
        if conn.scalar(select(func.count()).select_from(m.Municipality)):
            raise ConfigError("the store already holds data; demo needs an empty store "
                              "(use --replace to start over)")
    gen = _Generator(engine, units=units, seed=seed, until=until, quiet=quiet)
    counts = gen.run()
    return DemoSummary(seconds=round(time.perf_counter() - started, 1), **counts)


def _next_suffix(number: str) -> str:
    """``12`` → ``12A`` → ``12B``: how a second building at the same number is told apart."""
    if number[-1].isalpha():
        return number[:-1] + chr(ord(number[-1]) + 1)
    return number + "A"


class _Generator:
    def __init__(self, engine: Engine, *, units: int, seed: int, until: date,
                 quiet: bool) -> None:
        self.engine, self.units_wanted, self.until, self.quiet = engine, units, until, quiet
        self.rng, self.seed = random.Random(seed), seed
        self.np_rng = np.random.default_rng(seed)
        self.ids = ops.Sequence()
        self.stories = UnitStories(self.rng, self.ids, until)
        self.streets = geography.street_names()
        self.flags = {"valid_cas": 0, "on_vivoo": 0, "open_claims": 0}
        self.canary_targets: dict[str, int] = {}
        #: What the address register is built around (its own random streams: VLOK's data
        #: stays what it was for a seed).
        self.register = RegisterPlan(id_rng=random.Random(seed ^ 0xAD7E55))

    # -- orchestration ----------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        municipalities = geography.load_municipalities()
        boundaries = geography.municipality_boundaries()
        with self.engine.begin() as conn:
            out = BulkWriter(conn)
            self.policies = self._municipalities(out, municipalities, boundaries)
            self.inspectors = self._inspectors(out)
            out.flush()
            n_buildings = max(1, round(self.units_wanted / UNITS_PER_BUILDING))
            plan = self._building_plan(municipalities, n_buildings)
            units_made = 0
            with stage("demo: buildings and units", n_buildings, quiet=self.quiet) as bar:
                by_nis = {mu.niscode: mu for mu in municipalities}
                for niscode, count in plan:
                    pts, street_of, numbers, anchors, angles = self._positions(
                        boundaries[niscode], count)
                    places = localities(by_nis[niscode])
                    place = nearest(places, anchors)
                    self.register.streets[niscode] = StreetPlan(anchors, angles, place)
                    used: set[tuple[str, str]] = set()
                    for i in range(count):
                        s = int(street_of[i])
                        street = self.streets[(s * 7919 + int(niscode)) % len(self.streets)]
                        number = str(numbers[i])
                        while (street, number) in used:
                            number = _next_suffix(number)
                        used.add((street, number))
                        units_made += self._building(out, niscode, pts[i], street, number,
                                                     s, places[place[s]].postcode)
                        bar.advance()
                        if out.pending >= CHUNK * 6:
                            out.flush()
                out.flush()
            plant_canaries(out, self.ids, self.canary_targets, self.until)
            plant_bad_rows(out.conn, self.until)
            out.flush()
            with stage("demo: address register", quiet=self.quiet):
                register = build_register(conn, self.register, self.units_wanted,
                                          self.seed)
        return {"units": units_made, "buildings": n_buildings, "register_addresses": register,
                **self.flags}

    def _building_plan(self, municipalities: list[geography.Municipality],
                       n_buildings: int) -> list[tuple[str, int]]:
        """Buildings per municipality: one each when there are enough, the rest by population.

        Largest-remainder rounding, so the total is exactly ``n_buildings``.
        """
        base = 1 if n_buildings >= len(municipalities) else 0
        rest = n_buildings - base * len(municipalities)
        total = sum(mu.population for mu in municipalities)
        shares = [rest * mu.population / total for mu in municipalities]
        counts = [base + int(share) for share in shares]
        missing = n_buildings - sum(counts)
        by_remainder = sorted(range(len(shares)), key=lambda i: (int(shares[i]) - shares[i], i))
        for i in by_remainder[:missing]:
            counts[i] += 1
        return [(mu.niscode, c) for mu, c in zip(municipalities, counts, strict=True) if c]

    # -- municipalities and policies --------------------------------------------------------

    def _municipalities(self, out: BulkWriter, municipalities: list[geography.Municipality],
                        boundaries: dict) -> dict[str, list[Policy]]:
        rng, policies = self.rng, {}
        for mu in municipalities:
            out.add(m.Municipality, niscode=mu.niscode, name=mu.name, province=mu.province,
                    boundary=boundaries[mu.niscode])
            for pc in mu.postcodes:
                out.add(m.MunicipalityPostcode, niscode=mu.niscode, postcode=pc)
            versions, day = [], date(2008, 1, 1)
            for _ in range(rng.choice((1, 1, 2, 3))):
                years = rng.choice((None, None, None, 10, 8, 5)) if day > START else None
                compulsory = rng.random() < 0.3
                per_room = rng.random() < 0.5
                out.add(
                    m.PolicyParameter, id=self.ids("policy_parameter"), niscode=mu.niscode,
                    valid_from=day, ca_compulsory=compulsory,
                    ca_compulsory_scope=rng.choice(("alle huurwoningen", "kamers",
                                                    "studentenkamers", "woningen gebouwd voor "
                                                    "1945")) if compulsory else None,
                    ca_compulsory_built_before=1945 if compulsory and rng.random() < 0.3 else None,
                    minister_approval_date=day - timedelta(days=60) if compulsory else None,
                    ca_validity_years=years,
                    fee_per_dwelling=Decimal("62.50") if rng.random() < 0.6 else Decimal("0"),
                    fee_per_room=Decimal("12.50") if per_room else None,
                    fee_room_from=6 if per_room else None,
                    fee_cap=Decimal("1250.00") if per_room else None,
                    hearing_term_days=rng.choice((14, 14, 21, 30)),
                    signing_flow=rng.choice(tuple(SigningFlow)),
                    runs_procedures=rng.random() < 0.45, levy_unfit=rng.random() < 0.35,
                    levy_vacancy=rng.random() < 0.6)
                versions.append(Policy(mu.niscode, day, years))
                day = random_day(rng, day + timedelta(days=700), self.until)
                if day >= self.until:
                    break
            policies[mu.niscode] = versions
        return policies

    def _inspectors(self, out: BulkWriter) -> list[int]:
        ids = []
        for _ in range(max(5, self.units_wanted // 1000)):
            ids.append(self._person(out))
        return ids

    # -- geometry ---------------------------------------------------------------------------

    def _positions(self, boundary: object, count: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Points inside ``boundary`` on streets anchored in it, with house numbers along them.

        Returns the positions, each building's street index and its house number (odd/even by
        side, increasing along the street) so addresses look like a real street's; then each
        street's anchor and direction (the address register lays its streets out from them).
        """
        minx, miny, maxx, maxy = shapely.bounds(boundary)
        shapely.prepare(boundary)
        n_streets = max(1, count // 12)
        anchors = np.empty((0, 2))
        while len(anchors) < n_streets:
            xy = self.np_rng.uniform((minx, miny), (maxx, maxy), size=(n_streets * 3 + 10, 2))
            anchors = np.vstack([anchors, xy[shapely.contains_xy(boundary, xy[:, 0], xy[:, 1])]])
        anchors = anchors[:n_streets]
        street_of = self.np_rng.integers(0, n_streets, size=count)
        angles = self.np_rng.uniform(0, np.pi, size=n_streets)
        angle = angles[street_of]
        along = self.np_rng.uniform(0, 600, size=count)
        side = self.np_rng.integers(0, 2, size=count)
        offset = np.column_stack([np.cos(angle), np.sin(angle)]) * (along - 300)[:, None]
        pts = anchors[street_of] + offset
        outside = ~shapely.contains_xy(boundary, pts[:, 0], pts[:, 1])
        pts[outside] = anchors[street_of[outside]]
        numbers = (along // 6).astype(int) * 2 + 1 + side
        return np.round(pts, 2), street_of, numbers, anchors, angles

    # -- one building with its units, people and procedures ---------------------------------

    def _building(self, out: BulkWriter, niscode: str, xy: np.ndarray, street: str,
                  number: str, street_index: int, postcode: str) -> int:
        rng = self.rng
        bid = self.ids("building")
        # The postcode is the street's (its nearest locality); the draw stays, so the random
        # stream, and everything generated after it, is what it was.
        rng.choice(self._postcodes(niscode))
        self._street_index = street_index
        out.add(m.Building, id=bid, reference=f"PA18-{bid:06d}", niscode=niscode,
                construction_year=rng.randint(1850, 2020))
        main = self._address(out, street, number, None, postcode, niscode, Point(*xy))
        out.add(m.BuildingAddress, building_id=bid, address_id=main, is_main=True)
        for _ in range(1 if rng.random() < 0.93 else 2):
            capakey = self._capakey(niscode)
            out.add_unique(m.Parcel, capakey, capakey=capakey, niscode=niscode)
            out.add_unique(m.BuildingParcel, (bid, capakey), building_id=bid, capakey=capakey)
        owner = self._person(out)
        out.add(m.Role, id=self.ids("role"), person_id=owner, kind=RoleKind.HOUDER_ZAKELIJK_RECHT,
                building_id=bid, since=random_day(rng, date(1990, 1, 1), self.until))
        kind, n_units = self._layout(niscode)
        units: list[Unit] = []
        addresses: list[int] = []
        for k in range(n_units):
            box = None if n_units == 1 else (f"{k // 4}.{k % 4 + 1}" if kind is UnitType.ZW
                                              else f"K{k + 1}")
            addr = main if box is None else self._address(out, street, number, box, postcode,
                                                          niscode, Point(*xy))
            uid = self.ids("dwelling_unit")
            units.append(Unit(id=uid, reference=f"EN18-{uid:06d}", building_id=bid,
                              unit_type=kind))
            addresses.append(addr)
        for unit, addr in zip(units, addresses, strict=True):
            u = self._history(out, unit, bid, owner, niscode)
            out.add(m.DwellingUnit, id=u.id, reference=u.reference, building_id=bid,
                    address_id=addr, unit_type=u.unit_type, odk_established=u.odk_established,
                    odk_ended=u.odk_ended)
            if rng.random() < P_OCCUPANT:
                out.add(m.Role, id=self.ids("role"), person_id=self._person(out),
                        kind=RoleKind.BEWONER, unit_id=u.id, building_id=bid)
        if rng.random() < P_CLAIM:
            self._claim(out, bid)
        if rng.random() < P_WARNING:
            wp = simulate_warning(rng, self.ids, bid, tuple(u.id for u in units), self.until)
            out.add(m.Procedure, id=wp.id, building_id=bid, kind=wp.kind, status=wp.status,
                    request_date=wp.report_date, start_date=wp.start_date,
                    closed_date=wp.closed_date, info=wp.info,
                    first_investigation_date=wp.first_investigation_date,
                    repair_deadline=wp.repair_deadline,
                    repair_reported_date=wp.repair_reported_date, recheck_date=wp.recheck_date,
                    recheck_conform=wp.recheck_conform)
            for uid in wp.unit_ids:
                out.add(m.SubProcedure, id=self.ids("sub_procedure"), procedure_id=wp.id,
                        unit_id=uid, status=wp.status)
            out.add(m.Role, id=self.ids("role"), person_id=self._person(out),
                    kind=RoleKind.VERZOEKER, procedure_id=wp.id, building_id=bid)
            out.add(m.Role, id=self.ids("role"), person_id=rng.choice(self.inspectors),
                    kind=RoleKind.WONINGCONTROLEUR, procedure_id=wp.id, building_id=bid)
        if rng.random() < P_REMARK:
            first, last, _, _, phone = people.person(rng)
            out.add(m.Remark, id=self.ids("remark"), building_id=bid, author_id=owner,
                    written_on=random_day(rng, START, self.until),
                    text=f"Telefoon van {first} {last} ({phone}): vraagt uitstel voor herstel "
                         "van de dakgoot.")
        return n_units

    def _layout(self, niscode: str) -> tuple[UnitType, int]:
        """Most buildings hold one dwelling; some are apartments, room or seasonal houses."""
        r = self.rng.random()
        if r < 0.84:
            return UnitType.ZW, 1
        if r < 0.94:
            return UnitType.ZW, self.rng.randint(2, 6)
        if r < 0.98:
            return UnitType.KAMER, self.rng.randint(3, 8)
        if r < 0.995:
            return UnitType.STUDENTENKAMER, self.rng.randint(4, 10)
        return UnitType.KAMER_SEIZOENARBEIDER, self.rng.randint(2, 6)

    def _history(self, out: BulkWriter, unit: Unit, bid: int, owner: int, niscode: str) -> Unit:
        story = self.stories.tell(unit, self.policies[niscode])
        u = story.unit
        rng = self.rng
        kinds = {"CA": ProcedureKind.CA, "OO": ProcedureKind.OO, "NGW": ProcedureKind.NGW}
        for pid, kind, day in story.procedures:
            status = ProcedureStatus.CA_VERSTUURD if kind == "CA" else \
                ProcedureStatus.BESLISSING_GELDIG
            out.add(m.Procedure, id=pid, building_id=bid, kind=kinds[kind], status=status,
                    request_date=day - timedelta(days=rng.randint(20, 120)), start_date=day)
            out.add(m.SubProcedure, id=self.ids("sub_procedure"), procedure_id=pid,
                    unit_id=u.id, status=status)
            out.add(m.Role, id=self.ids("role"), person_id=owner, kind=RoleKind.AANVRAGER,
                    procedure_id=pid, building_id=bid)
        for ca in u.certificates:
            out.add(m.Certificate, id=ca.id, unit_id=u.id, procedure_id=ca.procedure_id,
                    ca_date=ca.ca_date, issuer=ca.issuer, status=ca.status,
                    sent_date=ca.sent_date, validity_years=ca.validity_years,
                    expires_on=ca.expires_on, lapse_date=ca.lapse_date,
                    lapse_reason=ca.lapse_reason)
            self._investigation(out, bid, u.id, ca.procedure_id, ca.ca_date,
                                InvestigationResult.CONFORM)
        for d in u.decisions:
            out.add(m.Decision, id=d.id, unit_id=u.id, procedure_id=d.procedure_id,
                    decision_date=d.decision_date, kind=d.kind, issuer=d.issuer,
                    annulled_date=d.annulled_date,
                    motivation="Ernstige gebreken vastgesteld; zie technisch verslag.")
            result = {"ongeschikt": InvestigationResult.ONGESCHIKT,
                      "overbewoond": InvestigationResult.OVERBEWOOND}.get(
                d.kind.value, InvestigationResult.ONBEWOONBAAR)
            self._investigation(out, bid, u.id, d.procedure_id, d.decision_date, result)
        for e in u.entries:
            out.add(m.InventoryEntry, id=e.id, unit_id=u.id, decision_id=e.decision_id,
                    inventory_list=e.inventory_list, entry_date=e.entry_date,
                    removal_date=e.removal_date, removal_reason=e.removal_reason)
        for ev in u.events:
            out.add(m.UnitEvent, id=ev.id, unit_id=u.id, kind=ev.kind, event_date=ev.event_date)
        if has_valid_ca(u, self.until, self.policies[niscode]):
            self.flags["valid_cas"] += 1
            self.canary_targets.setdefault("ca_unit", u.id)
            self.canary_targets.setdefault("ca_building", bid)
        if is_on_inventory(u, self.until):
            self.flags["on_vivoo"] += 1
            self.canary_targets.setdefault("vivoo_unit", u.id)
            self.canary_targets.setdefault("vivoo_building", bid)
        return u

    def _investigation(self, out: BulkWriter, bid: int, uid: int, pid: int | None, day: date,
                       result: InvestigationResult) -> None:
        rng = self.rng
        points = 0 if result is InvestigationResult.CONFORM else rng.randint(7, 60)
        out.add(m.Investigation, id=self.ids("investigation"), building_id=bid, unit_id=uid,
                procedure_id=pid, investigation_date=day - timedelta(days=rng.randint(3, 30)),
                result=result, defect_points=points, signed=True,
                inspector_id=rng.choice(self.inspectors),
                details=f"{points} strafpunten; vochtschade badkamer, bewoner aanwezig.")

    def _claim(self, out: BulkWriter, bid: int) -> None:
        rng = self.rng
        claim = ops.file_claim(bid, random_day(rng, START, self.until), ids=self.ids)
        if rng.random() < 0.55:
            repaired = claim.filed_date + timedelta(days=rng.randint(90, 1500))
            if repaired <= self.until:
                claim = ops.confirm_repair(claim, repaired)
        pid = self.ids("procedure")
        out.add(m.Procedure, id=pid, building_id=bid, kind=ProcedureKind.WI,
                status=ProcedureStatus.GESTART, start_date=claim.filed_date)
        out.add(m.Role, id=self.ids("role"), person_id=rng.choice(self.inspectors),
                kind=RoleKind.WOONINSPECTEUR, procedure_id=pid, building_id=bid)
        out.add(m.RestorationClaim, id=claim.id, building_id=bid, filed_date=claim.filed_date,
                repair_confirmed_date=claim.repair_confirmed_date,
                pv_number=f"PV-{claim.filed_date.year}-{rng.randint(1, 99999):06d}",
                court="Rechtbank van eerste aanleg", details="Herstel dak en elektriciteit.")
        if has_open_claim([claim], self.until):
            self.flags["open_claims"] += 1
            self.canary_targets.setdefault("claim", claim.id)
            self.canary_targets.setdefault("claim_building", bid)

    # -- small helpers ----------------------------------------------------------------------

    def _postcodes(self, niscode: str) -> tuple[str, ...]:
        cache = self.__dict__.setdefault("_pc", {})
        if niscode not in cache:
            cache[niscode] = next(mu.postcodes for mu in geography.load_municipalities()
                                  if mu.niscode == niscode)
        return cache[niscode]

    def _address(self, out: BulkWriter, street: str, number: str, box: str | None,
                 postcode: str, niscode: str, position: Point) -> int:
        aid = self.ids("address")
        adres_id = self.register.new_id()
        out.add(m.Address, id=aid, adres_id=adres_id, straatnaam=street,
                huisnummer=number, busnummer=box, postcode=postcode, niscode=niscode,
                position=position)
        self.register.addresses.append((adres_id, self._street_index, street, number, box,
                                        postcode, niscode, position.x, position.y))
        return aid

    def _capakey(self, niscode: str) -> str:
        rng = self.rng
        division = f"{niscode[:2]}{rng.randint(1, 399):03d}"
        exponent = rng.choice("ABCDEFGHKLMNPRSTVWXYZ_0")
        return (f"{division}{rng.choice('ABCDEFGHK')}{rng.randint(1, 2999):04d}/"
                f"{rng.randint(0, 2):02d}{exponent}{rng.randint(0, 20):03d}")

    def _person(self, out: BulkWriter) -> int:
        pid = self.ids("person")
        first, last, nn, email, phone = people.person(self.rng)
        out.add(m.Person, id=pid, first_name=first, last_name=last, national_number=nn,
                email=email, phone=phone, home_address=None)
        return pid
