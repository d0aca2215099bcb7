"""The viewer's settings, read from the environment (defaults work on a machine offline).

Why not in ``config/settings.yaml`` yet: these two keys belong to the viewer alone; they can move
into :class:`publisher.config.Settings` without changing their environment names.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class ViewerSettings:
    """Basemap of the citizen map."""

    #: Leaflet tile URL template (``{z}/{x}/{y}``, optional ``{s}``); empty = no basemap, the
    #: map then draws municipality outlines on a plain background. Production: the GRB WMTS
    #: (``VLOK_BASEMAP_URL``).
    basemap_url: str = ""
    #: Attribution shown under the basemap (``VLOK_BASEMAP_ATTRIBUTION``).
    basemap_attribution: str = ""

    @property
    def basemap_origin(self) -> str:
        """Origin the page may load tiles from (for the Content-Security-Policy); '' if none."""
        if not self.basemap_url:
            return ""
        parts = urlsplit(self.basemap_url.replace("{s}", "SUB"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return ""
        host = re.sub(r"^SUB\.", "*.", parts.netloc)
        return f"{parts.scheme}://{host}"


def load_viewer_settings() -> ViewerSettings:
    """Settings from ``VLOK_BASEMAP_URL`` and ``VLOK_BASEMAP_ATTRIBUTION``."""
    return ViewerSettings(
        basemap_url=os.environ.get("VLOK_BASEMAP_URL", "").strip(),
        basemap_attribution=os.environ.get("VLOK_BASEMAP_ATTRIBUTION", "").strip())
