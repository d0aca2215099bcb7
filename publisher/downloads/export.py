"""Write the day's download files of one dataset and publish them as a new set.

Called by the publish job right after its pointer switch, under its publication lock. Reads
the publication GeoPackage once, writes every format for every product (and for all products
together) into a staging directory, then seals the set with its manifest and switches
``downloads/latest`` (see :mod:`publisher.downloads.sets`).

The next run also calls it to complete a run that died after its switch, so an export must be
safe to repeat: a set already exported for the same run is kept as it is, and a day older
than the one ``latest`` serves gets its own dated set without moving ``latest`` back.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from publisher.downloads import naming, sets
from publisher.downloads.changes import Change, write_change_files
from publisher.downloads.ogr_writers import write_geopackage, write_shapefile_zip
from publisher.downloads.source import Layer, read_layer
from publisher.downloads.text_writers import write_csv, write_gml_and_geojson
from publisher.progress import log_event
from publisher.publication.xsd import application_schema

MANIFEST_VERSION = 1


def _entry(stage: Path, name: str, layer: Layer, product: str | None, fmt: str,
           generated_at: str, run_id: str, features: int | None) -> dict[str, Any]:
    size, sha = sets.file_digest(stage / name)
    return {"name": name, "dataset": layer.dataset, "product": product, "format": fmt,
            "media_type": naming.FORMATS[fmt].media_type, "crs": naming.CRS[fmt],
            "features": features, "bytes": size, "sha256": sha, "generated_at": generated_at,
            "as_of": layer.as_of.isoformat(), "run_id": run_id}


def _write_features(layer: Layer, stage: Path, generated_at: str
                    ) -> list[tuple[str, str | None, str, int | None]]:
    """Every feature file, schema and CSV column-type file: (name, product, format, count)."""
    keys: list[str | None] = [None, *layer.products]
    counts = {key: len(layer.selection(key)) for key in keys}
    name = {(k, f): naming.file_name(layer.dataset, k, layer.as_of, f)
            for k in keys for f in naming.FEATURE_FORMATS}
    schemas = {k: naming.schema_name(layer.dataset, k, layer.as_of) for k in keys}
    xsd = application_schema([layer.mapping], version=layer.mapping.digest)
    for schema in schemas.values():
        (stage / schema).write_bytes(xsd)
    write_gml_and_geojson(layer, {k: stage / name[k, "gml"] for k in keys},
                          {k: stage / name[k, "geojson"] for k in keys}, schemas, generated_at)
    csvts = {k: naming.csvt_name(layer.dataset, k, layer.as_of) for k in keys}
    write_csv(layer, {k: stage / name[k, "csv"] for k in keys},
              {k: stage / csvts[k] for k in keys})
    for key in keys:
        rows = layer.selection(key)
        write_shapefile_zip(layer, rows, stage / name[key, "shapefile"],
                            naming.stem(layer.dataset, key, layer.as_of))
        write_geopackage(layer, rows, stage / name[key, "geopackage"])
    return [(name[k, f], k, f, counts[k]) for k in keys for f in naming.FEATURE_FORMATS] + [
        (schemas[k], k, "xsd", None) for k in keys] + [
        (csvts[k], k, "csvt", None) for k in keys]


def _exported(set_dir: Path | None, dataset: str, run_id: str) -> dict[str, Any] | None:
    """The manifest of ``set_dir`` if it already holds ``run_id``'s files of ``dataset``."""
    manifest = sets.read_manifest(set_dir) if set_dir else {}
    done = manifest.get("datasets", {}).get(dataset, {}).get("run_id") == run_id
    return manifest if done else None


