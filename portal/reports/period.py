"""The periods a report covers: an ISO week (2026-W47), a month (2026-11) or a date range (2026-11-01..2026-11-15),
and the period each is compared with."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\s*(?:\.\.|/|~| to )\s*(\d{4}-\d{2}-\d{2})")


class PeriodError(ValueError):
    """Text that names no period; the message says what is accepted."""


@dataclass(frozen=True)
class ReportPeriod:
    kind: str  # week | month | range
    start: date
    end: date  # inclusive
    label: str  # 2026-W47, 2026-11, 2026-11-01..2026-11-15: also the period's key in notifications

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> ReportPeriod:
        """The period compared with: as many days just before (the week before a week). The same rule as
        `portal kpi --from --to` and the KPI page's custom period, so the report's changes match theirs."""
        if self.kind == "week":
            return week_of(self.start - timedelta(days=7))
        return date_range(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def complete(self, today: date) -> bool:
        """Whether the period is over (a report on a period under way says so in its header)."""
        return self.end < today


def week_of(day: date) -> ReportPeriod:
    """The ISO week (Monday to Sunday) holding `day`."""
    year, number, weekday = day.isocalendar()
    start = day - timedelta(days=weekday - 1)
    return ReportPeriod("week", start, start + timedelta(days=6), f"{year}-W{number:02d}")


def last_week(today: date) -> ReportPeriod:
    """The ISO week before the one holding `today`: what the Monday email covers."""
    return week_of(today - timedelta(days=7))


def month(year: int, number: int) -> ReportPeriod:
    start = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return ReportPeriod("month", start, following - timedelta(days=1), f"{year}-{number:02d}")


def date_range(start: date, end: date) -> ReportPeriod:
    if end < start:
        raise PeriodError(f"the range ends ({end}) before it starts ({start})")
    return ReportPeriod("range", start, end, f"{start.isoformat()}..{end.isoformat()}")


def parse(text: str) -> ReportPeriod:
    """2026-W47 (ISO week), 2026-11 (month) or 2026-11-01..2026-11-15 (inclusive range)."""
    raw = text.strip()
    try:
        if match := _WEEK.fullmatch(raw):
            return week_of(date.fromisocalendar(int(match[1]), int(match[2]), 1))
        if match := _RANGE.fullmatch(raw):
            return date_range(date.fromisoformat(match[1]), date.fromisoformat(match[2]))
        if match := _MONTH.fullmatch(raw):
            return month(int(match[1]), int(match[2]))
    except ValueError as exc:
        raise PeriodError(f"{raw!r} is not a valid period: {exc}") from None
    raise PeriodError(f"{raw!r} is not a period: use 2026-W47, 2026-11 or 2026-11-01..2026-11-15")
