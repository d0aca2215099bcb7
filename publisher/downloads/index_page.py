"""The Dutch HTML index of the downloads, for people (machines read ``manifest.json``)."""

from __future__ import annotations

from html import escape
from typing import Any

from publisher.downloads import naming
from publisher.downloads.catalog import ATTRIBUTION, CATALOG_PATH, LICENCE, TITLES

CSV_HELP = (
    "CSV-bestanden zijn UTF-8 met byte-order-mark (BOM), scheidingsteken puntkomma (;), "
    "decimaalteken punt (.), regeleinde CRLF en een kopregel. De laatste vier kolommen zijn X "
    "en Y in Belgian Lambert 72 (EPSG:31370, meter) en LAT en LON in WGS84 (EPSG:4326). Excel "
    "met Belgische of Nederlandse landinstellingen opent ze meteen in kolommen; voor de "
    "gemeentegrenzen van het beleid geven X/Y en LAT/LON een punt binnen de gemeente.")


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _rows(files: list[dict[str, Any]]) -> str:
    out = []
    for e in files:
        label = naming.FORMATS[e["format"]].label
        feats = "" if e.get("features") is None else f"{e['features']:,}".replace(",", ".")
        out.append(
            f'<tr><td><a href="/downloads/{escape(e["name"])}" download>{escape(e["name"])}'
            f"</a></td><td>{escape(label)}</td><td>{escape(e['crs'] or '')}</td>"
            f"<td class=n>{feats}</td><td class=n>{_size(e['bytes'])}</td>"
            f"<td><code>{e['sha256'][:16]}…</code></td></tr>")
    return "".join(out)


def _section(title: str, files: list[dict[str, Any]]) -> str:
    if not files:
        return ""
    return (f"<h3>{escape(title)}</h3><table><thead><tr><th>Bestand</th><th>Formaat</th>"
            "<th>Coördinaten</th><th>Objecten</th><th>Grootte</th><th>SHA-256</th></tr>"
            f"</thead><tbody>{_rows(files)}</tbody></table>")


def render_index(manifest: dict[str, Any]) -> str:
    """The page: per dataset and product its files, then changes, metadata and help."""
    files = manifest.get("files", [])
    parts = []
    for dataset, info in manifest.get("datasets", {}).items():
        mine = [e for e in files if e["dataset"] == dataset]
        heading = ("Woningkwaliteit: publieke feiten (POI)" if dataset == naming.POI
                   else TITLES.get(dataset, dataset))
        parts.append(f"<h2>{escape(heading)} — peildatum {escape(info['as_of'])}</h2>")
        groups: list[tuple[str, str | None]] = [("Alle producten samen", None)] \
            if dataset == naming.POI else [(TITLES.get(dataset, dataset), None)]
        groups += [(TITLES.get(p, p), p) for p in info.get("counts", {}) if dataset == naming.POI]
        for title, product in groups:
            parts.append(_section(title, [e for e in mine if e["product"] == product
                                          and not e["format"].startswith("changes")]))
        parts.append(_section("Wijzigingen van deze dag",
                              [e for e in mine if e["format"].startswith("changes")]))
    body = "".join(parts) or "<p>Er zijn nog geen downloadbestanden gepubliceerd.</p>"
    return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Downloads woningkwaliteit Vlaanderen</title>
<link rel="alternate" type="application/json" href="/downloads/manifest.json">
<link rel="describedby" type="application/ld+json" href="{CATALOG_PATH}">
<style>body{{font-family:sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;width:100%;margin-bottom:1rem}}td,th{{padding:.25rem .5rem;
border-bottom:1px solid #ddd;text-align:left}}.n{{text-align:right}}</style></head>
<body><h1>Downloads woningkwaliteit Vlaanderen</h1>
<p>Dagelijks bijgewerkte bestanden met de feiten die de Vlaamse Codex Wonen openbaar maakt
(conformiteitsattesten, de inventaris van ongeschikte en onbewoonbare woningen, het register van
herstelvorderingen) en maandelijks het lokale woningkwaliteitsbeleid. Geen persoonsgegevens.</p>
<p>Licentie: <a href="{LICENCE}">Modellicentie voor gratis hergebruik</a>.
Vermeld: <strong>{escape(ATTRIBUTION)}</strong>.</p>
<p>Voor programma's: <a href="/downloads/manifest.json">manifest.json</a> (alle bestanden met
grootte en SHA-256), <a href="{CATALOG_PATH}">DCAT-AP-catalogus</a>,
wijzigingen sinds een datum via <code>/api/v1/changes?since=JJJJ-MM-DD</code>.
Oudere dagen: <code>/downloads/JJJJ-MM-DD/&lt;bestand&gt;</code>.</p>
{body}
<h2>Over de formaten</h2>
<p>{escape(CSV_HELP)}</p>
<p>GML 3.2 (EPSG:31370) met het XML-schema ernaast (zelfde naam, .xsd); Shapefile gezipt,
UTF-8 (.cpg), veldnamen van maximaal 10 tekens; GeoPackage (EPSG:31370); GeoJSON (RFC 7946,
WGS84 lengte/breedte).</p>
</body></html>
"""
