"""Write a publication as a GeoPackage 1.3 with plain ``sqlite3`` (no GDAL, no SpatiaLite).

Writing it ourselves keeps the file a pure function of its content (GDAL stamps the current
time into ``gpkg_contents``), so the same store and date give a byte-identical file; QGIS and
GDAL open it as a normal GeoPackage: registered feature table, R-tree spatial index and the
standard R-tree triggers, attribute indexes on the filtered columns.

Beside the feature table (which QGIS shows) the file holds what the hot paths need:
``<layer>_fragment`` (the GML member in EPSG:31370 and the GeoJSON feature in CRS84, rendered
by :mod:`publisher.publication.render`), ``<layer>_parcel`` (every capakey of a POI, for the
parcel lookup) and ``publication_meta`` (as-of date, counts, extent, mapping digest).
"""

from __future__ import annotations

import json
import sqlite3
import struct
from collections.abc import Iterable, Sequence
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from publisher.mapping import Mapping
from publisher.publication.render import point_fragments

GPKG_APPLICATION_ID = 0x47504B47
GPKG_USER_VERSION = 10300

LAMBERT72_WKT = (
    'PROJCS["BD72 / Belgian Lambert 72",GEOGCS["BD72",DATUM["Reseau_National_Belge_1972",'
    'SPHEROID["International 1924",6378388,297],TOWGS84[-106.8686,52.2978,-103.7239,0.3366,'
    '-0.457,1.8422,-1.2747]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],'
    'AUTHORITY["EPSG","4313"]],PROJECTION["Lambert_Conformal_Conic_2SP"],'
    'PARAMETER["latitude_of_origin",90],PARAMETER["central_meridian",4.36748666666667],'
    'PARAMETER["standard_parallel_1",51.1666672333333],'
    'PARAMETER["standard_parallel_2",49.8333339],PARAMETER["false_easting",150000.013],'
    'PARAMETER["false_northing",5400088.438],UNIT["metre",1],AXIS["Easting",EAST],'
    'AXIS["Northing",NORTH],AUTHORITY["EPSG","31370"]]'
)
WGS84_WKT = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
             'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]')
SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "real": "REAL", "date": "DATE",
             "boolean": "BOOLEAN"}
#: Columns the WFS/OGC API filter on; each gets an index.
#: Columns clients filter on (``GEMEENTE``: a QGIS user's first filter is the municipality),
#: each indexed with ``fid`` so a filtered page in publication order is an index range.
INDEXED = ("PRODUCT", "NISCODE", "GEMEENTE", "POSTCODE", "CAPAKEY", "ADRESID")


def gpkg_point(x: float, y: float, srs_id: int = 31370) -> bytes:
    """A GeoPackage geometry blob: 8-byte header (no envelope, little endian) + ISO WKB."""
    return b"GP\x00\x01" + struct.pack("<i", srs_id) + struct.pack("<BIdd", 1, 1, x, y)


def gpkg_blob(wkb: bytes, bounds: Sequence[float], srs_id: int = 31370) -> bytes:
    """A GeoPackage blob with an XY envelope (for polygons)."""
    return (b"GP\x00\x03" + struct.pack("<i", srs_id)
            + struct.pack("<dddd", bounds[0], bounds[2], bounds[1], bounds[3]) + wkb)


#: Bytes of the blob envelope by envelope indicator (GeoPackage 1.3, 2.1.3.1.1; 5–7 invalid).
_ENVELOPE_BYTES = (0, 32, 48, 48, 64, 0, 0, 0)


def wkb_of(blob: bytes) -> bytes:
    """The ISO WKB inside a GeoPackage geometry blob (header and envelope skipped).

    The one decoder of the blobs :func:`gpkg_point` and :func:`gpkg_blob` write: serving,
    downloads and tests read geometries through it.
    """
    return bytes(blob[8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 7]:])


def point_xy(blob: bytes) -> tuple[float, float]:
    """x, y of a point blob without building a geometry (hot paths: tests, pages)."""
    wkb = wkb_of(blob)
    return struct.unpack_from("<dd" if wkb[0] == 1 else ">dd", wkb, 5)


def decode(blobs: Sequence[bytes | None]) -> Any:
    """Blobs → shapely geometries (one vectorized WKB parse; None stays None)."""
    return shapely.from_wkb([wkb_of(b) if b else None for b in blobs])


def _script(db: sqlite3.Connection, sql: str) -> None:
    """``executescript`` commits first; reopen the one transaction the file is written in."""
    db.executescript(sql)
    if not db.in_transaction:
        db.execute("BEGIN")


