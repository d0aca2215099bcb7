"""The viewer's settings: ``basemap_url`` and ``basemap_attribution`` of ``config/settings.yaml``.

As every setting, ``VLOK_BASEMAP_URL`` / ``VLOK_BASEMAP_ATTRIBUTION`` override them; the defaults
(no basemap) work on a machine offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from publisher.config import load_settings


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
    """The basemap settings (YAML, overridden by ``VLOK_BASEMAP_URL``/``…_ATTRIBUTION``)."""
    settings = load_settings()
    return ViewerSettings(basemap_url=settings.basemap_url.strip(),
                          basemap_attribution=settings.basemap_attribution.strip())
