"""``vlok-publisher op`` and ``flags``: the product's own commands give the law's answer in any
order, and ``flags --unit`` says why, with kinds and dates only."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy.orm import Session

from publisher.store import models as m
from publisher.store.db import open_engine
from publisher.store.migrate import upgrade
from publisher.store.vocabulary import UnitType
from publisher.synthetic.smallest import one_unit


@pytest.fixture
def store(tmp_path) -> str:
    """A store with one room in Gent, EN18-000001, and its building PA18-000001."""
    url = f"sqlite:///{tmp_path}/vlok.sqlite"
    engine = open_engine(url)
    upgrade(engine)
    with Session(engine) as s:
        one_unit(s, UnitType.KAMER)
        s.add(m.Person(id=1, first_name="Canary", last_name="Vanderpersoon"))
        s.commit()
    engine.dispose()
    return url


def cli(store: str, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "publisher", *args, "--store", store],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def flags(store: str, day: str) -> dict:
    return json.loads(cli(store, "flags", "--unit", "EN18-000001", "--as-of", day).stdout)


def test_odk_recorded_before_an_earlier_ca_still_lapses_it(store) -> None:
    cli(store, "op", "odk", "--unit", "EN18-000001", "--date", "2023-03-01")
    cli(store, "op", "issue-ca", "--unit", "EN18-000001", "--date", "2023-01-10")
    assert flags(store, "2023-02-28")["Conformiteitsattest"] is True
    after = flags(store, "2023-03-01")
    assert after["Conformiteitsattest"] is False
    assert after["why"]["Conformiteitsattest"] == [
        "CA 2023-01-10 lapsed 2023-03-01: onvergunde domiciliekamer"]


def test_overcrowding_recorded_before_an_earlier_ca_still_lapses_it(store) -> None:
    cli(store, "op", "decide", "--unit", "EN18-000001", "--date", "2024-06-01",
        "--kind", "overbewoond")
    cli(store, "op", "issue-ca", "--unit", "EN18-000001", "--date", "2024-02-01")
    on = flags(store, "2024-06-01")
    assert (on["Conformiteitsattest"], on["VlaamseInventarisOngeschikteOnbewoonbareWoningen"]) \
        == (False, False)
    assert on["why"]["Conformiteitsattest"] == [
        "CA 2024-02-01 lapsed 2024-06-01: decision overbewoond"]


def test_flags_explains_each_fact_and_names_no_person(store) -> None:
    cli(store, "op", "decide", "--unit", "EN18-000001", "--date", "2020-01-15",
        "--kind", "ongeschikt")
    cli(store, "op", "issue-ca", "--unit", "EN18-000001", "--date", "2021-03-01",
        "--sent", "2021-03-05")
    cli(store, "op", "file-claim", "--building", "PA18-000001", "--date", "2022-01-01")
    result = cli(store, "flags", "--unit", "EN18-000001", "--as-of", "2022-06-01")
    out = json.loads(result.stdout)
    assert out["Conformiteitsattest"] is True
    assert out["RegisterHerstelvorderingen"] is True
    assert out["why"] == {
        "Conformiteitsattest": [
            "CA 2021-03-01 (sent 2021-03-05) valid on 2022-06-01, until 2031-03-01 at the latest"],
        "VlaamseInventarisOngeschikteOnbewoonbareWoningen": [
            "VIVOO-OO from 2020-01-15 (decision ongeschikt 2020-01-15) until 2021-03-05: "
            "CA 2021-03-01 sent"],
        "RegisterHerstelvorderingen": ["claim filed 2022-01-01: open"],
    }
    assert "Canary" not in result.stdout and "Vanderpersoon" not in result.stdout
