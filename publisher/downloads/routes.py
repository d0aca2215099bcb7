"""Starlette routes for the downloads and the change API: thin adapters over plain functions.

``/downloads``                  Dutch HTML index
``/downloads/manifest.json``    the served set's manifest
``/downloads/catalog.jsonld``   DCAT-AP catalogue
``/downloads/<file>``           a file of the served set
``/downloads/<date>/<file>``    a file of an older set (kept for the retention period)
``/api/v1/changes?since=D``     change sets of every run with an as-of date after D

Only names listed in a set's manifest are served, so no request can reach another path.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from publisher.downloads import naming, sets
from publisher.downloads.catalog import build_catalog
from publisher.downloads.index_page import render_index
from publisher.downloads.static import FileFacts, gzipped, plan, read_range
from publisher.publication.directory import DirectoryTarget

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATASETS = (naming.POI, naming.POLICY)


def problem(status: int, title: str, detail: str, instance: str) -> JSONResponse:
    """An RFC 7807 problem document."""
    return JSONResponse({"type": "about:blank", "title": title, "status": status,
                         "detail": detail, "instance": instance}, status_code=status,
                        media_type="application/problem+json")


class _Sets:
    """Manifests of served sets, re-read only when the ``latest`` symlink moves."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[Path, dict[str, Any]] = {}

    def resolve(self, day: str | None) -> Path | None:
        link = sets.downloads_root(self.root) / (day or sets.LATEST)
        try:
            return link.resolve(strict=True)
        except (FileNotFoundError, RuntimeError):
            return None

    def manifest(self, set_dir: Path | None) -> dict[str, Any]:
        if set_dir is None:
            return {}
        if set_dir not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[set_dir] = sets.read_manifest(set_dir)
        return self._cache[set_dir]


#: How a file body is sent: ``stream(chunks, refused, surface=…, status_code=…, headers=…)``.
#: The serving app passes its worker-wide gate's ``stream`` (serving.streaming.StreamGate),
#: which caps the files sent at once; alone, a plain streaming response.
Streamer = Callable[..., Response]


def _plain_stream(content: Iterator[bytes], refused: Callable[[], Response], *, surface: str,
                  status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return StreamingResponse(content, status_code=status_code, headers=headers)


def _serve(request: Request, set_dir: Path, entry: dict[str, Any], dated: bool,
           stream: Streamer = _plain_stream) -> Response:
    path = set_dir / entry["name"]
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        return problem(404, "Niet gevonden", f"{entry['name']} is no longer kept", request.url.path)
    st = os.fstat(fh.fileno())
    facts = FileFacts(size=st.st_size, sha256=entry["sha256"], mtime=st.st_mtime,
                      media_type=entry["media_type"],
                      compressible=naming.FORMATS[entry["format"]].compressible,
                      cache_control="public, max-age=86400" if dated
                      else "public, max-age=300")
    decided = plan(request.method, {k.lower(): v for k, v in request.headers.items()}, facts)
    decided.headers["Content-Disposition"] = f'attachment; filename="{entry["name"]}"'
    if decided.end < 0 and not (decided.status == 200 and facts.size == 0):
        fh.close()
        return Response(status_code=decided.status, headers=decided.headers)
    chunks = read_range(fh, decided.start, decided.end)
    body = gzipped(chunks) if decided.gzip else chunks
    return stream(body, lambda: problem(503, "Te veel downloads tegelijk",
                                        "too many downloads in progress on this server; "
                                        "retry shortly", request.url.path),
                  surface="downloads", status_code=decided.status, headers=decided.headers)


def routes(publication_root: Path, history: Any | None = None,
           stream: Streamer = _plain_stream) -> list[BaseRoute]:
    """The download and change routes over ``publication_root`` (mount at the app root).

    ``stream`` sends each file's body (see :data:`Streamer`).
    """
    root = Path(publication_root)
    served = _Sets(root)
    target: list[Any] = []  # what answers changes_since(since, dataset)

    async def index(request: Request) -> Response:
        return HTMLResponse(render_index(served.manifest(served.resolve(None))))

    async def manifest(request: Request) -> Response:
        set_dir = served.resolve(None)
        if set_dir is None:
            return problem(404, "Nog geen downloads", "no download set has been published",
                           request.url.path)
        entry = {"name": sets.MANIFEST, "sha256": "", "media_type": "application/json",
                 "format": "changes-json"}
        size, sha = sets.file_digest(set_dir / sets.MANIFEST)
        return _serve(request, set_dir, {**entry, "sha256": sha, "bytes": size}, dated=False)

    async def catalog(request: Request) -> Response:
        body = build_catalog(served.manifest(served.resolve(None)),
                             str(request.base_url).rstrip("/"))
        return JSONResponse(body, media_type="application/ld+json")

    async def file(request: Request) -> Response:
        day = request.path_params.get("day")
        name = request.path_params["name"]
        if day is not None and not _DATE.match(day):
            return problem(404, "Niet gevonden", f"no download set {day!r}", request.url.path)
        set_dir = served.resolve(day)
        entry = next((e for e in served.manifest(set_dir).get("files", [])
                      if e["name"] == name), None)
        if set_dir is None or entry is None:
            return problem(404, "Niet gevonden", f"no download file {name!r}", request.url.path)
        return _serve(request, set_dir, entry, dated=day is not None, stream=stream)

    async def changes(request: Request) -> Response:
        raw = request.query_params.get("since")
        dataset = request.query_params.get("dataset", naming.POI)
        try:
            if raw is None or not _DATE.match(raw):
                raise ValueError
            since = date.fromisoformat(raw)
        except ValueError:
            return problem(400, "Ongeldige datum",
                           f"since must be a date YYYY-MM-DD, got {raw!r}", request.url.path)
        if dataset not in DATASETS:
            return problem(400, "Onbekende dataset",
                           f"dataset must be one of {', '.join(DATASETS)}, got {dataset!r}",
                           request.url.path)
        if not target:
            target.append(history or DirectoryTarget(root))
        runs = target[0].changes_since(since, dataset)
        body = json.dumps({"dataset": dataset, "since": since.isoformat(), "runs": runs},
                          ensure_ascii=False).encode()
        return Response(body, media_type="application/json")

    return [
        Route("/downloads", index, methods=["GET", "HEAD"]),
        Route("/downloads/", index, methods=["GET", "HEAD"]),
        Route("/downloads/manifest.json", manifest, methods=["GET", "HEAD"]),
        Route("/downloads/catalog.jsonld", catalog, methods=["GET", "HEAD"]),
        Route("/downloads/{name}", file, methods=["GET", "HEAD"]),
        Route("/downloads/{day}/{name}", file, methods=["GET", "HEAD"]),
        Route("/api/v1/changes", changes, methods=["GET"]),
    ]
