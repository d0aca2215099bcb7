"""The OGC API's documented request limits, and the checks of the parameters pygeoapi lets by.

Why limits at all (issue 11): every request must cost a bounded amount of work, so each input
that sizes the work has a ceiling, and a request past it is a 400 naming the value and the
ceiling, never a 500, a hang or a silently different answer. ``limit`` is the exception on
purpose: a ``limit`` above the maximum is clamped, not refused (ogcapi-features #368), and
``numberReturned`` says how many came back; pygeoapi does that from ``pygeoapi-config.yml``.

Each ceiling is one constant here with the reason for its value (the OGC API's settings module,
as django-gisserver's ``conf.py`` keeps its tunables).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

from publisher.serving.echo import quoted

#: Largest ``offset``: far beyond any publication (Flanders has ~200,000 features), far below
#: the 64-bit integers SQLite and PostgreSQL bind (2**63 - 1), where a larger one used to fail.
MAX_OFFSET = 1_000_000_000
#: Longest ``filter`` text, in characters: a 90-term OR of postcodes is ~1,800 characters;
#: 8,000 leaves room and stays within the URL lengths proxies accept.
MAX_FILTER_LENGTH = 8_000
#: Largest POSTed CQL2 JSON filter, in bytes: JSON spells a term in ~4 times the characters.
MAX_FILTER_JSON_BYTES = 4 * MAX_FILTER_LENGTH
#: Deepest nesting of a filter: brackets in the text, and NOT/AND/OR levels in the parsed tree
#: once chains of one operator are flattened (``a OR b OR c`` is one level).
MAX_FILTER_DEPTH = 20
#: Most predicates (comparisons, LIKE, IN, BETWEEN, spatial tests) in one filter; the values
#: of one ``IN (...)`` list count one each.
MAX_FILTER_TERMS = 500
#: Longest ``datetime`` value: an RFC 3339 interval is at most ~70 characters.
MAX_DATETIME_LENGTH = 100

_DIGITS = re.compile("[0-9]+")  # ASCII only: str.isdigit() also accepts "²"


def items_parameter_problem(params: Mapping[str, str]) -> str | None:
    """The reason an items request's parameters cannot be answered, or None when they can.

    Only what pygeoapi 0.21 accepts wrongly (with a 500 or by ignoring it) is checked here;
    everything else is left to pygeoapi so its messages stay the one source.

    Parameters
    ----------
    params
        The request's query parameters.

    Returns
    -------
    str or None
        A message naming the parameter, its value and the rule it breaks.
    """
    offset = params.get("offset")
    digits = offset.strip().lstrip("+") if offset is not None else ""
    if _DIGITS.fullmatch(digits) and (len(digits) > 12 or int(digits) > MAX_OFFSET):
        return (f"offset {quoted(offset)} exceeds the maximum {MAX_OFFSET:,}: no collection "
                "has that many features")
    sortby = params.get("sortby")
    if sortby is not None and any(t.strip("+- ") == "" for t in sortby.split(",")):
        return f"sortby {quoted(sortby)} has an empty property name"
    when = params.get("datetime")
    if when is not None and (reason := datetime_problem(when)):
        return reason
    return None


def datetime_problem(value: str) -> str | None:
    """Why ``value`` is not an OGC API ``datetime`` (an instant or an interval), or None.

    OGC API Features Part 1 §7.15.4: an RFC 3339 date or date-time, or an interval of two,
    either end open (``..`` or empty). Our collections have no temporal extent, so a valid
    value selects everything (as pygeoapi does); an invalid one is a client error.
    """
    if len(value) > MAX_DATETIME_LENGTH:
        return (f"datetime value is {len(value)} characters long; the maximum is "
                f"{MAX_DATETIME_LENGTH}")
    parts = value.split("/")
    if len(parts) > 2 or value in ("", "/", "../..", "/..", "../"):
        return (f"datetime {quoted(value)} is not an RFC 3339 instant or interval "
                "(e.g. 2026-11-23, 2026-11-23T00:00:00Z or 2026-01-01/..)")
    moments = []
    for part in parts:
        if len(parts) == 2 and part in ("", ".."):
            moments.append(None)
            continue
        moment = _instant(part)
        if moment is None:
            return (f"datetime {quoted(value)}: {quoted(part)} is not an RFC 3339 date or "
                    "date-time (e.g. 2026-11-23 or 2026-11-23T12:00:00Z)")
        moments.append(moment)
    if len(moments) == 2 and None not in moments:
        start, end = moments
        try:
            if start > end:  # type: ignore[operator]
                return f"datetime {quoted(value)}: the interval ends before it starts"
        except TypeError:  # one end with, one without a time zone: incomparable
            return f"datetime {quoted(value)}: give both ends with or both without a time zone"
    return None


def _instant(text: str) -> datetime | None:
    """An RFC 3339 date (as midnight) or date-time, or None when ``text`` is neither."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day)
        if "T" not in text.upper() or len(text) < 19:
            return None
        return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        return None


