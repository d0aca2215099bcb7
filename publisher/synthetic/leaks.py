"""Search outputs for the planted canary values: files, directories, zips and HTTP bodies.

Used by tests on every output path. It searches raw bytes (and the members of zip files),
so a canary hidden in a GeoPackage page, a compressed download or a JSON escape is found.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from publisher.synthetic.people import canary_values


def _needles() -> list[bytes]:
    out = []
    for value in canary_values():
        out.append(value.encode("utf-8"))
        out.append(json.dumps(value)[1:-1].encode("ascii"))  # as JSON escapes it
        out.append(value.encode("utf-16-le"))
    return out


def canaries_in_bytes(data: bytes, where: str = "bytes") -> list[str]:
    """Which canaries occur in ``data`` (also inside it when it is a zip archive)."""
    found = [f"{where}: {n.decode('utf-8', errors='replace')!r}" for n in _needles() if n in data]
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                found += canaries_in_bytes(archive.read(name), f"{where}!{name}")
    return found


def canaries_in_path(path: Path) -> list[str]:
    """Which canaries occur in a file, or in any file below a directory."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    found: list[str] = []
    for file in files:
        found += canaries_in_bytes(file.read_bytes(), str(file))
    return found
