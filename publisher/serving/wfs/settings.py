"""WFS settings in one place, each with the reason for its value."""

from __future__ import annotations

import os

from publisher.serving import edge

#: Features per page when the client gives no COUNT, and the cap on COUNT. Advertised as
#: ``CountDefault`` like the GeoServer service we replace, so QGIS/GDAL page by it.
COUNT_DEFAULT = 10_000
#: Versions we answer; 2.0.2 only clarified 2.0.0, so clients asking for it are served too.
VERSIONS = ("2.0.0", "2.0.2")
#: Longest filter (characters) we parse: a WFS filter is a query, not a data upload.
#: 10,000 ResourceIds of ~40 characters fit.
MAX_FILTER_CHARS = 1_000_000
#: Most ResourceId values / IN-list entries in one filter (SQLite's variable limit is 32766).
MAX_IDS = 10_000
#: Deepest element nesting in an FES filter (Filter/Not/And/Or/... down to a gml:pos):
#: real clients nest a handful of levels; a deeper tree only costs recursion.
MAX_FILTER_DEPTH = 32
#: Most predicates (comparison, spatial, logical operators) in one filter; ResourceIds are
#: counted by MAX_IDS instead. Clients send selections as long OR lists (a test pins 2,000);
#: the SQL compiler balances them, so the cost is linear.
MAX_FILTER_TERMS = 10_000
#: Longest CQL_FILTER (characters): ECQL is parsed by recursive descent.
MAX_CQL_CHARS = 20_000
#: Largest POST body (bytes), answered 413 past it: the longest legitimate body is a filter
#: of MAX_FILTER_CHARS plus the request around it.
MAX_BODY_BYTES = 2 * 1024 * 1024
#: Longest request target (path + query, bytes), answered 414 past it. uvicorn's h11 parser
#: refuses request heads over 16 KiB by itself; clients with longer filters POST them.
MAX_URL_BYTES = 16 * 1024
#: Highest STARTINDEX (2^31 - 1, what GDAL and GeoServer use as an int): past it a request
#: is refused rather than overflowing SQLite's 64-bit integers mid-stream.
MAX_START_INDEX = 2**31 - 1
#: Longest text echoed from a request into an ExceptionReport (message, locator).
MAX_ECHO_CHARS = 500
#: Seconds a GetFeature may spend before its first byte (parsing, the exact count, the first
#: page's query) before it is abandoned with 503 + Retry-After instead of holding a worker.
#: Once streaming has started the status is sent, so the budget covers that part only.
#: Environment variable VLOK_WFS_TIME_BUDGET overrides it.
TIME_BUDGET_SECONDS = float(os.environ.get("VLOK_WFS_TIME_BUDGET", "30"))
#: Retry-After (seconds) sent with a 503: long enough for a publication switch or a burst.
RETRY_AFTER_SECONDS = edge.RETRY_AFTER_SECONDS  # the one value of every surface
SERVICE_TITLE = "Woningkwaliteit Vlaanderen (VLOK): publieke feiten"
SERVICE_ABSTRACT = (
    "Points of interest for the public housing-quality facts of Flanders (conformity "
    "certificates, inventory of unfit and uninhabitable dwellings, register of restoration "
    "claims; property PRODUCT) and the parameters of local housing-quality policy."
)
PROVIDER = "Wonen in Vlaanderen"
