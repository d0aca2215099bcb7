"""The viewer's search and orientation, over the public address register's index.

Framework-free (the routes render): ``suggest`` answers a keystroke with places
(municipalities, deelgemeenten, postcodes), streets, or addresses once a number is typed;
``labels`` gives the map its offline orientation (municipality names, street axes and names),
built at publish time from the register alone.

What a suggestion says about facts comes from the publication by register id, for every
suggested address alike, so a suggestion never tells a VLOK address from any other.
"""

from __future__ import annotations

from typing import Any

from publisher.serving.lookup.errors import bad_parameter
from publisher.serving.lookup.reading import connect
from publisher.serving.lookup.register import Found, RegisterIndex, parse
from publisher.serving.publications import Publication

#: Street axes one map view may ask for (a city view holds a few hundred).
MAX_LINES = 1500


def _bbox(row: tuple, first: int) -> list[float]:
    return [round(v, 6) for v in row[first:first + 4]]


def _facts(pub: Publication, found: list[Found], register: RegisterIndex
           ) -> dict[str, list[dict[str, str]]]:
    """Per suggested address id, the public facts at it and at its building."""
    buildings = {f.adresid: register.building_addresses([f]) for f in found if f.busnummer}
    ids = sorted({f.adresid for f in found} | {b.adresid for bs in buildings.values()
                                                 for b in bs})
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = connect(pub).execute(
        f'SELECT "ADRESID", "POID", "PRODUCT", "POITYPE", "STRAAT", "HUISNUMMER", "BUSNUMMER", '
        f'"POSTCODE", "GEMEENTE" FROM poi WHERE "ADRESID" IN ({marks}) ORDER BY fid',
        ids).fetchall()
    at: dict[str, list[tuple]] = {}
    for r in rows:
        at.setdefault(r[0], []).append(r)
    out: dict[str, list[dict[str, str]]] = {}
    for f in found:
        facts = list(at.get(f.adresid, []))
        for b in buildings.get(f.adresid, []):
            facts += [r for r in at.get(b.adresid, []) if r[3] == "Pand"]
        out[f.adresid] = [{"poid": r[1], "product": r[2], "adres": _label(r)} for r in facts]
    return out


def _label(r: tuple) -> str:
    box = f" bus {r[6]}" if r[6] else ""
    return f"{r[4]} {r[5]}{box}, {r[7]} {r[8]}"


def suggest(pub: Publication, register: RegisterIndex, text: str, limit: int
            ) -> list[dict[str, Any]]:
    """What the search box proposes for ``text``, best first, at most ``limit``."""
    q = parse(text)
    if q.number:
        found = register.numbers(q, limit)
        facts = _facts(pub, found, register)
        return [{"soort": "adres", "label": f.label, "adresid": f.adresid,
                 "lon": f.lon, "lat": f.lat, "features": facts.get(f.adresid, [])}
                for f in found]
    out: list[dict[str, Any]] = []
    for p in register.places(q, limit):
        _, soort, naam, postcode, gemeente, _, _, lon, lat = p[:9]
        label = (f"{gemeente} (gemeente)" if soort == "gemeente" else
                 f"{postcode} {gemeente}" if naam == gemeente else
                 f"{naam} ({postcode} {gemeente})")
        out.append({"soort": soort, "label": label, "lon": lon, "lat": lat,
                    "bbox": _bbox(p, 9)})
    if q.all_words:
        for s in register.streets(q)[:limit]:
            _, naam, postcode, district, gemeente = s[:5]
            place = district if district == gemeente else f"{district} ({gemeente})"
            out.append({"soort": "straat", "label": f"{naam}, {postcode} {place}",
                        "lon": s[8], "lat": s[9], "bbox": _bbox(s, 10),
                        # what the box then holds, the caret after the street name: the
                        # house number typed next completes the address
                        "vervolg": f"{naam} , {postcode} {gemeente}",
                        "cursor": len(naam) + 1})
    return out[:limit]


def parse_bbox(text: str | None) -> tuple[float, float, float, float]:
    """``minlon,minlat,maxlon,maxlat`` in CRS84, at most 0.2° wide (a city view)."""
    try:
        box = tuple(float(v) for v in (text or "").split(","))
    except ValueError:
        box = ()
    if len(box) != 4 or not (box[0] < box[2] and box[1] < box[3]):
        raise bad_parameter("bbox", f"invalid bbox {text!r}: expected minlon,minlat,maxlon,"
                            "maxlat in CRS84")
    if box[2] - box[0] > 0.2 or box[3] - box[1] > 0.2:
        raise bad_parameter("bbox", f"bbox {text!r} is wider than 0.2 degrees: street names "
                            "are for a city view")
    return box  # type: ignore[return-value]


def street_lines(register: RegisterIndex, bbox: tuple[float, float, float, float]
                 ) -> dict[str, Any]:
    """The street axes in ``bbox`` as GeoJSON lines with their names."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"naam": naam, "gemeente": gemeente},
         "geometry": {"type": "LineString", "coordinates": [[a, b], [c, d]]}}
        for naam, gemeente, a, b, c, d in register.lines(bbox, MAX_LINES)]}


def municipality_labels(register: RegisterIndex) -> dict[str, Any]:
    """Every municipality's name at the middle of its addresses, largest first."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"naam": naam, "adressen": n},
         "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}}
        for naam, lon, lat, n in register.municipalities()]}
