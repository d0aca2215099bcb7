"""A framework-free response: what operations return and the ASGI adapter sends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Response:
    """Status, media type and a body that is either bytes or a generator of bytes."""

    status: int
    media_type: str
    body: bytes | Iterator[bytes]
    headers: dict[str, str] = field(default_factory=dict)
