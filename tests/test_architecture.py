"""Arrows go downhill: each stage imports only the stages before it (STYLE.md, issue 12).

Data flows store → rules → extract → publication → downloads → serving, with the public
address register (``register``, a source of its own) before all of them; the CLI's commands
sit above all of them and ``cli`` above the commands. A serving module that imported the
store would let a request reach the VLOK procedure data; a command importing ``cli`` made an
import circle. Shared vocabulary (errors, config, the mapping, identifiers, progress) may be
imported by anyone.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "publisher"
#: The stages in the order data flows; each may import only those listed before it.
ORDER = ["register", "store", "rules", "extract", "publication", "downloads", "serving",
         "commands", "cli"]
SHARED = {"errors", "config", "mapping", "identifiers", "progress"}
#: The synthetic demo generator writes a store with the rules' help; only commands use it.
#: It also writes the synthetic address register.
EXTRA = {"synthetic": {"store", "rules", "register"}}


def imports_between_parts() -> dict[str, set[str]]:
    """Which top-level parts of ``publisher`` each part imports (at any depth in a module)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        if "node_modules" in path.parts:
            continue
        part = path.relative_to(PACKAGE).with_suffix("").parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                bits = name.split(".")
                if bits[0] == "publisher" and len(bits) > 1 and bits[1] != part:
                    edges[part].add(bits[1])
    return edges


def test_every_stage_imports_only_the_stages_before_it():
    edges = imports_between_parts()
    uphill = []
    for part, targets in edges.items():
        if part in ORDER:
            allowed = set(ORDER[:ORDER.index(part)]) | SHARED | (
                {"synthetic"} if part == "commands" else set())
        else:
            allowed = SHARED | EXTRA.get(part, set()) | ({"cli"} if part == "__main__" else set())
        uphill += [f"{part} → {target}" for target in sorted(targets - allowed)]
    assert not uphill, f"imports against the flow: {uphill}"


def test_serving_never_reads_the_store_or_the_extract_stage():
    assert not imports_between_parts()["serving"] & {"store", "rules", "extract", "commands"}
