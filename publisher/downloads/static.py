"""Serve one immutable download file: validators, byte ranges and gzip, framework-free.

:func:`plan` turns the request headers and the file's facts into what to send (status,
headers, byte range, whether to gzip); the Starlette adapter in
:mod:`publisher.downloads.routes` only streams it. Rules, after RFC 9110:

* ``ETag`` is the file's sha256 from the manifest (strong, and the same for the same bytes
  across days, so a CDN or ``curl -z`` never re-downloads unchanged content); the gzip variant
  carries ``"<sha>-gzip"`` and ``Vary: Accept-Encoding``.
* ``If-None-Match`` (weak comparison) wins over ``If-Modified-Since``; a match is a 304.
* One ``Range: bytes=`` range gives a 206 with ``Content-Range``; an unsatisfiable one 416;
  several ranges, or an ``If-Range`` that does not match, get the whole file (allowed).
  Ranges are served unencoded: a resumable download wants the stored bytes.
* gzip only for text formats and only when ``Accept-Encoding`` allows it; zip and GeoPackage
  files are sent as they are (compressing them again costs CPU and gains nothing).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import BinaryIO

CHUNK = 256 * 1024
GZIP_LEVEL = 6
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass
class FileFacts:
    """What the server knows about a file before reading it."""

    size: int
    sha256: str
    mtime: float
    media_type: str
    compressible: bool
    cache_control: str = "public, max-age=300"


@dataclass
class Plan:
    """What to send: status, headers and, for a body, which bytes and how."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    start: int = 0
    end: int = -1  # inclusive; -1 = no body
    gzip: bool = False


def _accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.split(","):
        token, _, params = part.strip().partition(";")
        if token.strip().lower() in ("gzip", "x-gzip", "*"):
            q = re.search(r"q\s*=\s*([0-9.]+)", params)
            return not q or float(q.group(1)) > 0
    return False


def _etag_matches(header: str, etags: tuple[str, ...]) -> bool:
    if header.strip() == "*":
        return True
    weak = {t.strip().removeprefix("W/") for t in header.split(",")}
    return any(e in weak for e in etags)


def _not_modified_since(header: str, mtime: float) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return int(mtime) <= since.timestamp()


def _byte_range(header: str, size: int) -> tuple[int, int] | str | None:
    """(start, end) inclusive, None to ignore the header, or "unsatisfiable"."""
    m = _RANGE.match(header.replace(" ", ""))
    if not m or (not m.group(1) and not m.group(2)):
        return None
    first, last = m.group(1), m.group(2)
    if not first:
        length = int(last)
        if length == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "unsatisfiable"
    return start, end


def plan(method: str, headers: dict[str, str], facts: FileFacts) -> Plan:
    """Decide the response to a GET/HEAD of a file from the request headers (lower-case)."""
    etag = f'"{facts.sha256}"'
    gz_etag = f'"{facts.sha256}-gzip"'
    use_gzip = facts.compressible and _accepts_gzip(headers.get("accept-encoding", ""))
    base = {"Last-Modified": format_datetime(datetime.fromtimestamp(int(facts.mtime), UTC),
                                             usegmt=True),
            "Cache-Control": facts.cache_control, "Accept-Ranges": "bytes"}
    if facts.compressible:
        base["Vary"] = "Accept-Encoding"
    inm = headers.get("if-none-match")
    if inm is not None:
        if _etag_matches(inm, (etag, gz_etag)):
            return Plan(304, {**base, "ETag": gz_etag if use_gzip else etag})
    elif "if-modified-since" in headers and _not_modified_since(headers["if-modified-since"],
                                                                facts.mtime):
        return Plan(304, {**base, "ETag": gz_etag if use_gzip else etag})
    body = method != "HEAD"
    wanted = headers.get("range")
    if wanted and "if-range" in headers:
        if_range = headers["if-range"].strip()
        if if_range != etag and not (not if_range.startswith(('"', "W/"))
                                     and _not_modified_since(if_range, facts.mtime)):
            wanted = None
    if wanted:
        rng = _byte_range(wanted, facts.size)
        if rng == "unsatisfiable":
            return Plan(416, {**base, "ETag": etag, "Content-Range": f"bytes */{facts.size}",
                              "Content-Length": "0"})
        if isinstance(rng, tuple):
            start, end = rng
            return Plan(206, {**base, "ETag": etag, "Content-Type": facts.media_type,
                              "Content-Range": f"bytes {start}-{end}/{facts.size}",
                              "Content-Length": str(end - start + 1)},
                        start, end if body else -1)
    if use_gzip:
        return Plan(200, {**base, "ETag": gz_etag, "Content-Type": facts.media_type,
                          "Content-Encoding": "gzip"}, 0, facts.size - 1 if body else -1,
                    gzip=True)
    return Plan(200, {**base, "ETag": etag, "Content-Type": facts.media_type,
                      "Content-Length": str(facts.size)}, 0, facts.size - 1 if body else -1)


def read_range(fh: BinaryIO, start: int, end: int) -> Iterator[bytes]:
    """The bytes ``start``..``end`` (inclusive) of an open file, in chunks."""
    fh.seek(start)
    left = end - start + 1
    try:
        while left > 0:
            block = fh.read(min(CHUNK, left))
            if not block:
                break
            left -= len(block)
            yield block
    finally:
        fh.close()


def gzipped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Compress a byte stream as one gzip member, chunk by chunk (constant memory)."""
    z = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    for chunk in chunks:
        out = z.compress(chunk)
        if out:
            yield out
    yield z.flush()
