"""The daily change files: which identifiers appeared and disappeared, per product.

A user who mirrors the data applies one small file a day instead of downloading everything;
the same change sets are served for any period by ``/api/v1/changes?since=`` from the run
history. Both files list the same rows, sorted by product, change and identifier.

The JSON file (and the manifest entry of both files) names the run it belongs to and the run
and as-of date its changes are relative to (``previous_run_id``, ``previous_as_of``), so a
consumer who applies the files in order can check that each one starts where the last ended.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

Change = tuple[str, str, str]


def id_column(dataset: str) -> str:
    """Name of the identifier column (POID for POI; the policy identity otherwise)."""
    return "POID" if dataset == "poi" else "ID"


def write_change_files(changes: list[Change], dataset: str, as_of: date, run_id: str,
                       generated_at: str, json_path: Path, csv_path: Path,
                       previous_run_id: str | None = None,
                       previous_as_of: str | None = None) -> int:
    """Write the JSON and CSV change file of one run; return the number of changes.

    ``previous_run_id`` and ``previous_as_of`` name the publication the changes are relative
    to (None for the first publication, whose changes add everything).
    """
    ordered = sorted(changes, key=lambda c: (c[0], c[2], c[1]))
    products: dict[str, dict[str, list[str]]] = {}
    for product, ident, change in ordered:
        products.setdefault(product, {"added": [], "removed": []})[change].append(ident)
    doc = {"dataset": dataset, "as_of": as_of.isoformat(), "run_id": run_id,
           "previous_run_id": previous_run_id, "previous_as_of": previous_as_of,
           "generated_at": generated_at, "id_field": id_column(dataset),
           "counts": {p: {k: len(v) for k, v in c.items()} for p, c in products.items()},
           "changes": products}
    json_path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(["PRODUCT", id_column(dataset), "WIJZIGING", "PEILDATUM"])
        writer.writerows((p, i, c, as_of.isoformat()) for p, i, c in ordered)
    return len(ordered)
