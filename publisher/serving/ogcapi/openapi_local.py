"""Make pygeoapi's OpenAPI document self-contained: no ``$ref`` leaves the document.

Why: pygeoapi 0.21 points its responses and some parameters at schemas.opengis.net,
raw.githubusercontent.com and geojson.org. Offline tools (schemathesis, code generators, a
validator in a closed network) cannot resolve them, and issue 11 asks that our document be
usable as is. Each external reference is replaced by a local component with the same meaning,
written from OGC API Features Part 1 (``ogcapi-features-1.yaml``) and RFC 7946, kept to what
our server returns. A reference we do not know is an error when the document is built, so a
pygeoapi upgrade that adds one is caught by the tests, not by a client.
"""

from __future__ import annotations

from typing import Any

from publisher.serving.ogcapi.crs import SUPPORTED_CRS

_FEATURES_1 = "https://schemas.opengis.net/ogcapi/features/part1/1.0/openapi/ogcapi-features-1.yaml"
_EXCEPTION = {"type": "object", "required": ["code"],
              "properties": {"code": {"type": "string"}, "type": {"type": "string"},
                             "description": {"type": "string"}}}
_LINK = {"type": "object", "required": ["href"],
         "properties": {"href": {"type": "string"}, "rel": {"type": "string"},
                        "type": {"type": "string"}, "hreflang": {"type": "string"},
                        "title": {"type": "string"}, "length": {"type": "integer"}}}
_LINKS = {"type": "array", "items": {"$ref": "#/components/schemas/link"}}
_POSITION = {"type": "array", "minItems": 2, "items": {"type": "number"}}
_GEOMETRY = {"type": "object", "required": ["type", "coordinates"],
             "properties": {"type": {"type": "string"}, "coordinates": {"type": "array"}}}