def _base(db: sqlite3.Connection) -> None:
    db.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
    db.execute(f"PRAGMA user_version = {GPKG_USER_VERSION}")
    _script(db, """
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
          organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
          definition TEXT NOT NULL, description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,
          data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
          last_change DATETIME NOT NULL, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
          srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id)
          REFERENCES gpkg_spatial_ref_sys(srs_id));
        CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL,
          column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
          srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
          CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
        CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT,
          extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,
          CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
        CREATE TABLE publication_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """)
    db.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", [
        ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", None),
        ("Undefined geographic SRS", 0, "NONE", 0, "undefined", None),
        ("WGS 84 geodetic", 4326, "EPSG", 4326, WGS84_WKT, None),
        ("BD72 / Belgian Lambert 72", 31370, "EPSG", 31370, LAMBERT72_WKT, None),
    ])


def _feature_table(db: sqlite3.Connection, mapping: Mapping, as_of: date, description: str,
                   bounds: Sequence[float]) -> str:
    layer, geom = mapping.layer.lower(), mapping.geometry_name
    cols = ", ".join(f'"{f.name}" {SQL_TYPES[f.type]}' for f in mapping.fields)
    db.execute(f'CREATE TABLE "{layer}" (fid INTEGER PRIMARY KEY NOT NULL, '
               f'"{geom}" {mapping.geometry_type.upper()}, {cols})')
    db.execute("INSERT INTO gpkg_contents VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?, 31370)",
               (layer, mapping.layer, description, f"{as_of.isoformat()}T00:00:00.000Z",
                *bounds))
    db.execute("INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, 31370, 0, 0)",
               (layer, geom, mapping.geometry_type.upper()))
    return layer


def _rtree(db: sqlite3.Connection, layer: str, geom: str,
           boxes: Iterable[tuple[int, float, float, float, float]]) -> None:
    """R-tree index and the GeoPackage triggers that keep it current if someone edits."""
    name = f"rtree_{layer}_{geom}"
    db.execute(f'CREATE VIRTUAL TABLE "{name}" USING rtree(id, minx, maxx, miny, maxy)')
    db.executemany(f'INSERT INTO "{name}" VALUES (?, ?, ?, ?, ?)', boxes)
    db.execute("INSERT INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index', "
               "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
               (layer, geom))
    t, c, r = layer, geom, name
    _script(db, f"""
      CREATE TRIGGER "{r}_insert" AFTER INSERT ON "{t}" WHEN (new."{c}" NOT NULL AND NOT
        ST_IsEmpty(NEW."{c}")) BEGIN INSERT OR REPLACE INTO "{r}" VALUES (NEW.fid,
        ST_MinX(NEW."{c}"), ST_MaxX(NEW."{c}"), ST_MinY(NEW."{c}"), ST_MaxY(NEW."{c}")); END;
      CREATE TRIGGER "{r}_update1" AFTER UPDATE OF "{c}" ON "{t}" WHEN OLD.fid = NEW.fid AND
        (NEW."{c}" NOTNULL AND NOT ST_IsEmpty(NEW."{c}")) BEGIN INSERT OR REPLACE INTO "{r}"
        VALUES (NEW.fid, ST_MinX(NEW."{c}"), ST_MaxX(NEW."{c}"), ST_MinY(NEW."{c}"),
        ST_MaxY(NEW."{c}")); END;
      CREATE TRIGGER "{r}_update2" AFTER UPDATE OF "{c}" ON "{t}" WHEN OLD.fid = NEW.fid AND
        (NEW."{c}" ISNULL OR ST_IsEmpty(NEW."{c}")) BEGIN DELETE FROM "{r}" WHERE id = OLD.fid;
        END;
      CREATE TRIGGER "{r}_update3" AFTER UPDATE ON "{t}" WHEN OLD.fid != NEW.fid AND
        (NEW."{c}" NOTNULL AND NOT ST_IsEmpty(NEW."{c}")) BEGIN DELETE FROM "{r}" WHERE
        id = OLD.fid; INSERT OR REPLACE INTO "{r}" VALUES (NEW.fid, ST_MinX(NEW."{c}"),
        ST_MaxX(NEW."{c}"), ST_MinY(NEW."{c}"), ST_MaxY(NEW."{c}")); END;
      CREATE TRIGGER "{r}_update4" AFTER UPDATE ON "{t}" WHEN OLD.fid != NEW.fid AND
        (NEW."{c}" ISNULL OR ST_IsEmpty(NEW."{c}")) BEGIN DELETE FROM "{r}" WHERE id IN
        (OLD.fid, NEW.fid); END;
      CREATE TRIGGER "{r}_delete" AFTER DELETE ON "{t}" WHEN old."{c}" NOT NULL BEGIN
        DELETE FROM "{r}" WHERE id = OLD.fid; END;
    """)


def _sql_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _open_new(path: Path) -> sqlite3.Connection:
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")  # a staging file: crash = delete and redo
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA page_size = 4096")
    db.execute("BEGIN")
    return db


