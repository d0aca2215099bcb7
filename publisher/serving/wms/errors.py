"""Everything that can go wrong in a WMS request, as WMS exception codes.

Parsers and operations raise these plain exceptions and know nothing of HTTP; the one
boundary (:mod:`publisher.serving.wms.routes`) renders them as the client asked in
``EXCEPTIONS``: a ``ServiceExceptionReport`` (XML, the default), or an image (``INIMAGE``:
the message drawn in the map; ``BLANK``: an empty map) when the client can only show images.
Messages are safe to show: they name the parameter and the value, never a stack trace.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from publisher.serving.crs import CrsError
from publisher.serving.echo import quoted
from publisher.serving.filters.compiler import FilterError
from publisher.serving.wms.settings import MAX_ECHO_CHARS, RETRY_AFTER_SECONDS

OGC_NS = "http://www.opengis.net/ogc"
EXCEPTIONS_XSD = "http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd"
EXCEPTIONS_DTD = "http://schemas.opengis.net/wms/1.1.1/WMS_exception_1_1_1.dtd"
#: Media type of an XML exception per version (1.1.1 has its own, 1.3.0 plain XML).
MEDIA_TYPES = {"1.3.0": "text/xml; charset=utf-8",
               "1.1.1": "application/vnd.ogc.se_xml; charset=utf-8"}


class WMSError(Exception):
    """Base: a WMS exception code, an optional locator and the HTTP status to answer with.

    The status is a 4xx for a client error (the project's rule; WMS 1.3.0 leaves it open),
    so caches and monitoring tell errors from maps; clients read the report either way.
    """

    code: str | None = None  # None: no code (a plain failure)
    status = 400
    headers: dict[str, str] = {}  # noqa: RUF012 (read-only default, replaced, not mutated)

    def __init__(self, message: str, locator: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.locator = locator

    def code_for(self, version: str) -> str | None:
        """The code as ``version`` names it (1.1.1 says SRS where 1.3.0 says CRS)."""
        return self.code


class InvalidParameterValue(WMSError):
    """A parameter has a value we cannot use (a size, a number, a BBOX, a filter)."""

    code = "InvalidParameterValue"


class MissingParameterValue(WMSError):
    """A mandatory parameter is absent or empty."""

    code = "MissingParameterValue"


class OperationNotSupported(WMSError):
    """A request this service does not implement."""

    code = "OperationNotSupported"


class InvalidFormat(WMSError):
    """FORMAT or INFO_FORMAT names a format we do not produce."""

    code = "InvalidFormat"


class InvalidCRS(WMSError):
    """CRS (1.3.0) or SRS (1.1.1) names a CRS we do not serve."""

    code = "InvalidCRS"

    def code_for(self, version: str) -> str | None:
        """``InvalidSRS`` in 1.1.1."""
        return "InvalidSRS" if version == "1.1.1" else self.code


class LayerNotDefined(WMSError):
    """LAYERS, QUERY_LAYERS or LAYER names a layer we do not offer."""

    code = "LayerNotDefined"


class StyleNotDefined(WMSError):
    """STYLES names a style the layer does not have, or the lists differ in length."""

    code = "StyleNotDefined"


class LayerNotQueryable(WMSError):
    """QUERY_LAYERS names a layer GetFeatureInfo cannot answer for."""

    code = "LayerNotQueryable"


class InvalidPoint(WMSError):
    """I/J (X/Y) outside the map of a GetFeatureInfo."""

    code = "InvalidPoint"


class VersionNegotiationFailed(WMSError):
    """A VERSION we do not speak, for an operation other than GetCapabilities."""

    code = "InvalidParameterValue"


class ServiceUnavailable(WMSError):
    """No publication exists yet, it cannot be read, or the time budget ran out."""

    status = 503
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}  # noqa: RUF012 (read-only)


class RequestTooLarge(WMSError):
    """A request URL past its documented limit (414): refused before parsing."""

    status = 414


def from_value_error(exc: CrsError | FilterError) -> WMSError:
    """The WMS exception of an error raised by the CRS module or the filter compiler."""
    if isinstance(exc, FilterError):
        return InvalidParameterValue(exc.message, "CQL_FILTER")
    return InvalidParameterValue(exc.message, exc.locator or "BBOX")


#: Characters XML 1.0 cannot carry at all (not even escaped).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """``text`` as it may be echoed into XML: impossible characters replaced, length capped."""
    text = _NOT_XML.sub("\ufffd", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


short = quoted  # the one echo rule (publisher.serving.echo)


def exception_report(error: WMSError, version: str) -> bytes:
    """The ``ServiceExceptionReport`` of ``version`` (valid against its XSD or DTD)."""
    message = escape(xml_safe(error.message))
    code = error.code_for(version)
    code_attr = f" code={quoteattr(code)}" if code else ""
    if version == "1.1.1":  # the DTD has no locator attribute
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            f'<!DOCTYPE ServiceExceptionReport SYSTEM "{EXCEPTIONS_DTD}">\n'
            '<ServiceExceptionReport version="1.1.1">'
            f"<ServiceException{code_attr}>{message}</ServiceException>"
            "</ServiceExceptionReport>\n").encode()
    locator = (f" locator={quoteattr(xml_safe(error.locator, 100))}" if error.locator
               else "")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ServiceExceptionReport version="1.3.0" xmlns="{OGC_NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{OGC_NS} {EXCEPTIONS_XSD}">'
        f"<ServiceException{code_attr}{locator}>{message}</ServiceException>"
        "</ServiceExceptionReport>\n").encode()
