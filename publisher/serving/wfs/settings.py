"""WFS settings in one place, each with the reason for its value."""

from __future__ import annotations

#: Features per page when the client gives no COUNT, and the cap on COUNT. Advertised as
#: ``CountDefault`` like the GeoServer service we replace, so QGIS/GDAL page by it.
COUNT_DEFAULT = 10_000
#: Rows fetched from SQLite per batch while streaming: bounds memory per request.
BATCH = 500
#: Decimals written for projected (metre) and geographic (degree) coordinates.
DECIMALS_METRE = 2
DECIMALS_DEGREE = 8
#: Versions we answer; 2.0.2 only clarified 2.0.0, so clients asking for it are served too.
VERSIONS = ("2.0.0", "2.0.2")
#: Longest filter (characters) we parse: a WFS filter is a query, not a data upload.
MAX_FILTER_CHARS = 1_000_000
#: Most ResourceId values / IN-list entries in one filter (SQLite's variable limit is 32766).
MAX_IDS = 10_000
SERVICE_TITLE = "Woningkwaliteit Vlaanderen (VLOK): publieke feiten"
SERVICE_ABSTRACT = (
    "Points of interest for the public housing-quality facts of Flanders (conformity "
    "certificates, inventory of unfit and uninhabitable dwellings, register of restoration "
    "claims; property PRODUCT) and the parameters of local housing-quality policy."
)
PROVIDER = "Wonen in Vlaanderen"