def _finish(db: sqlite3.Connection, meta: dict[str, Any]) -> None:
    db.executemany("INSERT INTO publication_meta VALUES (?, ?)",
                   [(k, json.dumps(v, default=str)) for k, v in sorted(meta.items())])
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()


def write_points(path: Path, mapping: Mapping, as_of: date, features: list[dict[str, Any]],
                 xy: np.ndarray, parcels: list[tuple[str, str]], meta: dict[str, Any]) -> None:
    """Write a point layer (the POI publication), its fragments and its parcel index."""
    db = _open_new(path)
    _base(db)
    bounds = (tuple(xy.min(axis=0)) + tuple(xy.max(axis=0))) if len(xy) else (0, 0, 0, 0)
    layer = _feature_table(db, mapping, as_of, "Woningkwaliteit: publieke feiten (VLOK)",
                           (bounds[0], bounds[1], bounds[2], bounds[3]))
    names = mapping.names
    placeholders = ", ".join("?" * (len(names) + 2))
    db.executemany(
        f'INSERT INTO "{layer}" VALUES ({placeholders})',
        ((i, gpkg_point(x, y), *(_sql_value(f[n]) for n in names))
         for i, (f, (x, y)) in enumerate(zip(features, xy.tolist(), strict=True), 1)))
    _rtree(db, layer, mapping.geometry_name,
           ((i, x, x, y, y) for i, (x, y) in enumerate(xy.tolist(), 1)))
    db.execute(f'CREATE TABLE "{layer}_fragment" (fid INTEGER PRIMARY KEY, lon REAL, lat REAL, '
               "gml TEXT NOT NULL, geojson TEXT NOT NULL)")
    db.executemany(f'INSERT INTO "{layer}_fragment" VALUES (?, ?, ?, ?, ?)',
                   ((i, *frag) for i, frag in enumerate(
                       point_fragments(mapping.layer, features, xy), 1)))
    db.execute(f'CREATE TABLE "{layer}_parcel" (CAPAKEY TEXT NOT NULL, POID TEXT NOT NULL, '
               "PRIMARY KEY (CAPAKEY, POID)) WITHOUT ROWID")
    db.executemany(f'INSERT INTO "{layer}_parcel" VALUES (?, ?)', ((k, p) for p, k in parcels))
    db.execute(f'CREATE UNIQUE INDEX "{layer}_poid" ON "{layer}" ("POID")')
    for col in INDEXED:
        if col in names:
            db.execute(f'CREATE INDEX "{layer}_{col.lower()}" ON "{layer}" ("{col}", fid)')
    _finish(db, {**meta, "extent_31370": list(bounds), "features": len(features)})


def write_polygons(path: Path, mapping: Mapping, as_of: date, features: list[dict[str, Any]],
                   wkbs: list[bytes], bounds: list[tuple[float, float, float, float]],
                   meta: dict[str, Any]) -> None:
    """Write a polygon layer (the policy dataset) with its R-tree and GeoJSON fragments."""
    db = _open_new(path)
    _base(db)
    full = (min(b[0] for b in bounds), min(b[1] for b in bounds),
            max(b[2] for b in bounds), max(b[3] for b in bounds)) if bounds else (0, 0, 0, 0)
    layer = _feature_table(db, mapping, as_of, "Parameters lokaal woningkwaliteitsbeleid", full)
    names = mapping.names
    placeholders = ", ".join("?" * (len(names) + 2))
    db.executemany(
        f'INSERT INTO "{layer}" VALUES ({placeholders})',
        ((i, gpkg_blob(w, b), *(_sql_value(f[n]) for n in names))
         for i, (f, w, b) in enumerate(zip(features, wkbs, bounds, strict=True), 1)))
    _rtree(db, layer, mapping.geometry_name,
           ((i, b[0], b[2], b[1], b[3]) for i, b in enumerate(bounds, 1)))
    _finish(db, {**meta, "extent_31370": list(full), "features": len(features)})


def read_meta(path: Path) -> dict[str, Any]:
    """``publication_meta`` of a publication file, values decoded."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM publication_meta")}


#: How each dataset names a feature's product and identity for the change set.
IDENTITY = {
    "poi": ('"PRODUCT"', '"POID"'),
    "woningkwaliteitsbeleid": ("'Woningkwaliteitsbeleid'",
                               """"NISCODE" || '@' || coalesce("GELDIG_VANAF", '')"""),
}


def read_poids(path: Path, layer: str = "poi") -> dict[str, set[str]]:
    """Identities per product: what the change set compares."""
    out: dict[str, set[str]] = {}
    product_sql, id_sql = IDENTITY[layer]
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        for product, value in db.execute(f'SELECT {product_sql}, {id_sql} FROM "{layer}"'):
            out.setdefault(product, set()).add(value)
    return out

