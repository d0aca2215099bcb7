"""Render the viewer page: counts, date, service URLs and settings filled into one template.

Why :class:`string.Template` and not a template engine: one page with a dozen values does not
justify a dependency; every value is HTML-escaped here, and the data the script needs travels
as JSON in a ``<script type="application/json">`` block (no inline code, so a strict
Content-Security-Policy can forbid inline scripts).
"""

from __future__ import annotations

import json
from datetime import date
from html import escape
from pathlib import Path
from string import Template

from publisher.serving.publications import Publication
from publisher.serving.viewer.settings import ViewerSettings
from publisher.serving.viewer.texts import ABSENCE, ORDER, PRODUCTS, SOURCE

TEMPLATE = Path(__file__).resolve().parent / "templates" / "index.html"
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")


def dutch_date(d: date) -> str:
    """``23 november 2026``: how a Flemish reader writes a date."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _legend(counts: dict[str, int]) -> str:
    """One checkbox per product, with its symbol and count (works before the script runs)."""
    items = []
    for name, text in PRODUCTS.items():
        n = f"{counts.get(name, 0):,}".replace(",", ".")  # Dutch thousands separator
        items.append(
            f'<li><label class="laag"><input type="checkbox" checked data-product="{name}" '
            f'aria-describedby="uitleg-{text["code"]}"> <span class="symbool {text["code"]}" '
            f'aria-hidden="true">{text["letter"]}</span> <span class="laagnaam">'
            f'{escape(text["titel"])}</span> <span class="aantal" '
            f'data-count="{name}">{n}</span></label></li>')
    return "\n".join(items)


def _explanations() -> str:
    """What each fact means, always on the page (also for readers without the map)."""
    return "\n".join(
        f'<details id="uitleg-{t["code"]}"><summary><span class="symbool {t["code"]}" '
        f'aria-hidden="true">{t["letter"]}</span> {escape(t["titel"])}</summary>'
        f'<p>{escape(t["wat"])}</p><p>{escape(t["betekenis"])}</p>'
        f'<p><a href="{escape(t["meer"])}" rel="noopener">Meer uitleg op vlaanderen.be</a>'
        f"</p></details>" for t in PRODUCTS.values())


def content_security_policy(settings: ViewerSettings) -> str:
    """Only our own origin (plus the basemap's tiles): nothing else can be loaded."""
    tiles = f" {settings.basemap_origin}" if settings.basemap_origin else ""
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:{tiles}; connect-src 'self'; font-src 'self'; "
            "object-src 'none'; base-uri 'self'; frame-ancestors 'self'")


def render_page(pub: Publication | None, base_url: str, settings: ViewerSettings,
                max_points: int = 3000, points_from_zoom: int = 14,
                vector_style: str | None = None) -> tuple[str, str]:
    """The page's HTML and its Content-Security-Policy header.

    ``max_points`` and ``points_from_zoom`` tell the script when to load a product's points
    in view rather than the server's clusters. ``vector_style``: the MapLibre style of the
    app's vector tiles, when the app serves them (``static/vector.js`` then draws the points
    from tiles in browsers with WebGL); without it the map is Leaflet's alone.
    """
    counts: dict[str, int] = dict(pub.meta.get("counts", {})) if pub else {}
    as_of = dutch_date(pub.as_of) if pub else "nog geen publicatie"
    config = {"peildatum": pub.as_of.isoformat() if pub else None, "peildatumTekst": as_of,
              "bron": SOURCE, "producten": PRODUCTS, "volgorde": ORDER, "afwezig": ABSENCE,
              "aantallen": counts,
              "basemap": settings.basemap_url, "attributie": settings.basemap_attribution,
              "ogcItem": "/ogc/collections/poi/items/",
              "maxPunten": max_points, "puntenVanafZoom": points_from_zoom,
              "vectorStijl": vector_style}
    values = {
        "as_of": escape(as_of), "source": escape(SOURCE), "legend": _legend(counts),
        "explanations": _explanations(), "no_dot": escape(ABSENCE["geen_stip"]),
        "wfs_url": escape(f"{base_url}/wfs"), "ogc_url": escape(f"{base_url}/ogc"),
        "downloads_url": escape(f"{base_url}/downloads"),
        "config": json.dumps(config, ensure_ascii=False).replace("</", "<\\/"),
    }
    html = Template(TEMPLATE.read_text(encoding="utf-8")).substitute(values)
    return html, content_security_policy(settings)
