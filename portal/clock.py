"""The portal's clock. Tests move time by patching `now` (the clock is the edge of the world)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.config import get_settings


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


def local_tz() -> ZoneInfo:
    """The office's time zone (PORTAL_TIMEZONE)."""
    return get_settings().tz


def today() -> date:
    """Today's date in the office's time zone."""
    return now().astimezone(local_tz()).date()


def local_day(instant: datetime) -> date:
    """The office-local calendar day of an instant."""
    return as_utc(instant).astimezone(local_tz()).date()


def day_start(day: date) -> datetime:
    """The UTC instant at which an office-local day begins."""
    return datetime.combine(day, time.min, tzinfo=local_tz()).astimezone(UTC)


def day_end(day: date) -> datetime:
    """The UTC instant at which an office-local day ends (exclusive)."""
    return day_start(day + timedelta(days=1))


def as_utc(instant: datetime) -> datetime:
    """An aware UTC datetime; naive input is taken as UTC (that is how the database stores it)."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def local_text(instant: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant as the office's wall-clock time, as text ('' for none): how every page, file and email shows it."""
    return as_utc(instant).astimezone(local_tz()).strftime(fmt) if instant else ""
