"""Calendar arithmetic with the conventions the rules depend on."""

from __future__ import annotations

from datetime import date, timedelta


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February in a non-leap year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def add_days(day: date, days: int) -> date:
    """``day`` plus ``days`` (named for symmetry with the two above)."""
    return day + timedelta(days=days)