def export_downloads(publication_root: Path, dataset: str, gpkg_path: Path, as_of: date,
                     run_id: str, changes: list[Change], *, quiet: bool = True,
                     previous_run_id: str | None = None, previous_as_of: str | None = None
                     ) -> dict[str, Any]:
    """Write all download files of ``dataset`` as of ``as_of`` and make them the served set.

    Parameters
    ----------
    publication_root
        The publication directory (``downloads/`` is created inside it).
    dataset
        ``poi`` or ``woningkwaliteitsbeleid``; also the feature table's name.
    gpkg_path
        The publication file just switched to (read only).
    as_of, run_id
        The run's as-of date and identifier, written into names and the manifest.
    changes
        (product, identifier, 'added'|'removed') of the run, for the change files.
    quiet
        No structured log lines on stderr when True.
    previous_run_id, previous_as_of
        The publication the change set is relative to, written into the change file and its
        manifest entries so a consumer can tell that no day is missing.

    Returns
    -------
    dict
        The manifest of the new set (also at ``downloads/latest/manifest.json``).
    """
    started = time.perf_counter()
    root = Path(publication_root)
    previous = sets.latest_dir(root)
    for set_dir in (previous, sets.day_dir(root, as_of)):
        if (done := _exported(set_dir, dataset, run_id)) is not None:
            return done  # a resumed run whose set was complete before it died
    generated_at = datetime.now(UTC).isoformat(timespec="seconds")
    layer = read_layer(Path(gpkg_path), dataset)
    if layer.as_of != as_of:
        raise ValueError(f"{gpkg_path} is as of {layer.as_of}, not {as_of}")
    stage = sets.new_staging(root, run_id)
    written = _write_features(layer, stage, generated_at)
    entries = [_entry(stage, n, layer, p, f, generated_at, run_id, c) for n, p, f, c in written]
    change_names = {f: naming.changes_name(dataset, as_of, f)
                    for f in ("changes-json", "changes-csv")}
    n_changes = write_change_files(changes, dataset, as_of, run_id, generated_at,
                                   stage / change_names["changes-json"],
                                   stage / change_names["changes-csv"],
                                   previous_run_id, previous_as_of)
    for fmt, name in change_names.items():
        entries.append({**_entry(stage, name, layer, None, fmt, generated_at, run_id, None),
                        "changes": n_changes, "previous_run_id": previous_run_id,
                        "previous_as_of": previous_as_of})
    before = sets.read_manifest(previous) if previous else {}
    served = before.get("datasets", {}).get(dataset, {}).get("as_of")
    older = served is not None and served > as_of.isoformat()
    kept = [e for e in before.get("files", []) if e["dataset"] != dataset]
    if previous is not None:
        sets.carry_over(previous, stage, [e["name"] for e in kept])
    datasets = {k: v for k, v in before.get("datasets", {}).items() if k != dataset}
    datasets[dataset] = {"as_of": as_of.isoformat(), "run_id": run_id,
                         "previous_run_id": previous_run_id,
                         "generated_at": generated_at, "counts": layer.meta.get("counts", {}),
                         "features": len(layer)}
    set_date = as_of if older else max(date.fromisoformat(d["as_of"])
                                       for d in datasets.values())
    manifest = {"version": MANIFEST_VERSION, "set": f"{set_date.isoformat()}-{run_id}",
                "set_date": set_date.isoformat(), "generated_at": generated_at,
                "catalog": "catalog.jsonld", "datasets": dict(sorted(datasets.items())),
                "files": sorted(kept + entries, key=lambda e: (e["dataset"], e["name"]))}
    sets.seal_and_switch(root, stage, manifest, set_date, run_id, switch_latest=not older)
    if not quiet:
        log_event("downloads.done", dataset=dataset, as_of=as_of.isoformat(), run_id=run_id,
                  files=len(entries), seconds=round(time.perf_counter() - started, 2))
    return manifest


def prune_downloads(root: Path, keep_days: int, today: date) -> int:
    """Remove download sets older than ``keep_days`` (never the served one); return how many.

    ``root`` is the publication directory, as for :func:`export_downloads`.
    """
    return sets.prune(Path(root), keep_days, today)
