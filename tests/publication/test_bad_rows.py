"""Bad store rows are quarantined by row, counted and reported; the run always goes on.

An import from the real VLOK, a migration or a hand edit can leave rows no operation would
write. Each named case below is one such row; the property at the end writes arbitrary rows
(also unlawful or contradictory ones) and asserts that ``publish`` always ends with a whole
publication and a report, never a traceback.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine

from publisher.extract.poi import poid
from publisher.publication.directory import DirectoryTarget
from publisher.store import models as m
from publisher.store.db import open_engine

AS_OF = date(2026, 11, 23)


def _valid_ca_unit(engine: Engine) -> tuple[int, str, int]:
    """A unit published with a valid CA today: (unit id, reference, building id)."""
    with engine.connect() as conn:
        return conn.execute(
            select(m.DwellingUnit.id, m.DwellingUnit.reference, m.DwellingUnit.building_id)
            .join(m.Certificate, m.Certificate.unit_id == m.DwellingUnit.id)
            .where(m.Certificate.expires_on > AS_OF, m.Certificate.lapse_date.is_(None),
                   m.Certificate.ca_date < AS_OF - timedelta(days=60),
                   m.DwellingUnit.odk_established.is_(None))
            .where(~m.DwellingUnit.id.in_(select(m.Decision.unit_id)))
            .order_by(m.DwellingUnit.id.desc()).limit(1)).one()


def _building_with_open_claim(engine: Engine) -> tuple[int, str]:
    with engine.connect() as conn:
        return conn.execute(
            select(m.Building.id, m.Building.reference)
            .join(m.RestorationClaim, m.RestorationClaim.building_id == m.Building.id)
            .where(m.RestorationClaim.repair_confirmed_date.is_(None))
            .order_by(m.Building.id).limit(1)).one()


def _published(root: Path) -> set[str]:
    path = DirectoryTarget(root).current("poi").path
    with closing(sqlite3.connect(path)) as db:
        return {r[0] for r in db.execute("SELECT POID FROM poi")}


def _raw(engine: Engine, sql: str, *params: object) -> None:
    with closing(sqlite3.connect(engine.url.database)) as db:
        db.execute(sql, params)
        db.commit()


def test_one_bad_old_certificate_does_not_hide_the_current_ca(tiny_store, tmp_path, publish
                                                              ) -> None:
    unit_id, reference, _ = _valid_ca_unit(tiny_store)
    for n, (ca_date, expires) in enumerate([("2012-02-30", "2022-02-28"), ("", "2020-01-01"),
                                            ("2010-05-01", "2030-05-01")]):
        _raw(tiny_store, "INSERT INTO certificate (id, unit_id, ca_date, issuer, status, "
             "validity_years, expires_on) VALUES (?, ?, ?, 'burgemeester', 'CA verstuurd', 10, ?)",
             900001 + n, unit_id, ca_date, expires)
    report = publish(tiny_store, tmp_path)
    assert report.status == "published"
    assert poid("CA", reference) in _published(tmp_path)
    reasons = [q["reason"] for q in report.quarantined_rows if q["subject"] == reference]
    assert any(r.startswith("unreadable value (certificate 900001: date '2012-02-30'")
               for r in reasons)
    assert any(r.startswith("unreadable value (certificate 900002: date ''") for r in reasons)
    assert any("beyond the legal maximum" in r or r.startswith("validity beyond")
               for r in reasons)
    assert report.quarantined["validity beyond the legal maximum"] == 1


def test_a_decision_row_with_an_unreadable_date_withholds_the_flags_it_could_change(
        tiny_store, tmp_path, publish) -> None:
    unit_id, reference, _ = _valid_ca_unit(tiny_store)
    _raw(tiny_store, "INSERT INTO decision (id, unit_id, decision_date, kind, issuer) "
         "VALUES (900001, ?, 'gisteren', 'ongeschikt', 'burgemeester')", unit_id)
    report = publish(tiny_store, tmp_path)
    assert poid("CA", reference) not in _published(tmp_path)
    withheld = {q["product"] for q in report.quarantined_rows if q["subject"] == reference}
    assert withheld == {"Conformiteitsattest",
                        "VlaamseInventarisOngeschikteOnbewoonbareWoningen"}


def test_a_building_with_two_main_addresses_is_quarantined_not_a_crash(tiny_store, tmp_path,
                                                                       publish) -> None:
    building, reference = _building_with_open_claim(tiny_store)
    with tiny_store.connect() as conn:
        other = conn.scalar(select(m.Address.id).where(~m.Address.id.in_(
            select(m.BuildingAddress.address_id))).limit(1))
    _raw(tiny_store, "INSERT INTO building_address (building_id, address_id, is_main) "
         "VALUES (?, ?, 1)", building, other)
    report = publish(tiny_store, tmp_path)
    assert report.status == "published"
    assert {"product": "RegisterHerstelvorderingen", "subject": reference,
            "reason": "building with 2 main addresses"} in report.quarantined_rows
    assert poid("HV", reference) not in _published(tmp_path)


def test_an_open_claim_on_a_building_without_address_is_quarantined(tiny_store, tmp_path,
                                                                    publish) -> None:
    building, reference = _building_with_open_claim(tiny_store)
    _raw(tiny_store, "DELETE FROM building_address WHERE building_id = ?", building)
    report = publish(tiny_store, tmp_path)
    assert report.quarantined["building without main address"] >= 1
    assert poid("HV", reference) not in _published(tmp_path)


def test_an_adres_id_longer_than_its_column_is_quarantined(tiny_store, tmp_path, publish
                                                           ) -> None:
    unit_id, reference, _ = _valid_ca_unit(tiny_store)
    _raw(tiny_store, "UPDATE address SET adres_id = ? WHERE id = (SELECT address_id FROM "
         "dwelling_unit WHERE id = ?)", "9" * 60, unit_id)
    report = publish(tiny_store, tmp_path)
    assert {"product": "Conformiteitsattest", "subject": reference,
            "reason": "ADRESID longer than 40 characters"} in report.quarantined_rows


def test_a_warning_procedure_with_an_unreadable_date_is_skipped_not_fatal(tiny_store, tmp_path,
                                                                         publish) -> None:
    _raw(tiny_store, "INSERT INTO procedure (id, building_id, kind, status, request_date) "
         "VALUES (900001, 1, 'WS', 'Gestart', 'vorige week')")
    report = publish(tiny_store, tmp_path)
    assert report.status == "published"
    assert report.warning_task["bad_rows"] == 1


def test_cli_reports_bad_rows_and_exits_zero(tiny_store, tmp_path) -> None:
    unit_id, _, _ = _valid_ca_unit(tiny_store)
    _raw(tiny_store, "INSERT INTO unit_event (id, unit_id, kind, event_date) "
         "VALUES (900001, ?, 'gesloopt', '31/12/2020')", unit_id)
    result = subprocess.run(
        [sys.executable, "-m", "publisher", "publish", "--store", str(tiny_store.url),
         "--target", str(tmp_path), "--as-of", str(AS_OF)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "quarantined:" in result.stderr and "unreadable value" in result.stderr


# --- arbitrary rows -----------------------------------------------------------------------------

dates = st.one_of(st.dates(date(1990, 1, 1), date(2040, 12, 31)).map(str),
                  st.sampled_from(["", "2021-02-30", "0000-00-00", "31/12/2020", "x" * 50]),
                  st.integers(-10**6, 10**12), st.none())
steps = iter(range(10**9))
texts = st.one_of(st.text(max_size=60), st.none(), st.integers(-(2**70), 2**70))
row_values = {
    "certificate": lambda: st.fixed_dictionaries({
        "ca_date": dates, "issuer": st.sampled_from(["burgemeester", "Wonen-Vlaanderen"]),
        "status": st.sampled_from(["CA verstuurd", "CA te versturen", "CA in opmaak"]),
        "sent_date": dates, "validity_years": st.one_of(st.integers(-5, 40), texts),
        "expires_on": dates, "lapse_date": dates,
        "lapse_reason": st.one_of(st.none(), st.sampled_from(["ingetrokken", "gesloopt"]))}),
    "decision": lambda: st.fixed_dictionaries({
        "decision_date": dates, "kind": st.sampled_from(["ongeschikt", "overbewoond",
                                                         "onbewoonbaar NGW"]),
        "issuer": st.just("burgemeester"), "annulled_date": dates}),
    "inventory_entry": lambda: st.fixed_dictionaries({
        "inventory_list": st.sampled_from(["VIVOO-OO", "VIVOO-NGW"]), "entry_date": dates,
        "removal_date": dates, "decision_id": st.one_of(st.none(), st.integers(1, 10**6)),
        "removal_reason": st.one_of(st.none(), st.sampled_from(["Gesloopt",
                                                                "Besluit vernietigd"]))}),
    "unit_event": lambda: st.fixed_dictionaries({
        "kind": st.sampled_from(["gesloopt", "zeer ingrijpende werken"]), "event_date": dates}),
    "restoration_claim": lambda: st.fixed_dictionaries({
        "filed_date": dates, "repair_confirmed_date": dates}),
    "procedure": lambda: st.fixed_dictionaries({
        "kind": st.just("WS"), "status": st.sampled_from(["Gestart", "Herstel gemeld"]),
        "request_date": dates, "repair_deadline": dates, "first_investigation_date": dates,
        "repair_reported_date": dates, "recheck_date": dates}),
}
unit_changes = st.fixed_dictionaries({"odk_established": dates, "odk_ended": dates,
                                      "unit_type": st.sampled_from(["kamer",
                                                                    "zelfstandige woning"])})
address_changes = st.fixed_dictionaries({"adres_id": st.text(min_size=1, max_size=80),
                                         "position": st.one_of(st.none(), st.binary(
                                             max_size=30))})


@st.composite
def bad_rows(draw: st.DrawFn) -> list[tuple[str, dict]]:
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        table = draw(st.sampled_from([*row_values, "dwelling_unit", "address",
                                      "building_address"]))
        if table == "dwelling_unit":
            rows.append((table, draw(unit_changes)))
        elif table == "address":
            rows.append((table, draw(address_changes)))
        elif table == "building_address":
            rows.append((table, {"is_main": 1}))
        else:
            rows.append((table, draw(row_values[table]())))
    return rows


def _write(path: Path, rows: list[tuple[str, dict]], target: int) -> None:
    with closing(sqlite3.connect(path)) as db:
        for n, (table, values) in enumerate(rows):
            try:
                if table in ("dwelling_unit", "address"):
                    sets = ", ".join(f"{k} = ?" for k in values)
                    key = "id" if table == "dwelling_unit" else \
                        "(SELECT address_id FROM dwelling_unit WHERE id = ?)"
                    db.execute(f"UPDATE {table} SET {sets} WHERE id = {key}"
                               if table == "address" else
                               f"UPDATE {table} SET {sets} WHERE id = ?",
                               (*values.values(), target))
                elif table == "building_address":
                    db.execute("INSERT INTO building_address (building_id, address_id, is_main) "
                               "SELECT building_id, (SELECT max(id) FROM address), 1 "
                               "FROM dwelling_unit WHERE id = ?", (target,))
                else:
                    owner = "building_id" if table in ("restoration_claim", "procedure") \
                        else "unit_id"
                    owner_value = target if owner == "unit_id" else 1
                    cols = ["id", owner, *values]
                    db.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                               f"({', '.join('?' * len(cols))})",
                               (800000 + n, owner_value, *values.values()))
            except (sqlite3.Error, OverflowError):
                continue  # the schema itself refuses it: such a row cannot be in the store
        db.commit()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=bad_rows(), target=st.integers(1, 600))
def test_publish_always_ends_with_a_publication_and_a_report(tiny_store_template, tmp_path,
                                                             rows, target, publish) -> None:
    work = Path(tmp_path) / f"case-{next(steps)}"
    work.mkdir()
    path = work / "vlok.sqlite"
    with closing(sqlite3.connect(tiny_store_template)) as src, \
            closing(sqlite3.connect(path)) as dst:
        src.backup(dst)
    _write(path, rows, target)
    engine = open_engine(f"sqlite:///{path}")
    try:
        report = publish(engine, work / "out")
    finally:
        engine.dispose()
    assert report.status == "published"
    assert (work / "out" / "reports" / f"{report.run_id}.json").exists()
    assert sum(report.counts.values()) > 0
