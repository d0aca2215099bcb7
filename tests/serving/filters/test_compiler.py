"""The one filter compiler against the specs' own examples, without HTTP.

Each example (from OGC 21-065 CQL2 and OGC 09-026r2 FES 2.0, put in our fields' terms) is
parsed by the surface's parser, compiled by :mod:`publisher.serving.filters.compiler` and run
on the session's real publication GeoPackage; the features it selects must be exactly those
pygeofilter's own native evaluator (an independent implementation) selects over the same
rows in Python. Spatial literals are in EPSG:31370 here, so both sides compare the same
coordinates; the CRS cases are in ``test_same_features_everywhere.py``.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import shapely
from pygeofilter.backends.native.evaluate import NativeEvaluator
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json
from pygeofilter.parsers.cql2_text import parse as parse_cql2_text

from publisher.publication.gpkg import point_xy
from publisher.serving.crs import parse_crs
from publisher.serving.filters.compiler import (
    FilterError,
    FilterNotSupported,
    Layer,
    bind_spatial,
    compile_filter,
    inner_box,
)
from publisher.serving.publications import open_reader
from publisher.serving.wfs.featuretypes import feature_types, filter_layer
from publisher.serving.wfs.parsers.fes import parse_filter

STORAGE = "http://www.opengis.net/def/crs/EPSG/0/31370"
FES = 'xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2"'
POI = feature_types()[0]
#: SQLite's lower() folds ASCII letters only (PostGIS is made to do the same).
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@pytest.fixture(scope="module")
def gpkg(publication_dir) -> Path:
    pub = open_reader(publication_dir).current("poi")
    assert pub is not None
    return Path(pub.path)


@pytest.fixture(scope="module")
def rows(gpkg) -> list[dict[str, Any]]:
    """Every feature as a dict the native evaluator reads (dates as dates, a shapely point)."""
    names = POI.mapping.names
    db = sqlite3.connect(gpkg)
    out = []
    for fid, blob, *values in db.execute(
            f'SELECT fid, "SHAPE", {", ".join(f"{chr(34)}{n}{chr(34)}" for n in names)} '
            "FROM poi ORDER BY fid"):
        row = dict(zip(names, values, strict=True))
        row["PEILDATUM"] = date.fromisoformat(row["PEILDATUM"])
        row["fid"] = fid
        row["geometry"] = row["SHAPE"] = shapely.Point(point_xy(blob))
        out.append(row)
    return out


def selected(gpkg: Path, node: Any, layer: Layer, literal_crs: str = STORAGE) -> list[int]:
    """The fids the compiled filter selects on the GeoPackage, in publication order."""
    where = compile_filter(node, layer, literal_crs=parse_crs(literal_crs))
    db = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
    bind_spatial(db, where, layer.is_point)
    return [r[0] for r in db.execute(f"SELECT t.fid FROM poi t WHERE {where.sql} ORDER BY t.fid",
                                     where.params)]


def oracle(rows: list[dict[str, Any]], node: Any) -> list[int]:
    """The fids pygeofilter's native evaluator selects (SQL's NULL never matches)."""
    functions = {"lower": lambda v: v.translate(_ASCII_LOWER), "upper": str.upper,
                 "bbox": lambda *a: shapely.box(*a)}
    test = NativeEvaluator(function_map=functions, use_getattr=False).evaluate(node)
    found = []
    for row in rows:
        try:
            if test(row):
                found.append(row["fid"])
        except TypeError:  # a comparison with NULL: no match, as in SQL
            pass
    return found


def ogc_layer() -> Layer:
    """The OGC API's view of the POI layer (queryables and geometry aliases)."""
    from publisher.serving.ogcapi.provider import GEOMETRY_ALIASES

    fields = {f.name: f.type for f in POI.mapping.fields}

    def resolve(name: str) -> str:
        if name in fields:
            return name
        if name in (*GEOMETRY_ALIASES, "SHAPE"):
            return "SHAPE"
        raise FilterError(f"unknown property {name!r}")

    return Layer(fields=fields, table="poi", id_field="POID", geometry="SHAPE", is_point=True,
                 rtree=POI.rtree, resolve=resolve)


