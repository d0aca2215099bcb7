"""The geography of synthetic Flanders: municipalities, outline, boundaries, street names."""

from __future__ import annotations

import time

import pytest
import shapely
from shapely.geometry import MultiPolygon, Point
from shapely.strtree import STRtree

from publisher.synthetic import geography
from publisher.synthetic.geography import Municipality

FLEMISH_PROVINCES = {
    "Antwerpen",
    "Limburg",
    "Oost-Vlaanderen",
    "Vlaams-Brabant",
    "West-Vlaanderen",
}
BRUSSELS_CENTRE = Point(149_000, 170_000)


@pytest.fixture(scope="module")
def municipalities() -> dict[str, Municipality]:
    return {mu.niscode: mu for mu in geography.load_municipalities()}


@pytest.fixture(scope="module")
def boundaries() -> dict[str, MultiPolygon]:
    return geography.municipality_boundaries()


# -- municipalities ---------------------------------------------------------------------------


def test_there_are_285_municipalities_with_unique_five_digit_nis_codes():
    rows = geography.load_municipalities()
    codes = [mu.niscode for mu in rows]
    assert len(rows) == 285
    assert len(set(codes)) == 285
    assert all(len(code) == 5 and code.isdigit() for code in codes)
    assert codes == sorted(codes)


def test_every_province_is_one_of_the_five_flemish_ones(municipalities):
    assert {mu.province for mu in municipalities.values()} == FLEMISH_PROVINCES
    assert set(geography.PROVINCES) == FLEMISH_PROVINCES
    per_province = {
        p: sum(mu.province == p for mu in municipalities.values()) for p in FLEMISH_PROVINCES
    }
    assert per_province == {
        "Antwerpen": 67,
        "Limburg": 38,
        "Oost-Vlaanderen": 55,
        "Vlaams-Brabant": 63,
        "West-Vlaanderen": 62,
    }


@pytest.mark.parametrize(
    ("niscode", "name", "province", "main_postcode"),
    [
        ("44021", "Gent", "Oost-Vlaanderen", "9000"),
        ("11002", "Antwerpen", "Antwerpen", "2000"),
        ("24062", "Leuven", "Vlaams-Brabant", "3000"),
        ("31005", "Brugge", "West-Vlaanderen", "8000"),
        ("71072", "Hasselt", "Limburg", "3500"),
        ("46030", "Beveren-Kruibeke-Zwijndrecht", "Oost-Vlaanderen", "9120"),
        ("23106", "Pajottegem", "Vlaams-Brabant", "1570"),
        ("73111", "Tongeren-Borgloon", "Limburg", "3700"),
        ("73110", "Bilzen-Hoeselt", "Limburg", "3740"),
        ("44086", "Nazareth-De Pinte", "Oost-Vlaanderen", "9810"),
        ("44088", "Merelbeke-Melle", "Oost-Vlaanderen", "9820"),
        ("71071", "Tessenderlo-Ham", "Limburg", "3980"),
        ("73109", "Voeren", "Limburg", "3790"),
    ],
)
def test_known_rows_are_right(municipalities, niscode, name, province, main_postcode):
    mu = municipalities[niscode]
    assert (mu.name, mu.province, mu.postcodes[0]) == (name, province, main_postcode)


def test_merged_municipalities_carry_all_their_postcodes(municipalities):
    assert "2150" in municipalities["11002"].postcodes  # Borsbeek joined Antwerpen
    assert {"9120", "9130", "9150", "2070"} <= set(municipalities["46030"].postcodes)
    assert {"3720", "3724"} <= set(municipalities["71072"].postcodes)  # Kortessem -> Hasselt
    assert "9185" in municipalities["44087"].postcodes  # Wachtebeke -> Lochristi
    assert "9180" in municipalities["46029"].postcodes  # Moerbeke -> Lokeren


def test_municipalities_merged_away_in_2025_are_gone(municipalities):
    old = {"11007", "11056", "46003", "46013", "71022", "73040", "73006", "73032", "37015"}
    assert not old & set(municipalities)
    names = {mu.name for mu in municipalities.values()}
    assert not {"Borsbeek", "Zwijndrecht", "Kortessem", "Wachtebeke", "Moerbeke"} & names


