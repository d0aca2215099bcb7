"""Stock pygeoapi over the PostGIS copy of the POI publication, for ``bench_serving.py``.

Stock pygeoapi's GeoPackage provider (``SQLiteGPKG``) needs the SpatiaLite extension, which
this Python's sqlite3 cannot load, so the stock server serves the same publication from
PostGIS with pygeoapi's own ``PostgreSQL`` provider (SQLAlchemy + psycopg2, package
``psycopg2-binary``). Its configuration is our ``pygeoapi-config.yml`` (same metadata, same
limits: default 100, max 10000) with one collection ``poi`` on that provider, the same CRS list
and storage CRS EPSG:31370, so it answers CRS84 GeoJSON like ours. The OpenAPI document comes
from ``pygeoapi openapi generate``; the app is ``pygeoapi.starlette_app:APP`` under gunicorn
with uvicorn workers, the same server stack and worker count as ``vlok-publisher serve``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "pygeoapi-config.yml"
DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/vlok_bench"
CRS = [
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "http://www.opengis.net/def/crs/EPSG/0/31370",
    "http://www.opengis.net/def/crs/EPSG/0/3812",
    "http://www.opengis.net/def/crs/EPSG/0/4326",
    "http://www.opengis.net/def/crs/EPSG/0/3857",
]
STORAGE_CRS = "http://www.opengis.net/def/crs/EPSG/0/31370"


def plain_dsn(url: str) -> str:
    """A libpq URL from a SQLAlchemy one (``postgresql+psycopg://`` → ``postgresql://``)."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql://{rest}" if sep and scheme.startswith("postgres") else url


def connection(dsn: str) -> dict[str, Any]:
    """The provider's ``data`` block (host, port, dbname, user, password) from a URL."""
    url = urlsplit(plain_dsn(dsn))
    data: dict[str, Any] = {"host": url.hostname or "127.0.0.1", "port": url.port or 5432,
                            "dbname": url.path.lstrip("/") or "postgres",
                            "user": unquote(url.username or "postgres")}
    if url.password:
        data["password"] = unquote(url.password)
    return data


def poi_table(dsn: str) -> tuple[str, int]:
    """Schema of the current POI publication in PostGIS and its row count."""
    import psycopg

    with psycopg.connect(plain_dsn(dsn)) as db:
        row = db.execute("SELECT schema_name FROM vlok_publication.current "
                         "WHERE dataset = 'poi'").fetchone()
        if row is None:
            raise RuntimeError(f"no current POI publication in {dsn}")
        schema = row[0]
        count = db.execute(f'SELECT count(*) FROM "{schema}".poi').fetchone()[0]
    return schema, count


def write_config(workdir: Path, port: int, dsn: str, schema: str,
                 id_field: str = "POID") -> dict[str, str]:
    """Write the stock config and its OpenAPI document; the environment that points to them."""
    raw = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    config = {k: v for k, v in raw.items() if not k.startswith("x-")}
    config["server"]["url"] = f"http://127.0.0.1:{port}"
    config["server"]["bind"] = {"host": "127.0.0.1", "port": port}
    config["logging"] = {"level": "ERROR"}
    poi = raw["resources"]["poi"]
    config["resources"] = {"poi": {
        "type": "collection", "title": poi["title"], "description": poi["description"],
        "keywords": poi["keywords"], "extents": poi["extents"],
        "providers": [{
            "type": "feature", "name": "PostgreSQL",
            "data": {**connection(dsn), "search_path": [schema, "public"]},
            "table": "poi", "id_field": id_field, "geom_field": "SHAPE", "title_field": "NAAM",
            "crs": CRS, "storage_crs": STORAGE_CRS,
        }],
    }}
    cfg = workdir / "stock-pygeoapi-config.yml"
    cfg.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True),
                   encoding="utf-8")
    oas = workdir / "stock-pygeoapi-openapi.yml"
    pygeoapi = Path(sys.executable).with_name("pygeoapi")
    cmd = [str(pygeoapi) if pygeoapi.exists() else "pygeoapi", "openapi", "generate",
           str(cfg), "--output-file", str(oas)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYGEOAPI_CONFIG": str(cfg)})
    if done.returncode != 0 or not oas.exists():
        raise RuntimeError(f"pygeoapi openapi generate failed: {done.stderr[-2000:]}")
    return {"PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(oas)}


def command(port: int, workers: int, app: str = "starlette") -> list[str]:
    """gunicorn running stock pygeoapi with ``workers`` workers, as ``vlok-publisher serve``.

    ``starlette``: ``pygeoapi.starlette_app:APP`` with uvicorn workers (our stack);
    ``flask``: ``pygeoapi.flask_app:APP`` with gthread workers (8 threads each), the WSGI
    deployment pygeoapi documents.
    """
    common = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
              "--workers", str(workers), "--graceful-timeout", "10", "--timeout", "60"]
    if app == "flask":
        return [*common, "--worker-class", "gthread", "--threads", "8",
                "pygeoapi.flask_app:APP"]
    return [*common, "--worker-class", "uvicorn_worker.UvicornWorker",
            "pygeoapi.starlette_app:APP"]
