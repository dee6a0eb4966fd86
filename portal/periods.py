"""Named periods a leader picks from, resolved to office-local date ranges."""

from __future__ import annotations

from datetime import date, timedelta

PERIODS = ("last_12_months", "this_year", "this_month", "this_week", "last_week", "all", "custom")
# The days a chosen period may span. Beyond them a comparison period or a baseline before the start can fall off
# the calendar (before year 1), and nothing the office records lies there anyway.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


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


def within_reach(*days: date | None) -> bool:
    """Whether every given day lies between FIRST_DAY and LAST_DAY (None: unbounded, fine)."""
    return all(day is None or FIRST_DAY <= day <= LAST_DAY for day in days)


def _clamped(year: int, month: int, day: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day, (following - timedelta(days=1)).day))


def previous(code: str, start: date | None, end: date | None) -> tuple[date, date] | None:
    """The period a figure is compared with: the one before, of equal length.

    A month or year still under way is compared with the same days of the month or year before (1-10 April
    with 1-10 March), never with a whole month; weeks with the same weekdays of the week before; anything
    else with the days just before it. None for an unbounded period.
    """
    if start is None or end is None:
        return None
    if code == "this_month":
        year, month = (start.year, start.month - 1) if start.month > 1 else (start.year - 1, 12)
        return date(year, month, 1), _clamped(year, month, end.day)
    if code == "this_year":
        return date(start.year - 1, 1, 1), _clamped(end.year - 1, end.month, end.day)
    if code in ("this_week", "last_week"):
        return start - timedelta(days=7), end - timedelta(days=7)
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


GRAINS = ("day", "week", "month")
MAX_POINTS = 400  # a trend with more points than this is drawn at the next coarser grain


def default_grain(start: date, end: date) -> str:
    """Days for up to a month, weeks up to a quarter, months beyond."""
    days = (end - start).days + 1
    return "day" if days <= 31 else "week" if days <= 92 else "month"


def buckets(start: date, end: date, grain: str) -> list[tuple[date, date]]:
    """The period cut into days, weeks (Monday to Sunday) or calendar months; the first and last are clipped."""
    found: list[tuple[date, date]] = []
    current = start
    while current <= end:
        if grain == "day":
            last = current
        elif grain == "week":
            last = current + timedelta(days=6 - current.weekday())
        elif grain == "month":
            last = _clamped(current.year, current.month, 31)
        else:
            raise ValueError(f"unknown grain {grain!r}; expected one of {', '.join(GRAINS)}")
        found.append((current, min(last, end)))
        current = min(last, end) + timedelta(days=1)
    return found


def fitting_grain(start: date, end: date, grain: str) -> str:
    """`grain`, or the first coarser one that cuts the period into about MAX_POINTS buckets or fewer (months
    at the coarsest: a century of months is 1,200 points, still drawable)."""
    days = (end - start).days + 1
    for candidate, length in (("day", 1), ("week", 7)):
        if GRAINS.index(candidate) >= GRAINS.index(grain) and days // length <= MAX_POINTS:
            return candidate
    return "month"
