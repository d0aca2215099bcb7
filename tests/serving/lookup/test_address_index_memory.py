"""The address index: built once per host, memory-mapped by every worker, same answers."""

from __future__ import annotations

import numpy as np
import pytest

from publisher.serving.lookup import address
from publisher.serving.lookup.address import AddressIndex, index_for, parse


@pytest.fixture
def index_dir(tmp_path, monkeypatch):
    """A fresh index directory and an empty per-process cache (restored afterwards)."""
    monkeypatch.setenv("VLOK_INDEX_DIR", str(tmp_path / "indexes"))
    saved = dict(address._CACHE)
    address._CACHE.clear()
    yield tmp_path / "indexes"
    address._CACHE.clear()
    address._CACHE.update(saved)


def _everything(index: AddressIndex) -> list[dict]:
    return [vars(index.address(i)) for i in range(len(index))]


def test_the_index_is_written_once_and_mapped_by_the_next_worker(demo_reader, index_dir):
    pub = demo_reader.current("poi")
    built = index_for(pub)
    files = sorted(p.name for p in index_dir.glob("*/*.npy"))
    assert files, "the index is not shared through files"
    address._CACHE.clear()  # another worker: finds the files, builds nothing
    mapped = index_for(pub)
    assert isinstance(mapped._fid, np.memmap)
    assert _everything(mapped) == _everything(built) == _everything(
        AddressIndex.from_db(pub.connect()))


def test_a_mapped_index_answers_like_one_built_in_memory(demo_reader, index_dir):
    pub = demo_reader.current("poi")
    mapped, memory = index_for(pub), AddressIndex.from_db(pub.connect())
    sample = [memory.address(i) for i in range(0, len(memory), max(1, len(memory) // 40))]
    for a in sample:
        for text in (f"{a.straat} {a.huisnummer}", f"{a.straat} {a.huisnummer} bus {a.busnummer}",
                     f"{a.straat} {a.huisnummer}, {a.postcode}"):
            parsed = parse(text)
            assert parsed is not None
            assert mapped.find(parsed) == memory.find(parsed)
        assert mapped.by_adresid(a.adresid) == memory.by_adresid(a.adresid)
        for prefix in (a.straat[:3], f"{a.straat} {a.huisnummer[:1]}", f"{a.straat} {a.gemeente}"):
            assert mapped.suggest(prefix, 20) == memory.suggest(prefix, 20)
    assert mapped.by_adresid("999999999999999999") == []


def test_without_a_usable_index_directory_the_index_stays_in_memory(demo_reader, tmp_path,
                                                                     monkeypatch):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    monkeypatch.setenv("VLOK_INDEX_DIR", str(not_a_dir))
    address._CACHE.clear()
    try:
        index = index_for(demo_reader.current("poi"))
        assert len(index) and not isinstance(index._fid, np.memmap)
    finally:
        address._CACHE.clear()


def test_an_address_is_its_first_row_with_every_feature_in_fid_order():
    rows = [
        (1, "CA_1", "Conformiteitsattest", "Woning", "Kerkstraat", "10", "1", "9000", "Gent",
         "7", 3.7, 51.0),
        (2, "HV_2", "RegisterHerstelvorderingen", "Pand", "Kerkstraat", "10", None, "9000",
         "Gent", "8", 3.7, 51.0),
        (3, "VI_3", "VlaamseInventarisOngeschikteOnbewoonbareWoningen", "Woning",
         "Kerkstraat", "10", "1", "9000", "Gent", "7", 9.9, 9.9),
        (4, "CA_4", "Conformiteitsattest", "Woning", "Kerkstraat", "2", None, "9000", "Gent",
         None, 3.6, 51.1),
    ]
    index = AddressIndex(rows)
    assert [(a.huisnummer, a.busnummer) for a in map(index.address, range(len(index)))] == \
        [("2", ""), ("10", ""), ("10", "1")]  # 2 before 10, no box before a box
    unit = index.by_adresid("7")
    assert [f[1] for f in unit[0].features] == ["CA_1", "VI_3"]
    assert (unit[0].lon, unit[0].lat) == (3.7, 51.0)
    assert [a.adresid for a in unit] == ["7", "8"]  # with the building's address
    assert index.suggest("kerk", 10)[0].adresid == ""  # the address without an id