#: CQL2 (OGC 21-065) examples in our terms: the spec's example → ours.
CQL2_TEXT = [
    "GEMEENTE = 'Gent'",                                   # city='Toronto'
    "PRODUCT <> 'Conformiteitsattest'",
    "PEILDATUM >= DATE('2026-01-01')",                      # updated >= date('1970-01-01')
    "STRAAT LIKE 'Kerk%'",                                  # name LIKE 'Smith%'
    "STRAAT LIKE '_e%'",
    "POSTCODE BETWEEN '8000' AND '8999'",                   # depth BETWEEN 100.0 and 150.0
    "POSTCODE NOT BETWEEN '2000' AND '8999'",
    "BUSNUMMER IS NULL",                                    # value IS NULL
    "BUSNUMMER IS NOT NULL",
    "GEMEENTE IN ('Gent', 'Brugge', 'Antwerpen')",          # cityName IN ('Toronto', …)
    "GEMEENTE NOT IN ('Gent', 'Brugge')",
    "CASEI(GEMEENTE) = CASEI('gEnT')",                      # CASEI(road_class) IN …
    "STRAAT = GEMEENTE",                                    # property-property
    "GEMEENTE = 'Gent' AND NOT (PRODUCT = 'Conformiteitsattest')",
    "(GEMEENTE = 'Gent' OR GEMEENTE = 'Brugge') AND POSTCODE > '8200'",
    "POSTCODE < '2000' OR POSTCODE >= '9000' OR GEMEENTE = 'Leuven'",
    "S_INTERSECTS(geometry, POLYGON((100000 185000, 112000 185000, 112000 200000, "
    "100000 200000, 100000 185000)))",                      # S_INTERSECTS(geometry,POLYGON(…))
    "S_INTERSECTS(geometry, BBOX(100000, 185000, 112000, 200000))",
    "S_WITHIN(geometry, POLYGON((140000 150000, 160000 150000, 170000 200000, "
    "130000 210000, 140000 150000)))",
    "S_DISJOINT(geometry, POLYGON((0 0, 150000 0, 150000 300000, 0 300000, 0 0)))",
    "S_INTERSECTS(geometry, POLYGON((100000 185000, 112000 185000, 112000 200000, "
    "100000 200000, 100000 185000))) AND PRODUCT = 'Conformiteitsattest'",
    "NOT S_INTERSECTS(geometry, BBOX(0, 0, 150000, 300000))",
]


@pytest.mark.parametrize("text", CQL2_TEXT)
def test_cql2_examples_select_what_pygeofilter_selects(gpkg, rows, text):
    node = parse_cql2_text(text)
    found = selected(gpkg, node, ogc_layer())
    assert found == oracle(rows, node)


def test_the_examples_select_something_and_not_everything(gpkg, rows):
    """A suite of filters that all match nothing (or everything) would prove little."""
    sizes = [len(selected(gpkg, parse_cql2_text(t), ogc_layer())) for t in CQL2_TEXT]
    assert sum(0 < n < len(rows) for n in sizes) >= len(CQL2_TEXT) - 3


def test_cql2_json_example_is_the_same_filter_as_its_text(gpkg, rows):
    doc = {"op": "and", "args": [
        {"op": "=", "args": [{"property": "GEMEENTE"}, "Gent"]},
        {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [100000, 185000,
                                                                             112000, 200000]}]}]}
    text = ("GEMEENTE = 'Gent' AND S_INTERSECTS(geometry, "
            "BBOX(100000, 185000, 112000, 200000))")
    assert selected(gpkg, parse_cql2_json(doc), ogc_layer()) == \
        selected(gpkg, parse_cql2_text(text), ogc_layer()) == oracle(rows, parse_cql2_text(text))


#: FES 2.0 (OGC 09-026r2, clause 7 examples) in our terms.
FES_EXAMPLES = [
    # 7.7.3.1 PropertyIsEqualTo
    "<fes:PropertyIsEqualTo><fes:ValueReference>GEMEENTE</fes:ValueReference>"
    "<fes:Literal>Gent</fes:Literal></fes:PropertyIsEqualTo>",
    # 7.7.3.2 PropertyIsLike with wildCard, singleChar, escapeChar
    '<fes:PropertyIsLike wildCard="*" singleChar="#" escapeChar="!">'
    "<fes:ValueReference>STRAAT</fes:ValueReference><fes:Literal>K#rk*</fes:Literal>"
    "</fes:PropertyIsLike>",
    # 7.7.3.4 PropertyIsBetween
    "<fes:PropertyIsBetween><fes:ValueReference>POSTCODE</fes:ValueReference>"
    "<fes:LowerBoundary><fes:Literal>8000</fes:Literal></fes:LowerBoundary>"
    "<fes:UpperBoundary><fes:Literal>8999</fes:Literal></fes:UpperBoundary>"
    "</fes:PropertyIsBetween>",
    # 7.8.3 BBOX
    "<fes:BBOX><fes:ValueReference>SHAPE</fes:ValueReference>"
    '<gml:Envelope srsName="urn:ogc:def:crs:EPSG::31370"><gml:lowerCorner>100000 185000'
    "</gml:lowerCorner><gml:upperCorner>112000 200000</gml:upperCorner></gml:Envelope>"
    "</fes:BBOX>",
    # 7.8.3 Intersects with a polygon, and a logical combination (7.10)
    "<fes:And><fes:Intersects><fes:ValueReference>SHAPE</fes:ValueReference>"
    '<gml:Polygon gml:id="p1" srsName="urn:ogc:def:crs:EPSG::31370"><gml:exterior>'
    "<gml:LinearRing><gml:posList>140000 150000 160000 150000 170000 200000 130000 210000 "
    "140000 150000</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"
    "</fes:Intersects><fes:Not><fes:PropertyIsEqualTo><fes:ValueReference>PRODUCT"
    "</fes:ValueReference><fes:Literal>Conformiteitsattest</fes:Literal>"
    "</fes:PropertyIsEqualTo></fes:Not></fes:And>",
]


