"""The DCAT-AP catalogue (JSON-LD) of the four public datasets and their distributions.

Built per request from the served manifest and the request's base URL, so every URL in it is
absolute and right behind any proxy or mount point, and the catalogue can never list a file
that is not served. Titles and descriptions are Dutch (the publisher's language); the
controlled values are the EU vocabularies DCAT-AP expects (frequency, file type, language).
"""

from __future__ import annotations

from typing import Any

from publisher.downloads import naming
from publisher.mapping import load_mapping

CATALOG_PATH = "/downloads/catalog.jsonld"
LICENCE = "https://data.vlaanderen.be/id/licentie/modellicentie-gratis-hergebruik/v1.0"
ATTRIBUTION = "Bron: Wonen-Vlaanderen"
EU = "http://publications.europa.eu/resource/authority"
FREQUENCY = {"poi": f"{EU}/frequency/DAILY", naming.POLICY: f"{EU}/frequency/MONTHLY"}
FILE_TYPE = {"gml": "GML", "shapefile": "SHP", "csv": "CSV", "geopackage": "GPKG",
             "geojson": "GEOJSON"}
#: GeoNames feature of the Flemish Region (spatial coverage of every dataset).
FLANDERS = "https://sws.geonames.org/3337388/"
FLANDERS_BBOX = ("POLYGON((2.54 50.68,5.92 50.68,5.92 51.51,2.54 51.51,2.54 50.68))")
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/", "xsd": "http://www.w3.org/2001/XMLSchema#",
    "vcard": "http://www.w3.org/2006/vcard/ns#", "spdx": "http://spdx.org/rdf/terms#",
    "cc": "http://creativecommons.org/ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "locn": "http://www.w3.org/ns/locn#", "gsp": "http://www.opengis.net/ont/geosparql#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}
#: Dataset titles: each product's from ``mappings/poi.yml`` (the one statement of what is
#: published), the policy's below.
TITLES = {**{name: product["title"] for name, product in load_mapping("poi").products.items()},
          naming.POLICY: "Parameters lokaal woningkwaliteitsbeleid"}
POLICY_DESCRIPTION = (
    "Per gemeente het lokale woningkwaliteitsbeleid dat op de peildatum geldt: of een "
    "conformiteitsattest verplicht is en waarvoor, de geldigheidsduur, de retributies, de "
    "hoortermijn, de ondertekening in VLOK en de heffingen, met de gemeentegrens.")


def _nl(text: str) -> dict[str, str]:
    return {"@language": "nl", "@value": text}


def _date(value: str) -> dict[str, str]:
    return {"@type": "xsd:date", "@value": value}


def _publisher() -> dict[str, Any]:
    return {"@type": "foaf:Agent", "foaf:name": _nl("Wonen-Vlaanderen")}


def _rights() -> dict[str, Any]:
    return {"dct:license": {"@id": LICENCE, "@type": "dct:LicenseDocument",
                            "rdfs:label": _nl("Modellicentie voor gratis hergebruik")},
            "dct:rights": {"@type": "dct:RightsStatement", "rdfs:label": _nl(ATTRIBUTION)},
            "cc:attributionName": ATTRIBUTION}


def _file_distribution(base: str, entry: dict[str, Any]) -> dict[str, Any]:
    fmt = naming.FORMATS[entry["format"]]
    scope = "alle producten samen" if entry["dataset"] == "poi" and not entry["product"] \
        else "dit product"
    return {
        "@id": f"{base}/downloads/{entry['name']}", "@type": "dcat:Distribution",
        "dct:title": _nl(f"{fmt.label}-download ({scope}), peildatum {entry['as_of']}"),
        "dcat:accessURL": {"@id": f"{base}/downloads"},
        "dcat:downloadURL": {"@id": f"{base}/downloads/{entry['name']}"},
        "dct:format": {"@id": f"{EU}/file-type/{FILE_TYPE[entry['format']]}"},
        "dcat:mediaType": {"@id": "https://www.iana.org/assignments/media-types/"
                                  + fmt.media_type.split(";")[0]},
        "dcat:byteSize": {"@type": "xsd:nonNegativeInteger", "@value": str(entry["bytes"])},
        "spdx:checksum": {"@type": "spdx:Checksum",
                          "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
                          "spdx:checksumValue": entry["sha256"]},
        "dct:modified": _date(entry["as_of"]),
        "dct:conformsTo": {"@id": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
                           if entry["format"] == "geojson"
                           else "http://www.opengis.net/def/crs/EPSG/0/31370"},
        **_rights()}


