"""Everything that can go wrong in a WFS request, as OWS 1.1 exception codes.

Parsers and operations raise these plain exceptions and know nothing of HTTP; the one
boundary (:mod:`publisher.serving.wfs.routes`) turns them into an ``ows:ExceptionReport``
with :func:`exception_report`. The message is always safe to show: it names the offending
parameter and value, never a stack trace or SQL.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from publisher.serving.crs import CrsError
from publisher.serving.echo import quoted
from publisher.serving.filters.compiler import FilterError, FilterNotSupported
from publisher.serving.wfs.settings import MAX_ECHO_CHARS, RETRY_AFTER_SECONDS

OWS_NS = "http://www.opengis.net/ows/1.1"
OWS_XSD = "http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd"


class WFSError(Exception):
    """Base: an OGC exception code, an optional locator and the HTTP status to answer with."""

    code = "NoApplicableCode"
    status = 400
    #: HTTP headers to send with the report (Retry-After on a 503).
    headers: dict[str, str] = {}  # noqa: RUF012 (read-only default, replaced, not mutated)

    def __init__(self, message: str, locator: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.locator = locator


class InvalidParameterValue(WFSError):
    """A parameter has a value we cannot use (unknown type name, bad CRS, bad number…)."""

    code = "InvalidParameterValue"


class MissingParameterValue(WFSError):
    """A mandatory parameter is absent or empty."""

    code = "MissingParameterValue"


class OperationNotSupported(WFSError):
    """An operation (or an optional part of one) this service does not implement."""

    code = "OperationNotSupported"


class OperationParsingFailed(WFSError):
    """An XML request or filter that is not well-formed or not understood."""

    code = "OperationParsingFailed"


class VersionNegotiationFailed(WFSError):
    """The client asked only for WFS versions we do not speak (we speak 2.0.0)."""

    code = "VersionNegotiationFailed"


class OptionNotSupported(WFSError):
    """A valid option we deliberately do not offer (e.g. joins)."""

    code = "OptionNotSupported"


class NotFound(WFSError):
    """GetFeatureById for an identifier that is not published (WFS 2.0.2 §7.5)."""

    code = "NotFound"
    status = 404


class PublicationGone(WFSError):
    """A paged harvest's publication (``PUBLICATION``) is no longer kept: start again."""

    code = "InvalidParameterValue"
    status = 410


class ServiceUnavailable(WFSError):
    """No publication exists yet, or the request ran out of its time budget: retry later."""

    code = "NoApplicableCode"
    status = 503
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}  # noqa: RUF012 (read-only)


class TimeBudgetExceeded(ServiceUnavailable):
    """The request used up settings.TIME_BUDGET_SECONDS before its first byte."""


class RequestTooLarge(WFSError):
    """A URL (414) or POST body (413) past its documented limit: refused before parsing."""

    code = "NoApplicableCode"

    def __init__(self, message: str, status: int, locator: str | None = None) -> None:
        super().__init__(message, locator)
        self.status = status


#: Characters XML 1.0 cannot carry at all (not even escaped): NUL, most C0 controls,
#: lone surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def from_value_error(exc: CrsError | FilterError) -> WFSError:
    """The OWS exception of an error raised outside the WFS (CRS module, filter compiler)."""
    if isinstance(exc, FilterNotSupported):
        return OperationNotSupported(exc.message, exc.locator)
    return InvalidParameterValue(exc.message, exc.locator)


def xml_safe(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """``text`` as it may be echoed into XML: impossible characters replaced, length capped.

    Every client value that reaches an ExceptionReport passes through here, so a ``%00`` in
    VERSION or a 4,000-digit SRSNAME can never make the report malformed or huge.
    """
    text = _NOT_XML.sub("\ufffd", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


short = quoted  # the one echo rule (publisher.serving.echo)


def exception_report(error: WFSError) -> bytes:
    """The ``ows:ExceptionReport`` document for ``error`` (valid against OWS 1.1).

    Message and locator are made XML-safe and capped (:func:`xml_safe`) here, at the one
    boundary, whatever the code that raised put into them.
    """
    message = xml_safe(error.message)
    locator = (f" locator={quoteattr(xml_safe(error.locator, 100))}" if error.locator
               else "")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ows:ExceptionReport xmlns:ows="{OWS_NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{OWS_NS} {OWS_XSD}" version="2.0.0" xml:lang="en">'
        f'<ows:Exception exceptionCode="{error.code}"{locator}>'
        f"<ows:ExceptionText>{escape(message)}</ows:ExceptionText>"
        "</ows:Exception></ows:ExceptionReport>\n"
    ).encode()
