"""The Dutch HTML index of the downloads, for people (machines read ``manifest.json``).

Self-contained (no external script, style sheet or font), with landmarks (header, nav, main,
footer), a link back to the map, Dutch number formats from one function (:func:`nl_number`:
``1.202``, ``548,7 kB``), the whole SHA-256 of every file in a ``<code>`` that selects at one
click, a plain-Dutch guide to the formats and a field glossary generated from ``mappings/``.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from publisher.downloads import naming
from publisher.downloads.catalog import ATTRIBUTION, CATALOG_PATH, LICENCE, TITLES
from publisher.mapping import load_mapping

POI_TITLE = "Woningkwaliteit: publieke feiten"
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")
CSV_HELP = (
    "CSV-bestanden zijn UTF-8 met byte-order-mark (BOM), scheidingsteken puntkomma (;), "
    "decimaalteken komma (,), regeleinde CRLF en een kopregel. De laatste vier kolommen zijn X "
    "en Y in Belgian Lambert 72 (EPSG:31370, meter) en LAT en LON in WGS84 (EPSG:4326). Excel "
    "en LibreOffice met Belgische of Nederlandse landinstellingen openen ze meteen in kolommen, "
    "met de coördinaten als getallen. Naast elk CSV-bestand staat een .csvt-bestand met dezelfde "
    "naam: de kolomtypes voor GDAL en QGIS (tekst, geheel getal, decimaal getal, datum). Met "
    "GDAL: ogrinfo -oo X_POSSIBLE_NAMES=X -oo Y_POSSIBLE_NAMES=Y bestand.csv. Voor de "
    "gemeentegrenzen van het beleid geven X/Y en LAT/LON een punt binnen de gemeente.")
WHICH_FILE = (
    ("CSV", "U wilt de gegevens bekijken, filteren of tellen in een rekenblad (Excel, "
     "LibreOffice Calc). Eén rij per feit, met het adres en de coördinaten als getallen."),
    ("GeoPackage of Shapefile", "U werkt met een GIS-programma zoals QGIS of ArcGIS. "
     "GeoPackage is één bestand zonder beperkingen; de Shapefile (gezipt) is er voor "
     "programma's die niets anders lezen, met veldnamen van hoogstens 10 tekens."),
    ("GML", "U wisselt gegevens uit volgens open standaarden (INSPIRE, OGC), bijvoorbeeld om "
     "ze in te laden in een eigen databank. Het XML-schema (.xsd) staat ernaast."),
    ("GeoJSON", "U bouwt een webkaart of een webtoepassing. Coördinaten in WGS84 "
     "(lengte, breedte), zoals webkaarten die verwachten."),
    ("Wijzigingen", "U houdt al een kopie bij en wilt alleen weten welke feiten er die dag "
     "bijkwamen of verdwenen."),
)
#: The columns only the CSV has (the other formats carry the geometry itself).
CSV_COLUMNS = (
    ("X", "Oost-coördinaat in Belgian Lambert 72 (EPSG:31370), in meter, decimaalteken komma."),
    ("Y", "Noord-coördinaat in Belgian Lambert 72 (EPSG:31370), in meter, decimaalteken komma."),
    ("LAT", "Breedtegraad in WGS84 (EPSG:4326), decimaalteken komma."),
    ("LON", "Lengtegraad in WGS84 (EPSG:4326), decimaalteken komma."),
)
FIELD_TYPES = {"string": "tekst", "integer": "geheel getal", "real": "decimaal getal",
               "date": "datum", "boolean": "ja/nee"}
STYLE = """body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;color:#1a1a1a}
header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem}a{color:#0b4f8a}a:focus-visible{outline:3px solid #0b4f8a;
outline-offset:2px}.back{display:inline-block;padding:.5rem 0;min-height:24px}
.skip{position:absolute;left:-999px}.skip:focus{position:static}
.scroll{overflow-x:auto;margin-bottom:1rem}table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:bold;padding:.25rem 0}
td,th{padding:.25rem .5rem;border-bottom:1px solid #ccc;text-align:left;vertical-align:top}
.n{text-align:right;white-space:nowrap}code.sha{font-size:.8em;overflow-wrap:anywhere;
user-select:all}dt{font-weight:bold;margin-top:.5rem}dd{margin-left:1rem}
footer{border-top:1px solid #ccc;margin-top:2rem;padding-bottom:1rem}"""


def nl_number(value: float, decimals: int = 0) -> str:
    """A number as Dutch (Belgian) text: ``1.202``, ``548,7``: dot thousands, comma decimals."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def nl_size(n: int) -> str:
    """A file size in decimal units: ``512 B``, ``548,7 kB``, ``1,2 MB``."""
    if n < 1000:
        return f"{nl_number(n)} B"
    value = float(n)
    for unit in ("kB", "MB", "GB"):
        value /= 1000
        if value < 1000 or unit == "GB":
            break
    return f"{nl_number(value, 1)} {unit}"


def nl_date(iso: str) -> str:
    """``2026-11-23`` → ``<time datetime="2026-11-23">23 november 2026</time>``."""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return escape(iso)
    return f'<time datetime="{d.isoformat()}">{d.day} {MONTHS[d.month - 1]} {d.year}</time>'


def _rows(files: list[dict[str, Any]]) -> str:
    out = []
    for e in files:
        label = naming.FORMATS[e["format"]].label
        feats = "" if e.get("features") is None else nl_number(e["features"])
        out.append(
            f'<tr><td><a href="/downloads/{escape(e["name"])}" download>{escape(e["name"])}'
            f"</a></td><td>{escape(label)}</td><td>{escape(e['crs'] or '')}</td>"
            f"<td class=n>{feats}</td><td class=n>{nl_size(e['bytes'])}</td>"
            f'<td><code class=sha>{escape(e["sha256"])}</code></td></tr>')
    return "".join(out)


def _table(caption: str, head: list[str], body: str, numeric: tuple[int, ...] = (),
           label: str = "") -> str:
    """A scrollable table; ``label`` names its region when the caption repeats on the page.

    Why: each landmark's name must be unique (axe ``landmark-unique``).
    """
    ths = "".join(f'<th scope="col"{" class=n" if i in numeric else ""}>{escape(h)}</th>'
                  for i, h in enumerate(head))
    return (f'<div class=scroll role=region tabindex=0 aria-label="{escape(label or caption)}">'
            f"<table><caption>{escape(caption)}</caption><thead><tr>{ths}</tr></thead>"
            f"<tbody>{body}</tbody></table></div>")


def _section(title: str, files: list[dict[str, Any]], label: str = "") -> str:
    if not files:
        return ""
    return _table(title, ["Bestand", "Formaat", "Coördinaten", "Objecten", "Grootte",
                          "SHA-256"], _rows(files), numeric=(3, 4), label=label)


def dataset_title(dataset: str) -> str:
    """The heading of a dataset in plain Dutch."""
    return POI_TITLE if dataset == naming.POI else TITLES.get(dataset, dataset)


def glossary(dataset: str) -> str:
    """The fields of ``dataset`` from its mapping: name, Shapefile name, type, meaning.

    The descriptions in ``mappings/`` are written in English (the mapping is also the
    developers' reference), so their cells carry ``lang="en"`` for screen readers.
    """
    mapping = load_mapping(dataset)
    rows = "".join(
        f"<tr><th scope=row><code>{escape(f.name)}</code></th><td><code>{escape(f.short)}"
        f"</code></td><td>{FIELD_TYPES.get(f.type, escape(f.type))}</td>"
        f'<td lang="en">{escape(f.description)}</td></tr>' for f in mapping.fields)
    rows += "".join(f"<tr><th scope=row><code>{n}</code></th><td>(alleen CSV)</td>"
                    f"<td>decimaal getal</td><td>{escape(d)}</td></tr>" for n, d in CSV_COLUMNS)
    return _table(f"Velden: {dataset_title(dataset)}",
                  ["Veld", "Naam in Shapefile", "Soort", "Betekenis"], rows)


def render_index(manifest: dict[str, Any]) -> str:
    """The page: per dataset and product its files, then changes, guidance and glossary."""
    files = manifest.get("files", [])
    datasets = manifest.get("datasets", {})
    parts = []
    for dataset, info in datasets.items():
        mine = [e for e in files if e["dataset"] == dataset]
        parts.append(f'<section aria-labelledby="ds-{escape(dataset)}">'
                     f'<h2 id="ds-{escape(dataset)}">{escape(dataset_title(dataset))} — '
                     f"peildatum {nl_date(info['as_of'])}</h2>")
        if info.get("features") is not None:
            parts.append(f"<p>{nl_number(info['features'])} objecten.</p>")
        groups: list[tuple[str, str | None]] = [("Alle producten samen", None)] \
            if dataset == naming.POI else [(dataset_title(dataset), None)]
        groups += [(TITLES.get(p, p), p) for p in info.get("counts", {}) if dataset == naming.POI]
        for title, product in groups:
            parts.append(_section(title, [e for e in mine if e["product"] == product
                                          and not e["format"].startswith("changes")]))
        parts.append(_section("Wijzigingen van deze dag",
                              [e for e in mine if e["format"].startswith("changes")],
                              label=f"Wijzigingen van deze dag: {dataset_title(dataset)}"))
        parts.append("</section>")
    body = "".join(parts) or "<p>Er zijn nog geen downloadbestanden gepubliceerd.</p>"
    which = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in WHICH_FILE)
    fields = "".join(glossary(d) for d in (datasets or {naming.POI: {}}))
    return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Downloads woningkwaliteit Vlaanderen</title>
<link rel="alternate" type="application/json" href="/downloads/manifest.json">
<link rel="describedby" type="application/ld+json" href="{CATALOG_PATH}">
<style>{STYLE}</style></head>
<body><a class=skip href="#inhoud">Ga naar de inhoud</a>
<header><nav aria-label="Navigatie"><a class=back href="/">← Terug naar de kaart</a></nav>
</header>
<main id="inhoud"><h1>Downloads woningkwaliteit Vlaanderen</h1>
<p>Dagelijks bijgewerkte bestanden met de feiten die de Vlaamse Codex Wonen openbaar maakt
(conformiteitsattesten, de inventaris van ongeschikte en onbewoonbare woningen, het register van
herstelvorderingen) en maandelijks het lokale woningkwaliteitsbeleid. Geen persoonsgegevens.</p>
<section aria-labelledby="welk"><h2 id="welk">Welk bestand heb ik nodig?</h2>
<p>Alle formaten bevatten dezelfde gegevens; kies naar het programma dat u gebruikt.</p>
<dl>{which}</dl>
<p>Met de SHA-256-code naast elk bestand kunt u nagaan of een download volledig en ongewijzigd
is (bijvoorbeeld met <code>sha256sum</code>). Eén klik selecteert de hele code.</p></section>
{body}
<section aria-labelledby="formaten"><h2 id="formaten">Over de formaten</h2>
<p>{escape(CSV_HELP)}</p>
<p>GML 3.2 (EPSG:31370) met het XML-schema ernaast (zelfde naam, .xsd); Shapefile gezipt,
UTF-8 (.cpg), veldnamen van maximaal 10 tekens; GeoPackage (EPSG:31370); GeoJSON (RFC 7946,
WGS84 lengte/breedte).</p></section>
<section aria-labelledby="velden"><h2 id="velden">Wat betekenen de velden?</h2>
<p>De velden zijn in elk formaat dezelfde, in deze volgorde; alleen de Shapefile gebruikt de
korte naam. De betekenis komt uit de beschrijving van de publicatie en is in het Engels.</p>
{fields}</section>
<section aria-labelledby="programmas"><h2 id="programmas">Voor programma's</h2>
<p><a href="/downloads/manifest.json">manifest.json</a> (alle bestanden met grootte en
SHA-256), <a href="{CATALOG_PATH}">DCAT-AP-catalogus</a>, wijzigingen sinds een datum via
<code>/api/v1/changes?since=JJJJ-MM-DD</code>. Oudere dagen:
<code>/downloads/JJJJ-MM-DD/&lt;bestand&gt;</code>.</p></section>
</main>
<footer><p>Licentie: <a href="{LICENCE}">Modellicentie voor gratis hergebruik</a>.
Vermeld: <strong>{escape(ATTRIBUTION)}</strong>.</p></footer>
</body></html>
"""
