"""WMS settings in one place, each with the reason for its value."""

from __future__ import annotations

import os

from publisher.serving import edge

#: Versions we answer, highest first (WMS 1.3.0 §6.2.4 negotiation picks among them).
VERSIONS = ("1.3.0", "1.1.1")
#: Largest WIDTH and HEIGHT of a GetMap or GetLegendGraphic (pixels), advertised as
#: ``MaxWidth``/``MaxHeight``: a 4096×4096 RGBA canvas is 64 MB, the most one request may
#: hold. MapServer's default MAXSIZE is the same 4096.
MAX_SIZE = 4096
#: Most features a GetFeatureInfo lists (FEATURE_COUNT is capped here, default 1 per spec).
MAX_FEATURE_COUNT = 50
#: Radius (pixels) around the clicked pixel where a GetFeatureInfo finds a point: half a
#: symbol, so a click on a drawn symbol finds its feature.
INFO_RADIUS_PX = 8
#: Longest CQL_FILTER (characters): ECQL is parsed by recursive descent.
MAX_CQL_CHARS = 20_000
#: Longest request target (path + query, bytes), answered 414 past it.
MAX_URL_BYTES = 16 * 1024
#: Longest text echoed from a request into an exception (message, locator).
MAX_ECHO_CHARS = 500
#: Seconds a filtered GetMap or a GetFeatureInfo may spend reading the publication before
#: it is abandoned with a 503 + Retry-After; an unfiltered map reads memory-mapped columns.
TIME_BUDGET_SECONDS = float(os.environ.get("VLOK_WMS_TIME_BUDGET", "20"))
#: Retry-After (seconds) with a 503: the one value of every surface.
RETRY_AFTER_SECONDS = edge.RETRY_AFTER_SECONDS
#: Seconds a map may be reused without asking; after that a client or CDN revalidates with
#: If-None-Match and gets a 304 until the next publication changes the ETag (run ids).
MAX_AGE_SECONDS = 300
#: Scale denominator (1 : n) above which a product layer draws clusters per grid cell
#: rather than every point: ~1:25,000 is a street map, where every address is apart.
POINTS_BELOW_SCALE = 25_000
#: Side (pixels) of the cluster grid; the grid is fixed to the CRS origin, not to the image,
#: so adjacent tiles of one client cluster alike.
CLUSTER_CELL_PX = 64
#: Points closer than this (pixels) are drawn as one symbol (the last one in publication
#: order): a map never stamps more symbols than the image has cells of this size.
THIN_PX = 3
#: Projected coordinates beyond this (metres) lie nowhere on Earth: refused, not rendered.
MAX_PROJECTED = 1e8
#: Scale range advertised per layer (1 : n); a request outside it draws nothing there.
MIN_SCALE_DENOMINATOR = 100.0
MAX_SCALE_DENOMINATOR = 10_000_000.0

SERVICE_NAME = "WMS"
SERVICE_TITLE = "Woningkwaliteit Vlaanderen (VLOK): kaarten van de publieke feiten"
SERVICE_ABSTRACT = (
    "Kaarten van de publieke feiten over woningkwaliteit in Vlaanderen: woningen met een "
    "geldig conformiteitsattest, woningen op de Vlaamse inventaris van ongeschikte en "
    "onbewoonbare woningen, gebouwen in het register van herstelvorderingen (een laag per "
    "PRODUCT) en de parameters van het lokale woningkwaliteitsbeleid per gemeente. Dezelfde "
    "objecten als de WFS en OGC API Features van deze dienst."
)
KEYWORDS = ("woningkwaliteit", "conformiteitsattest", "VLOK", "Vlaanderen", "infoMapAccessService")
PROVIDER = "Wonen in Vlaanderen"
FEES = "geen"
ACCESS_CONSTRAINTS = "geen beperkingen op de publieke toegang"