_FEATURE = {"type": "object", "required": ["type", "geometry", "properties"],
            "properties": {"type": {"type": "string", "enum": ["Feature"]},
                           "geometry": {"oneOf": [{"type": "null"}, _GEOMETRY]},
                           "properties": {"oneOf": [{"type": "null"}, {"type": "object"}]},
                           "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                           "links": _LINKS}}
_FEATURES = {"type": "object", "required": ["type", "features"],
             "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                            "features": {"type": "array", "items": _FEATURE},
                            "links": _LINKS,
                            "numberMatched": {"type": "integer", "minimum": 0},
                            "numberReturned": {"type": "integer", "minimum": 0}}}
_HTML = {"text/html": {"schema": {"type": "string"}},
         "application/ld+json": {"schema": {"type": "object"}}}  # f=html, f=jsonld


def _json(schema: dict[str, Any], *types: str) -> dict[str, Any]:
    return {t: {"schema": schema} for t in (types or ("application/json",))}


def _response(description: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": content}


_ERROR = {**_json({"$ref": "#/components/schemas/exception"}), **_HTML}
#: Local components replacing the external ones, by their local name.
SCHEMAS: dict[str, Any] = {
    "exception": _EXCEPTION, "link": _LINK,
    "geojson-point": {**_GEOMETRY, "properties": {"type": {"enum": ["Point"]},
                                                  "coordinates": _POSITION}},
    "geojson-multipolygon": {**_GEOMETRY, "properties": {"type": {"enum": ["MultiPolygon"]},
                                                         "coordinates": {"type": "array"}}},
}
RESPONSES: dict[str, Any] = {
    # pygeoapi answers /conformance and /collections with this one too: any JSON object
    "ogc-LandingPage": _response("A JSON document (landing page, conformance, collections).",
                                 {**_json({"type": "object"}), **_HTML}),
    "ogc-JsonSchema": _response("A JSON Schema (the collection's schema or queryables).", {
        **_json({"type": "object"}, "application/schema+json", "application/json"),
        **_HTML}),
    "ogc-ConformanceDeclaration": _response(
        "The conformance classes the server implements.",
        {**_json({"type": "object", "required": ["conformsTo"],
                  "properties": {"conformsTo": {"type": "array",
                                                "items": {"type": "string"}}}}), **_HTML}),
    "ogc-Collections": _response("The feature collections.", {**_json(
        {"type": "object", "required": ["links", "collections"],
         "properties": {"links": _LINKS, "collections": {"type": "array"}}}), **_HTML}),
    "ogc-Collection": _response("One feature collection.", {**_json(
        {"type": "object", "required": ["id", "links"],
         "properties": {"id": {"type": "string"}, "links": _LINKS}}), **_HTML}),
    "ogc-Features": _response("A page of features.", {
        **_json(_FEATURES, "application/geo+json", "application/json"), **_HTML}),
    "ogc-Feature": _response("One feature.", {
        **_json(_FEATURE, "application/geo+json", "application/json"), **_HTML}),
    "ogc-InvalidParameter": _response("A query parameter has an invalid value.", _ERROR),
    "ogc-NotFound": _response("The requested resource does not exist.", _ERROR),
    "ogc-ServerError": _response("A server error occurred.", _ERROR),
}
PARAMETERS: dict[str, Any] = {
    "ogc-featureId": {"name": "featureId", "in": "path", "required": True,
                      "description": "local identifier of a feature",
                      "schema": {"type": "string"}},
    "ogc-sortby": {"name": "sortby", "in": "query", "required": False, "style": "form",
                   "explode": False,
                   "description": "Comma-separated properties to sort by, each optionally "
                                  "prefixed by + (ascending) or - (descending).",
                   "schema": {"type": "array", "minItems": 1,
                              "items": {"type": "string", "pattern": "^[+-]?[A-Za-z_].*$"}}},
}
#: External reference → local one.
LOCAL_REFS = {
    f"{_FEATURES_1}#/components/responses/LandingPage": "#/components/responses/ogc-LandingPage",
    f"{_FEATURES_1}#/components/responses/ConformanceDeclaration":
        "#/components/responses/ogc-ConformanceDeclaration",
    f"{_FEATURES_1}#/components/responses/Collections": "#/components/responses/ogc-Collections",
    f"{_FEATURES_1}#/components/responses/Collection": "#/components/responses/ogc-Collection",
    f"{_FEATURES_1}#/components/responses/Features": "#/components/responses/ogc-Features",
    f"{_FEATURES_1}#/components/responses/Feature": "#/components/responses/ogc-Feature",
    f"{_FEATURES_1}#/components/responses/InvalidParameter":
        "#/components/responses/ogc-InvalidParameter",
    f"{_FEATURES_1}#/components/responses/NotFound": "#/components/responses/ogc-NotFound",
    f"{_FEATURES_1}#/components/responses/ServerError": "#/components/responses/ogc-ServerError",
    f"{_FEATURES_1}#/components/parameters/featureId": "#/components/parameters/ogc-featureId",
    "https://raw.githubusercontent.com/opengeospatial/ogcapi-records/master/core/openapi/"
    "parameters/sortby.yaml": "#/components/parameters/ogc-sortby",
    "https://schemas.opengis.net/ogcapi/processes/part1/1.0/openapi/schemas/exception.yaml":
        "#/components/schemas/exception",
    "https://schemas.opengis.net/ogcapi/tiles/part1/1.0/openapi/ogcapi-tiles-1.yaml"
    "#/components/schemas/link": "#/components/schemas/link",
    "https://geojson.org/schema/Point.json": "#/components/schemas/geojson-point",
    "https://geojson.org/schema/MultiPolygon.json": "#/components/schemas/geojson-multipolygon",
}


class ExternalReference(ValueError):
    """The document refers outside itself to something we have no local copy of."""


def describe_answers(doc: dict[str, Any]) -> dict[str, Any]:
    """Declare the answers pygeoapi 0.21 misdescribes (in place).

    It declares a feature (``/items/{featureId}``) as ``application/schema+json`` holding the
    collection's schema, and ``/schema`` and ``/queryables`` as a ``{"queryables": [...]}``
    list; the server answers a GeoJSON feature and JSON Schemas.
    """
    parameters = doc.get("components", {}).get("parameters", {})
    for name in ("crs", "bbox-crs"):
        if name in parameters:
            parameters[name]["schema"] = {"type": "string", "format": "uri",
                                          "enum": list(SUPPORTED_CRS)}
    if "lang" in parameters:  # any language is accepted: unknown ones fall back to nl-BE
        parameters["lang"]["schema"] = {"type": "string", "default": "nl-BE"}
    for path, item in doc.get("paths", {}).items():
        get = item.get("get")
        if get is None:
            continue
        if path.endswith("/items"):
            item["post"] = _post_items(get)
        if path.endswith("/items/{featureId}"):
            get["responses"]["200"] = {"$ref": "#/components/responses/ogc-Feature"}
        elif path.endswith(("/schema", "/queryables")):
            get["responses"]["200"] = {"$ref": "#/components/responses/ogc-JsonSchema"}
    return doc


def _post_items(get: dict[str, Any]) -> dict[str, Any]:
    """The items POST we serve: the GET's query parameters plus a CQL2 JSON filter body.

    ``application/query-cql-json`` (pygeoapi's convention) or ``application/json``: the
    service is read-only, and any other POST (a GeoJSON feature, Part 4's create, or another
    media type) is a 405 (see ``routes._read_only``).
    """
    return {"summary": get.get("summary", "") + " (CQL2 JSON filter)",
            "description": "A query, not a create: the body is a CQL2 JSON filter. This "
                           "service is read-only: a GeoJSON feature, or a POST with another "
                           "Content-Type, is a 405.",
            "tags": get.get("tags", []),
            "operationId": get.get("operationId", "getFeatures") + "Post",
            "parameters": [p for p in get.get("parameters", [])
                           if p.get("name") not in ("filter", "filter-lang")],
            "requestBody": {"required": True, "description": "A CQL2 JSON filter.",
                            "content": {"application/query-cql-json": {"schema": {
                                "type": "object"}}, "application/json": {"schema": {
                                    "type": "object"}}}},
            "responses": {**get.get("responses", {}),
                          "413": {"$ref": "#/components/responses/ogc-InvalidParameter"}}}


def localize(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with every external ``$ref`` pointing at a local component (in place).

    Raises
    ------
    ExternalReference
        Naming the first reference :data:`LOCAL_REFS` does not know.
    """
    components = doc.setdefault("components", {})
    for section, local in (("schemas", SCHEMAS), ("responses", RESPONSES),
                           ("parameters", PARAMETERS)):
        components.setdefault(section, {}).update(local)
    stack: list[Any] = [doc]
    while stack:  # iterative: the document is deep
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                if ref not in LOCAL_REFS:
                    raise ExternalReference(f"no local copy of $ref {ref}")
                node["$ref"] = LOCAL_REFS[ref]
            stack += node.values()
        elif isinstance(node, list):
            stack += node
    return doc
