"""GetFeatureInfo answers: plain-Dutch HTML and text, GeoJSON, GML 3.2.

The HTML says what the viewer's popup says (:mod:`publisher.serving.viewer.texts`: the
fact, what it means, where to read more, and that no dot does not mean "in order"); JSON and
GML reuse the fragments written at publish time, or the publication's own renderers
(:mod:`publisher.publication.render`) for the policy layer, so every surface agrees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from typing import Any

from publisher.publication.render import POI_NS, gml_feature, gml_id, json_value
from publisher.serving.viewer.texts import ABSENCE, PRODUCTS, SOURCE
from publisher.serving.wms.layers import MapLayer

#: Plain-Dutch labels of the policy layer's fields, in the mapping's order.
POLICY_LABELS = {
    "GEMEENTE": "Gemeente", "NISCODE": "NIS-code", "PROVINCIE": "Provincie",
    "GELDIG_VANAF": "Beleid geldig vanaf",
    "CA_VERPLICHT": "Conformiteitsattest verplicht",
    "CA_VERPLICHT_VOOR": "Verplicht voor",
    "CA_VERPLICHT_BOUWJAAR_VOOR": "Verplicht voor woningen gebouwd voor",
    "GOEDKEURING_MINISTER": "Goedgekeurd door de minister op",
    "CA_GELDIGHEID_JAREN": "Geldigheid van een attest (jaren)",
    "CA_RETRIBUTIE_WONING": "Retributie per woning (euro)",
    "CA_RETRIBUTIE_KAMER": "Retributie per kamer (euro)",
    "CA_RETRIBUTIE_KAMER_VANAF": "Retributie per kamer vanaf kamer",
    "CA_RETRIBUTIE_MAX": "Maximale retributie (euro)",
    "HOORTERMIJN_DAGEN": "Hoortermijn (dagen)", "ONDERTEKENING": "Ondertekening",
    "EIGEN_PROCEDURES": "De gemeente voert de procedures zelf",
    "HEFFING_ONGESCHIKT": "Heffing op ongeschikte of onbewoonbare woningen",
    "HEFFING_LEEGSTAND": "Heffing op leegstand", "PEILDATUM": "Toestand op",
}
_STYLE = """body{font:15px/1.4 system-ui,sans-serif;color:#1a1a1a;margin:.5rem}
h2{font-size:1rem;margin:.2rem 0}.feit{border-left:4px solid #c9d1d9;padding-left:.5rem;
margin:.6rem 0}.ca{border-color:#1b6e35}.vivoo{border-color:#b3261e}.hv{border-color:#6a3d9a}
.afwezig,.bron{font-size:.88rem;color:#5c6670}th{text-align:left;padding-right:1rem}"""


@dataclass(frozen=True)
class Found:
    """The features one queried layer has at the clicked place (properties by name)."""

    layer: MapLayer
    features: list[dict[str, Any]]
    geojson: list[str]  # stored GeoJSON fragments (POI) or empty
    gml: list[str]  # stored GML members (POI) or empty
    group: tuple[str, int] | None = None  # the drawn group clicked: product, its count


def _address(p: dict[str, Any]) -> str:
    box = f" bus {p['BUSNUMMER']}" if p.get("BUSNUMMER") else ""
    return f"{p.get('STRAAT', '')} {p.get('HUISNUMMER', '')}{box}, " \
           f"{p.get('POSTCODE', '')} {p.get('GEMEENTE', '')}"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", " ").replace(".", ",")
    return "" if value is None else str(value)


def _group_text(f: Found) -> str:
    """What a click on a drawn group means, in the viewer's words."""
    product, n = f.group  # type: ignore[misc]
    what = "; ".join(PRODUCTS[p]["titel"].lower() for p in product.split("+"))
    return (f"Dit symbool telt {n} feiten ({what}). Zoom in om ze apart te zien; hieronder "
            f"de {len(f.features)} dichtst bij de klik.")


def html(found: list[Found], as_of: date | None) -> bytes:
    """A small Dutch HTML page: each fact as the viewer's popup says it."""
    parts = []
    points = False
    for f in found:
        if f.group is not None:
            parts.append(f"<p>{escape(_group_text(f))}</p>")
        for p in f.features:
            if f.layer.products:
                points = True
                text = PRODUCTS[p["PRODUCT"]]
                parts.append(
                    f'<section class="feit {text["code"]}"><h2>{escape(text["titel"])}</h2>'
                    f'<p class="adres">{escape(_address(p))}</p><p>{escape(text["feit"])}</p>'
                    f'<p>{escape(text["betekenis"])}</p><p><a href="{escape(text["meer"])}" '
                    f'target="_blank" rel="noopener">Meer uitleg op vlaanderen.be</a></p>'
                    "</section>")
            else:
                rows = "".join(f"<tr><th>{escape(label)}</th><td>{escape(_shown(p.get(k)))}</td>"
                               "</tr>" for k, label in POLICY_LABELS.items() if k in p)
                parts.append(f'<section class="feit"><h2>Woningkwaliteitsbeleid van '
                             f'{escape(str(p.get("GEMEENTE", "")))}</h2><table>{rows}</table>'
                             "</section>")
    if not any(f.features for f in found):
        parts.append("<p>Op deze plek is geen publiek feit bekend.</p>")
    if points or any(f.layer.products for f in found):
        if points:
            parts.append(f'<p class="afwezig">{escape(ABSENCE["andere_woningen"])}</p>')
        parts.append(f'<p class="afwezig">{escape(ABSENCE["geen_stip"])}</p>')
    if as_of is not None:
        parts.append(f'<p class="bron">Bron: {escape(SOURCE)}, toestand op '
                     f"{as_of.strftime('%d-%m-%Y')}.</p>")
    return ('<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
            "<title>Woningkwaliteit: publieke feiten</title>"
            f"<style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>").encode()


def text(found: list[Found], as_of: date | None) -> bytes:
    """The same facts as plain text lines."""
    lines = []
    for f in found:
        if f.group is not None:
            lines += [_group_text(f), ""]
        for p in f.features:
            if f.layer.products:
                t = PRODUCTS[p["PRODUCT"]]
                lines += [f"{t['titel']}: {_address(p)}", t["feit"], t["meer"], ""]
            else:
                lines += [f"{label}: {_shown(p.get(k))}" for k, label in POLICY_LABELS.items()
                          if k in p] + [""]
    if not lines:
        lines = ["Op deze plek is geen publiek feit bekend.", ""]
    lines.append(ABSENCE["geen_stip"])
    if as_of is not None:
        lines.append(f"Bron: {SOURCE}, toestand op {as_of.strftime('%d-%m-%Y')}.")
    return ("\n".join(lines) + "\n").encode()


def geojson(found: list[Found]) -> bytes:
    """A FeatureCollection: the stored GeoJSON of points, properties of municipalities."""
    members = []
    matched = 0
    for f in found:
        matched += f.group[1] if f.group is not None else len(f.features)
        if f.layer.products:
            members += f.geojson
        else:
            members += [json.dumps({"type": "Feature", "id": p.get("NISCODE"),
                                    "geometry": None,
                                    "properties": {k: json_value(v) for k, v in p.items()}},
                                   ensure_ascii=False) for p in f.features]
    head = (f'{{"type":"FeatureCollection","numberMatched":{matched},'
            f'"numberReturned":{len(members)},"features":[')
    return (head + ",".join(members) + "]}").encode()


def gml(found: list[Found], layer_names: dict[str, str]) -> bytes:
    """A ``wfs:FeatureCollection`` of GML 3.2 members: stored ones for points."""
    members = []
    for f in found:
        if f.layer.products:
            members += f.gml
        else:
            name = layer_names[f.layer.dataset]
            members += [gml_feature(name, gml_id(name, str(p.get("NISCODE"))), p)
                        for p in f.features]
    body = "".join(f"<wfs:member>{m}</wfs:member>" for m in members)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" '
            'xmlns:gml="http://www.opengis.net/gml/3.2" '
            f'xmlns:POI="{POI_NS}" numberMatched="unknown" numberReturned="{len(members)}" '
            f'timeStamp="{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}">'
            f"{body}</wfs:FeatureCollection>\n").encode()