def _service_distributions(base: str, dataset: str, product: str | None
                           ) -> list[dict[str, Any]]:
    where = f" met PRODUCT = '{product}'" if product else ""
    collection = "poi" if dataset == "poi" else naming.POLICY
    feature_type = "POI:POI" if dataset == "poi" else "POI:Woningkwaliteitsbeleid"
    wfs = {"@id": f"{base}/wfs#{product or dataset}", "@type": "dcat:Distribution",
           "dct:title": _nl(f"WFS 2.0 ({feature_type}{where})"),
           "dcat:accessURL": {"@id": f"{base}/wfs"},
           "dct:format": {"@id": f"{EU}/file-type/GML"},
           "dcat:accessService": {"@type": "dcat:DataService",
                                  "dct:title": _nl("WFS woningkwaliteit"),
                                  "dcat:endpointURL": {"@id": f"{base}/wfs"},
                                  "dct:conformsTo": {
                                      "@id": "http://www.opengis.net/def/serviceType/ogc/wfs"}},
           **_rights()}
    ogc = {"@id": f"{base}/ogc#{product or dataset}", "@type": "dcat:Distribution",
           "dct:title": _nl(f"OGC API Features (collectie {collection}{where})"),
           "dcat:accessURL": {"@id": f"{base}/ogc/collections/{collection}"},
           "dct:format": {"@id": f"{EU}/file-type/GEOJSON"},
           "dcat:accessService": {
               "@type": "dcat:DataService", "dct:title": _nl("OGC API Features woningkwaliteit"),
               "dcat:endpointURL": {"@id": f"{base}/ogc"},
               "dct:conformsTo": {
                   "@id": "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"}},
           **_rights()}
    if dataset != "poi":
        return [wfs, ogc]
    ldes = {"@id": f"{base}/ldes/woningkwaliteit#{product or dataset}",
            "@type": "dcat:Distribution",
            "dct:title": _nl("Dagelijkse wijzigingen als Linked Data Event Stream (TREE/LDES, "
                             f"OSLO){where}"),
            "dcat:accessURL": {"@id": f"{base}/ldes/woningkwaliteit"},
            "dcat:mediaType": {"@id": "https://www.iana.org/assignments/media-types/"
                                      "application/ld+json"},
            "dct:conformsTo": {"@id": "https://w3id.org/ldes/specification"},
            "dcat:accessService": {
                "@type": "dcat:DataService",
                "dct:title": _nl("Linked Data Event Stream woningkwaliteit"),
                "dcat:endpointURL": {"@id": f"{base}/ldes/woningkwaliteit"},
                "dct:conformsTo": {"@id": "https://w3id.org/ldes/specification"}},
            **_rights()}
    return [wfs, ogc, ldes]


def _dataset(base: str, key: str, dataset: str, product: str | None, title: str,
             description: str, landing: str | None, as_of: str | None,
             files: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@id": f"{base}{CATALOG_PATH}#{naming.slug(key)}", "@type": "dcat:Dataset",
        "dct:identifier": f"vlok-{naming.slug(key)}", "dct:title": _nl(title),
        "dct:description": _nl(description), "dct:publisher": _publisher(),
        "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": "Wonen-Vlaanderen"},
        "dct:accrualPeriodicity": {"@id": FREQUENCY[dataset]},
        "dct:language": {"@id": f"{EU}/language/NLD"},
        "dct:spatial": {"@id": FLANDERS, "@type": "dct:Location",
                        "skos:prefLabel": _nl("Vlaams Gewest"),
                        "dcat:bbox": {"@type": "gsp:wktLiteral", "@value": FLANDERS_BBOX}},
        "dcat:keyword": [_nl(k) for k in ("woningkwaliteit", "VLOK", "wonen")],
        "dcat:distribution": _service_distributions(base, dataset, product) + [
            _file_distribution(base, e) for e in files],
        **_rights()}
    if landing:
        out["dcat:landingPage"] = {"@id": landing}
    if as_of:
        out["dct:modified"] = _date(as_of)
        out["dct:temporal"] = {"@type": "dct:PeriodOfTime", "dcat:startDate": _date(as_of),
                               "dcat:endDate": _date(as_of)}
    return out


def build_catalog(manifest: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The catalogue as a JSON-LD document (``base_url`` without trailing slash)."""
    base = base_url.rstrip("/")
    files = [e for e in manifest.get("files", []) if e["format"] in FILE_TYPE]
    datasets = manifest.get("datasets", {})
    poi = load_mapping("poi")
    entries = []
    for product, spec in poi.products.items():
        mine = [e for e in files if e["dataset"] == "poi" and e["product"] in (product, None)]
        entries.append(_dataset(
            base, product, "poi", product, TITLES.get(product, spec["naam"]),
            f"{spec['omschr']} Eén punt per {'pand' if spec['grain'] == 'building' else 'woning'}"
            " op het adres, zonder persoonsgegevens. Dagelijks bijgewerkt.",
            spec.get("link"), datasets.get("poi", {}).get("as_of"), mine))
    entries.append(_dataset(
        base, naming.POLICY, naming.POLICY, None, TITLES[naming.POLICY], POLICY_DESCRIPTION,
        None, datasets.get(naming.POLICY, {}).get("as_of"),
        [e for e in files if e["dataset"] == naming.POLICY]))
    catalog = {
        "@context": CONTEXT, "@id": f"{base}{CATALOG_PATH}", "@type": "dcat:Catalog",
        "dct:title": _nl("Publieke woningkwaliteitsgegevens Vlaanderen (VLOK)"),
        "dct:description": _nl(
            "Wat de Vlaamse Codex Wonen openbaar maakt uit het Vlaams Loket Woningkwaliteit: "
            "conformiteitsattesten, de inventaris van ongeschikte en onbewoonbare woningen, "
            "het register van herstelvorderingen en het lokale woningkwaliteitsbeleid."),
        "dct:publisher": _publisher(), "dct:language": {"@id": f"{EU}/language/NLD"},
        "foaf:homepage": {"@id": f"{base}/downloads"},
        "dct:license": {"@id": LICENCE},
        "dcat:dataset": entries,
    }
    if manifest.get("set_date"):
        catalog["dct:modified"] = _date(manifest["set_date"])
    return catalog
