"""Address register figures: its size, its search index (build time, size), search latency.

Usage::

    .venv/bin/vlok-publisher demo --scale flanders --store sqlite:////tmp/addr-flanders.sqlite
    .venv/bin/python benchmarks/bench_address_search.py \\
        --store sqlite:////tmp/addr-flanders.sqlite [--queries 2000]
    .venv/bin/python benchmarks/bench_address_search.py --generate flanders

``--generate SCALE`` times the register generator alone (``build_register`` into a fresh
SQLite file, without VLOK's buildings: every street is a register street).

Builds the FTS5 index the publish job builds (``publisher.register.index.build``) into a
temporary directory, then times what one keystroke of the viewer's search and one lookup
question cost in-process (the index's queries, no HTTP): partial street names (3 to 6
letters), street + house number, municipality, postcode, deelgemeente, abbreviations, and the
lookup's exact recognition of a full address. Queries are drawn with a fixed seed from the
register itself. Prints p50/p99/max per kind in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from publisher.register import index, model
from publisher.serving.lookup.register import RegisterIndex, parse


def _percentiles(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    return (f"p50 {statistics.median(ms):7.3f} ms   p99 {p(0.99):7.3f} ms   "
            f"max {ms[-1]:7.3f} ms   (n={len(ms)})")


def _queries(db, rng: random.Random, n: int) -> dict[str, list[str]]:
    streets = db.execute("SELECT naam, postcode, gemeente FROM straat").fetchall()
    places = db.execute("SELECT soort, naam, postcode FROM plaats").fetchall()
    picks = [rng.choice(streets) for _ in range(n)]
    numbers = [str(rng.randint(1, 120)) for _ in range(n)]
    return {
        "partial street (3-6 letters)": [s[0].split()[-1][:rng.randint(3, 6)] for s in picks],
        "street + number": [f"{s[0]} {nr}" for s, nr in zip(picks, numbers, strict=True)],
        "street + number + postcode": [f"{s[0]} {nr}, {s[1]}"
                                       for s, nr in zip(picks, numbers, strict=True)],
        "abbreviation (…str.)": [s[0].replace("straat", "str.") for s in picks
                                 if "straat" in s[0]][:n],
        "municipality": [p[1] for p in places if p[0] == "gemeente"],
        "postcode": sorted({p[2] for p in places if p[2]}),
        "deelgemeente": [p[1] for p in places if p[0] == "deelgemeente"],
    }


def _generate(scale: str) -> None:
    from publisher.synthetic.generator import parse_scale
    from publisher.synthetic.register import RegisterPlan, build_register

    with tempfile.TemporaryDirectory(prefix="bench-register-") as tmp:
        engine = create_engine(f"sqlite:///{tmp}/register.sqlite")
        started = time.perf_counter()
        with engine.begin() as conn:
            n = build_register(conn, RegisterPlan(), parse_scale(scale), seed=42)
        seconds = time.perf_counter() - started
        size = Path(tmp, "register.sqlite").stat().st_size
        print(f"generated: {n:,} register addresses in {seconds:.1f} s "
              f"({n / seconds:,.0f}/s), {size / 1e6:,.1f} MB of SQLite")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", help="database URL holding the register")
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--index", type=Path, help="keep the built index at this path, or reuse "
                                               "it when it exists (latency only)")
    ap.add_argument("--generate", metavar="SCALE", help="time the register generator alone")
    args = ap.parse_args()
    if args.generate:
        _generate(args.generate)
        return
    engine = create_engine(args.store)
    with engine.connect() as conn:
        version = model.version(conn)
        if version is None:
            raise SystemExit(f"{args.store} holds no address register (run the demo first)")
        n = conn.execute(text("SELECT COUNT(*) FROM adresregister_adres")).scalar()
        vlok = conn.execute(text("SELECT COUNT(*) FROM address")).scalar()
        print(f"register: {n:,} addresses, {vlok:,} of them VLOK's ({vlok / n:.1%})")
        with tempfile.TemporaryDirectory(prefix="bench-register-") as tmp:
            path = args.index or Path(tmp) / index.file_name(version)
            if path.exists():
                print(f"index: reusing {path}, {path.stat().st_size / 1e6:,.1f} MB")
            else:
                started = time.perf_counter()
                figures = index.build(conn, path, version)
                built = time.perf_counter() - started
                print(f"index: built in {built:.1f} s, {path.stat().st_size / 1e6:,.1f} MB, "
                      f"{figures['streets']:,} streets, {figures['places']:,} places")
            register = RegisterIndex(path)
            rng = random.Random(20261206)
            queries = _queries(register.db(), rng, args.queries)
            for kind, texts in queries.items():
                times = []
                for q in texts:
                    parsed = parse(q)
                    t = time.perf_counter()
                    if parsed.number:
                        register.numbers(parsed, 10)
                    else:
                        register.places(parsed, 10)
                        register.streets(parsed)
                    times.append(time.perf_counter() - t)
                print(f"search {kind:<30} {_percentiles(times)}")
            times, hits = [], 0
            for q in queries["street + number + postcode"]:
                t = time.perf_counter()
                hits += bool(register.recognise(q))
                times.append(time.perf_counter() - t)
            print(f"lookup {'recognise full address':<30} {_percentiles(times)}   "
                  f"recognised {hits / len(times):.0%}")


if __name__ == "__main__":
    main()
