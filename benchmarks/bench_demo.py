"""Build the ``flanders`` demo into a fresh SQLite store; print wall time and peak memory.

Run: ``make bench-demo`` (or ``.venv/bin/python benchmarks/bench_demo.py [--scale N]``).
Target on the 2-core reference machine: under 3 minutes and under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from publisher.store import models as m
from publisher.store.db import open_engine
from publisher.synthetic.generator import build_demo, parse_scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="flanders")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--until", default="2026-11-23")
    parser.add_argument("--keep", help="write the store here instead of a temporary file")
    args = parser.parse_args()
    target = Path(args.keep) if args.keep else Path(tempfile.mkdtemp()) / "vlok.sqlite"
    target.unlink(missing_ok=True)
    engine = open_engine(f"sqlite:///{target}")
    started = time.perf_counter()
    summary = build_demo(engine, units=parse_scale(args.scale), seed=args.seed,
                         until=date.fromisoformat(args.until), quiet=not sys.stderr.isatty())
    wall = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with engine.connect() as conn:
        rows = {t.name: conn.scalar(select(func.count()).select_from(t))
                for t in m.Base.metadata.sorted_tables}
    print(json.dumps({
        "benchmark": "demo", "scale": args.scale, "wall_seconds": round(wall, 1),
        "peak_rss_mb": round(peak_mb), "store_mb": round(target.stat().st_size / 2**20),
        "units": summary.units, "buildings": summary.buildings,
        "valid_cas": summary.valid_cas, "on_vivoo": summary.on_vivoo,
        "open_claims": summary.open_claims, "rows": rows, "total_rows": sum(rows.values()),
    }, indent=2))


if __name__ == "__main__":
    main()
