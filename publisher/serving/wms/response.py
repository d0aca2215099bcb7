"""A framework-free response: what operations return and the ASGI adapter sends."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Response:
    """Status, media type, body bytes and headers."""

    status: int
    media_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
