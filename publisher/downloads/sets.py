"""Download sets on disk: staged, sealed with a manifest, switched by symlink, pruned.

Layout under ``<publication_root>/downloads/``::

    latest -> sets/<set>          what /downloads serves (a symlink, replaced by os.replace)
    2026-11-23 -> sets/<set>      one symlink per set date: /downloads/2026-11-23/<file>
    sets/<date>-<run_id>/         complete sets, never modified: files + manifest.json
    .staging/<run_id>-<pid>/      a set being written; nobody reads it

A set holds every download of every dataset as it stood after one export (the dataset just
exported, plus hard links to the other datasets' files of the previous set), so one
``manifest.json`` describes everything served. Its name is the latest as-of date in it.

Why it is safe to kill an export at any moment: files are written only inside the staging
directory; the manifest is written last; the directory is renamed into ``sets/`` only when
complete and fsynced, and the two symlinks are switched after that, each with one
``os.replace``. Until the ``latest`` switch readers see the previous set, whole; after it the
new one, whole. Leftovers (a staging directory, a set no symlink names) are removed by the
next export or :func:`prune`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from publisher.publication.directory import fsync_path

MANIFEST = "manifest.json"
LATEST = "latest"


def downloads_root(publication_root: Path) -> Path:
    """``<publication_root>/downloads``."""
    return Path(publication_root) / "downloads"


def latest_dir(publication_root: Path) -> Path | None:
    """The directory of the set served now, or None before the first export."""
    link = downloads_root(publication_root) / LATEST
    try:
        return link.resolve(strict=True)
    except (FileNotFoundError, RuntimeError):
        return None


def day_dir(publication_root: Path, day: date) -> Path | None:
    """The directory of the set served at ``/downloads/<day>/``, or None."""
    link = downloads_root(publication_root) / day.isoformat()
    try:
        return link.resolve(strict=True)
    except (FileNotFoundError, RuntimeError):
        return None


def read_manifest(set_dir: Path) -> dict[str, Any]:
    """The manifest of a set (empty dict when there is none)."""
    try:
        return json.loads((set_dir / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def file_digest(path: Path) -> tuple[int, str]:
    """Size and sha256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
            size += len(block)
    return size, h.hexdigest()


def new_staging(publication_root: Path, run_id: str) -> Path:
    """A fresh staging directory; stale ones from killed exports are removed first.

    The publish job calls the export under its publication lock, so any other staging
    directory belongs to a run that no longer exists.
    """
    staging = downloads_root(publication_root) / ".staging"
    staging.mkdir(parents=True, exist_ok=True)
    for stale in staging.iterdir():
        shutil.rmtree(stale, ignore_errors=True)
    path = staging / f"{run_id}-{os.getpid()}"
    path.mkdir()
    return path


def carry_over(previous: Path, stage: Path, names: list[str]) -> None:
    """Hard-link the unchanged files of the previous set into the new one (copy if needed)."""
    for name in names:
        try:
            os.link(previous / name, stage / name)
        except OSError:
            shutil.copy2(previous / name, stage / name)


def _symlink(link: Path, target: str) -> None:
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def seal_and_switch(publication_root: Path, stage: Path, manifest: dict[str, Any],
                    set_date: date, run_id: str, switch_latest: bool = True) -> Path:
    """Write the manifest, move the staged set into place and switch ``latest`` to it.

    ``switch_latest`` False only switches the day's symlink: a day completed late must not
    replace a newer set. A set directory of the same name left by an export killed before its
    symlinks moved is replaced (it is not served: the caller checked).
    """
    root = downloads_root(publication_root)
    for path in stage.iterdir():
        fsync_path(path)
    data = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False).encode()
    (stage / MANIFEST).write_bytes(data)
    fsync_path(stage / MANIFEST)
    fsync_path(stage)
    sets = root / "sets"
    sets.mkdir(exist_ok=True)
    final = sets / f"{set_date.isoformat()}-{run_id}"
    if final.exists():
        shutil.rmtree(final)
    os.replace(stage, final)
    fsync_path(sets)
    _symlink(root / set_date.isoformat(), f"sets/{final.name}")
    if switch_latest:
        _symlink(root / LATEST, f"sets/{final.name}")
    fsync_path(root)
    return final


def prune(publication_root: Path, keep_days: int, today: date) -> int:
    """Remove sets older than ``keep_days`` and any set no symlink names; never ``latest``.

    Returns the number of set directories removed.
    """
    root = downloads_root(publication_root)
    if not root.exists():
        return 0
    cutoff = today - timedelta(days=keep_days)
    served = latest_dir(publication_root)
    referenced: set[Path] = set()
    for link in root.iterdir():
        if not link.is_symlink() or link.name == LATEST:
            continue
        target = link.resolve()
        try:
            too_old = date.fromisoformat(link.name) < cutoff
        except ValueError:
            continue
        if not target.exists() or (too_old and target != served):
            link.unlink()
        else:
            referenced.add(target)
    removed = 0
    for set_dir in (root / "sets").glob("*") if (root / "sets").exists() else ():
        if set_dir.resolve() not in referenced and set_dir.resolve() != served:
            shutil.rmtree(set_dir, ignore_errors=True)
            removed += 1
    return removed
