"""Lookup by parcel (capakey) or address for the Vastgoedinformatieplatform.

``routes(reader)`` gives the main app ``GET /api/v1/woningkwaliteit``; ``openapi_paths()`` its
OpenAPI description, which the main app merges into its OpenAPI document.
"""

from publisher.serving.lookup.openapi import openapi_paths
from publisher.serving.lookup.routes import routes

__all__ = ["openapi_paths", "routes"]
