"""Named periods a leader picks from, resolved to office-local date ranges."""

from __future__ import annotations

from datetime import date, timedelta

PERIODS = ("last_12_months", "this_year", "this_month", "this_week", "last_week", "all", "custom")


def resolve(code: str, today: date, custom: tuple[date, date] | None = None) -> tuple[date | None, date | None]:
    """(first day, last day) of a named period; both inclusive, None for unbounded."""
    if code == "last_12_months":
        return today - timedelta(days=365), today
    if code == "this_year":
        return today.replace(month=1, day=1), today
    if code == "this_month":
        return today.replace(day=1), today
    if code == "this_week":
        return today - timedelta(days=today.weekday()), today
    if code == "last_week":
        monday = today - timedelta(days=today.weekday() + 7)
        return monday, monday + timedelta(days=6)
    if code == "all":
        return None, None
    if code == "custom":
        if custom is None:
            raise ValueError("custom period needs a start and an end")
        start, end = custom
        return (start, end) if start <= end else (end, start)
    raise ValueError(f"unknown period {code!r}; expected one of {', '.join(PERIODS)}")