@pytest.mark.parametrize("body", FES_EXAMPLES)
def test_fes_examples_select_what_pygeofilter_selects(gpkg, rows, body):
    node = parse_filter(f"<fes:Filter {FES}>{body}</fes:Filter>", parse_crs(None))
    found = selected(gpkg, node, filter_layer(POI))
    # The native evaluator knows SHAPE as the attribute name and the literal as shapely.
    assert found == oracle(rows, _plain_literals(node))


def test_dwithin_counts_distance_in_metres(gpkg, rows):
    node = parse_filter(
        f"<fes:Filter {FES}><fes:DWithin><fes:ValueReference>SHAPE</fes:ValueReference>"
        '<gml:Point gml:id="c" srsName="urn:ogc:def:crs:EPSG::31370"><gml:pos>104000 194000'
        '</gml:pos></gml:Point><fes:Distance uom="km">2</fes:Distance></fes:DWithin>'
        "</fes:Filter>", parse_crs(None))
    centre = shapely.Point(104000, 194000)
    expected = [r["fid"] for r in rows if r["SHAPE"].distance(centre) <= 2000]
    assert selected(gpkg, node, filter_layer(POI)) == expected and expected


def test_unknown_operators_and_properties_are_refused_not_guessed():
    with pytest.raises(FilterNotSupported):
        compile_filter(parse_cql2_text("balance - 150.0 > 0".replace("balance", "POSTCODE")),
                       ogc_layer())
    with pytest.raises(FilterError, match="unknown property"):
        compile_filter(parse_cql2_text("owner = 'x'"), ogc_layer())
    with pytest.raises(FilterError, match="not a valid date"):
        compile_filter(parse_cql2_text("PEILDATUM = 'yesterday'"), ogc_layer())


def test_a_point_bbox_needs_no_exact_test_per_feature(gpkg, rows):
    """The R-tree decides every feature inside the box: the Python test meets only the rim."""
    node = parse_cql2_text("S_INTERSECTS(geometry, BBOX(100000, 185000, 112000, 200000))")
    where = compile_filter(node, ogc_layer())
    calls = []
    db = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
    bind_spatial(db, where, True)
    real = where.tests[0]
    where.tests[0] = lambda g: calls.append(1) or real(g)
    bind_spatial(db, where, False)  # count every call, through the generic path
    count = db.execute(f"SELECT count(*) FROM poi t WHERE {where.sql}", where.params).fetchone()
    assert count[0] == len(oracle(rows, node)) > 0
    assert len(calls) < max(3, count[0] // 100)


def test_inner_box_lies_inside_a_turned_area():
    area = shapely.affinity.rotate(shapely.box(0, 0, 10_000, 10_000), 0.6)
    inner = inner_box(area)
    assert inner is not None and area.covers(shapely.box(*inner))
    assert shapely.box(*inner).area > 0.9 * area.area
    assert inner_box(shapely.Point(0, 0).buffer(10).exterior) is None


def _plain_literals(node: Any) -> Any:
    """The AST with our GeometryLiteral replaced by its shapely geometry (for the oracle)."""
    from pygeofilter import ast, values

    from publisher.serving.filters.compiler import GeometryLiteral

    if isinstance(node, GeometryLiteral):
        return values.Geometry(shapely.geometry.mapping(node.geometry))
    if isinstance(node, ast.Node):
        for name, value in vars(node).items():
            if isinstance(value, list):
                setattr(node, name, [_plain_literals(v) for v in value])
            else:
                setattr(node, name, _plain_literals(value))
    return node
