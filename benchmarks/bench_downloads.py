"""Time and peak memory of writing every download file, against ogr2ogr doing the same.

Run: ``.venv/bin/python benchmarks/bench_downloads.py --publication DIR`` on a publication
directory (``current.json`` and its GeoPackages). On a copy of the directory ``ogr2ogr``
first converts the same GeoPackages to
the same formats and subsets (GML 3.2, zipped Shapefile, CSV with X/Y, GeoPackage, GeoJSON;
per product and all together), one process per file as a script would; then ours runs in a
child process (so its peak RSS is its own). Target: ours ≤ 1.5× ogr2ogr's wall time.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, resource, sys, time
from pathlib import Path
from publisher.downloads import export_downloads
from publisher.publication.directory import DirectoryTarget
root = Path(sys.argv[1])
target = DirectoryTarget(root)
out = {}
for dataset in ("poi", "woningkwaliteitsbeleid"):
    current = target.current(dataset)
    if current is None:
        continue
    started = time.perf_counter()
    m = export_downloads(root, dataset, current.path, current.as_of, current.run_id, [])
    out[dataset] = round(time.perf_counter() - started, 2)
out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
out["bytes"] = sum(e["bytes"] for e in m["files"])
print(json.dumps(out))
"""

OGR_FORMATS = {
    "gml": ("GML", ".gml", ["-dsco", "FORMAT=GML3.2"]),
    "shapefile": ("ESRI Shapefile", ".shp.zip", ["-lco", "ENCODING=UTF-8"]),
    "csv": ("CSV", ".csv", ["-lco", "GEOMETRY=AS_XY", "-lco", "SEPARATOR=SEMICOLON"]),
    "geopackage": ("GPKG", ".gpkg", []),
    "geojson": ("GeoJSON", ".geojson", ["-t_srs", "OGC:CRS84"]),
}


def ogr2ogr_all(root: Path, out: Path) -> tuple[float, int]:
    """Convert every dataset/product to every format with ogr2ogr; (seconds, peak RSS MB)."""
    pointers = json.loads((root / "current.json").read_text())
    jobs = []
    for dataset, entry in pointers.items():
        src = str(root / entry["file"])
        subsets = [(dataset, None)]
        if dataset == "poi":
            import sqlite3

            with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as db:
                subsets += [(f"{dataset}-{p}", f"PRODUCT = '{p}'") for (p,) in db.execute(
                    'SELECT DISTINCT "PRODUCT" FROM poi')]
        for name, where in subsets:
            for fmt, (driver, suffix, opts) in OGR_FORMATS.items():
                cmd = ["ogr2ogr", "-f", driver, *opts, str(out / f"{name}-{fmt}{suffix}"),
                       src, dataset]
                if where:
                    cmd += ["-where", where]
                jobs.append(cmd)
    started = time.perf_counter()
    peak = 0
    for cmd in jobs:
        subprocess.run(cmd, check=True, capture_output=True)
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return time.perf_counter() - started, round(peak / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publication", required=True, type=Path,
                        help="publication directory (with current.json)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-downloads-"))
    try:
        copy = work / "publication"
        copy.mkdir()
        shutil.copy2(args.publication / "current.json", copy / "current.json")
        shutil.copytree(args.publication / "publications", copy / "publications")
        if (args.publication / "history.sqlite").exists():
            shutil.copy2(args.publication / "history.sqlite", copy / "history.sqlite")
        # ogr2ogr first: RUSAGE_CHILDREN's peak then covers only its processes
        ogr_out = work / "ogr2ogr"
        ogr_out.mkdir()
        ogr_wall, ogr_peak = ogr2ogr_all(copy, ogr_out)
        shutil.rmtree(ogr_out)
        started = time.perf_counter()
        child = subprocess.run([sys.executable, "-c", CHILD, str(copy)], check=True,
                               capture_output=True, text=True)
        ours_wall = time.perf_counter() - started
        ours = json.loads(child.stdout.strip().splitlines()[-1])
        print(json.dumps({
            "benchmark": "downloads", "publication": str(args.publication),
            "ours_seconds": round(ours_wall, 1), "ours_by_dataset_seconds": ours,
            "ours_peak_rss_mb": ours["peak_rss_mb"], "ours_bytes": ours["bytes"],
            "ogr2ogr_seconds": round(ogr_wall, 1), "ogr2ogr_peak_rss_mb": ogr_peak,
            "ratio_ours_over_ogr2ogr": round(ours_wall / ogr_wall, 2),
            "target_ratio": 1.5,
            "note": "ours also writes XSDs, change files, checksums and fsyncs",
        }, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
