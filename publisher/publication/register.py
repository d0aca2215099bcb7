"""The publish job's side of the address register: build its search index, put it in place.

The register is read from the store's database (its own tables, :mod:`publisher.register`)
and indexed into one SQLite/FTS5 file per register version, so a daily run whose register did
not change reuses yesterday's file. Where the file goes:

* a directory target: ``<root>/register/<file>``, beside the publications;
* a PostGIS target: in the database itself (``vlok_publication.register_index``, 8 MB parts),
  so that every stateless serve node (and every read replica) gets it through the connection
  it already has, and keeps a local copy per version (:mod:`publisher.serving.lookup.register`).

The POI publication's metadata names the file (``adresregister``): a publication and the
index it was published with switch together.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from publisher.progress import stage
from publisher.register import index, model

#: Schema of the PostGIS target's own tables (see :mod:`publisher.publication.postgis`).
META = "vlok_publication"
PART = 8 << 20
#: Index files kept besides the current one (a worker may still read the previous one).
KEEP = 1


#: What the publication's metadata says of its index: only what the register determines, so
#: the same store and date still give a byte-identical publication.
META_KEYS = ("index", "addresses", "streets", "places")


def publish_register(engine: Engine, target: Any, quiet: bool = True) -> dict[str, Any] | None:
    """The index of the store database's register, in place for ``target``; its metadata.

    None when the database has no register (the lookup then answers by capakey only).
    """
    figures = _publish_register(engine, target, quiet)
    return {k: figures[k] for k in META_KEYS} if figures else None


def _publish_register(engine: Engine, target: Any, quiet: bool) -> dict[str, Any] | None:
    with engine.connect() as conn:
        version = model.version(conn)
        if version is None:
            return None
        name = index.file_name(version)
        if hasattr(target, "root"):  # a directory target
            folder = Path(target.root) / "register"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            figures = _figures(path) if path.exists() else _build(conn, path, version, quiet)
            _prune_files(folder, keep=path)
            return {"index": name, **figures}
        with tempfile.TemporaryDirectory(prefix="vlok-register-") as tmp:
            stored = _stored(target.engine, name)
            if stored is not None:
                return {"index": name, **stored}
            path = Path(tmp) / name
            figures = _build(conn, path, version, quiet)
            _upload(target.engine, name, path, figures)
            return {"index": name, **figures}


def _build(conn: Any, path: Path, version: str, quiet: bool) -> dict[str, Any]:
    total = conn.execute(text("SELECT COUNT(*) FROM adresregister_adres")).scalar() or 0
    with stage("publish: address register index", total, quiet=quiet) as bar:
        figures = index.build(conn, path, version, progress=bar.advance)
    return figures


def _figures(path: Path) -> dict[str, Any]:
    import sqlite3

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        meta = dict(db.execute("SELECT key, value FROM meta"))
    finally:
        db.close()
    return {"addresses": int(meta["adressen"]), "streets": int(meta["straten"]),
            "places": int(meta["plaatsen"]), "reused": True, "bytes": path.stat().st_size}


def _prune_files(folder: Path, keep: Path) -> None:
    others = sorted((p for p in folder.glob("adresregister-*.sqlite") if p != keep),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[KEEP:]:
        old.unlink(missing_ok=True)


def _stored(engine: Engine, name: str) -> dict[str, Any] | None:
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {META}.register_index (name text, "
                          "part integer, data bytea NOT NULL, figures text, "
                          "created timestamptz NOT NULL DEFAULT now(), "
                          "PRIMARY KEY (name, part))"))
        row = conn.execute(text(f"SELECT figures FROM {META}.register_index WHERE name = :n "
                                "AND part = 0"), {"n": name}).first()
    if row is None:
        return None
    import json

    return {**json.loads(row[0]), "reused": True}


def _upload(engine: Engine, name: str, path: Path, figures: dict[str, Any]) -> None:
    """The file in parts, in one transaction; older versions but the last one dropped."""
    import json

    with engine.begin() as conn, path.open("rb") as f:
        part = 0
        while True:
            data = f.read(PART)
            if not data and part:
                break
            conn.execute(text(f"INSERT INTO {META}.register_index (name, part, data, figures) "
                              "VALUES (:n, :p, :d, :f)"),
                         {"n": name, "p": part, "d": data,
                          "f": json.dumps(figures) if part == 0 else None})
            part += 1
            if not data:
                break
        conn.execute(text(
            f"DELETE FROM {META}.register_index WHERE name <> :n AND name NOT IN ("
            f"SELECT name FROM {META}.register_index WHERE name <> :n AND part = 0 "
            "ORDER BY created DESC LIMIT 1)"), {"n": name})