def test_postcodes_are_four_digit_flemish_and_belong_to_one_municipality(municipalities):
    seen: dict[str, str] = {}
    for mu in municipalities.values():
        assert mu.postcodes, mu.name
        for pc in mu.postcodes:
            assert len(pc) == 4 and pc.isdigit(), (mu.name, pc)
            assert 1500 <= int(pc) <= 3999 or 8000 <= int(pc) <= 9999, (mu.name, pc)
            assert seen.setdefault(pc, mu.niscode) == mu.niscode, pc


def test_populations_are_plausible(municipalities):
    total = sum(mu.population for mu in municipalities.values())
    assert 6_400_000 < total < 7_100_000
    assert all(mu.population > 0 for mu in municipalities.values())
    assert max(municipalities.values(), key=lambda mu: mu.population).name == "Antwerpen"


def test_load_municipalities_returns_a_fresh_list():
    first = geography.load_municipalities()
    first.clear()
    assert len(geography.load_municipalities()) == 285


# -- outline ----------------------------------------------------------------------------------


def test_outline_area_is_plausible():
    outline = geography.flanders_outline()
    assert outline.is_valid
    assert 13_625 * 0.8 < outline.area / 1e6 < 13_625 * 1.2


def test_outline_has_brussels_as_hole_and_voeren_as_exclave(municipalities):
    outline = geography.flanders_outline()
    assert not outline.contains(BRUSSELS_CENTRE)
    assert len(outline.geoms) == 2
    main, exclave = outline.geoms
    assert len(main.interiors) == 1
    assert exclave.contains(Point(municipalities["73109"].centre))
    assert not main.contains(Point(municipalities["73109"].centre))


def test_every_centre_lies_inside_the_outline(municipalities):
    outline = geography.flanders_outline()
    outside = [mu.name for mu in municipalities.values() if not outline.contains(Point(mu.centre))]
    assert outside == []


def test_bbox_is_the_outline_bounds():
    minx, miny, maxx, maxy = geography.flanders_bbox_31370()
    assert (minx, miny, maxx, maxy) == geography.flanders_outline().bounds
    assert 15_000 < minx < maxx < 300_000
    assert 150_000 < miny < maxy < 250_000


# -- boundaries -------------------------------------------------------------------------------


def test_every_municipality_has_a_boundary_containing_its_centre(municipalities, boundaries):
    assert set(boundaries) == set(municipalities)
    for niscode, boundary in boundaries.items():
        assert isinstance(boundary, MultiPolygon)
        assert boundary.is_valid and not boundary.is_empty
        assert boundary.contains(Point(municipalities[niscode].centre)), niscode


def test_boundaries_do_not_overlap(boundaries):
    geoms = list(boundaries.values())
    tree = STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = [(i, j) for i, j in zip(left, right, strict=True) if i < j]
    overlap = sum(geoms[i].intersection(geoms[j]).area for i, j in pairs)
    assert overlap < 1.0  # square metres: shared edges only


def test_boundaries_cover_the_outline(boundaries):
    outline = geography.flanders_outline()
    union = shapely.union_all(list(boundaries.values()))
    assert abs(union.area - outline.area) / outline.area < 0.001
    assert union.symmetric_difference(outline).area / outline.area < 0.001


def test_boundaries_are_deterministic_and_fast(boundaries):
    again = geography.municipality_boundaries()
    assert again is not boundaries
    assert all(again[n].equals_exact(boundaries[n], 0) for n in boundaries)
    geography._boundaries.cache_clear()
    geography.flanders_outline.cache_clear()
    start = time.perf_counter()
    rebuilt = geography.municipality_boundaries()
    assert time.perf_counter() - start < 2.0
    assert all(rebuilt[n].equals_exact(boundaries[n], 0) for n in boundaries)


# -- street names -----------------------------------------------------------------------------


def test_street_names_are_plenty_unique_and_utf8():
    names = geography.street_names()
    assert len(names) >= 300
    assert len(set(names)) == len(names)
    assert all(name == name.strip() and name for name in names)
    assert {"Kerkstraat", "Stationsstraat", "Molenstraat", "Koning Albertlaan"} <= set(names)
    for letter in "éëü":
        assert any(letter in name for name in names), letter
