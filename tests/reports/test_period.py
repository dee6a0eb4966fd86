"""Report periods: ISO weeks, months and ranges, and the period each is compared with."""

from __future__ import annotations

from datetime import date

import pytest

from portal.reports import period


def test_an_iso_week_runs_monday_to_sunday_and_is_compared_with_the_week_before() -> None:
    week = period.parse("2026-W47")
    assert (week.start, week.end, week.label, week.days) == (date(2026, 11, 16), date(2026, 11, 22), "2026-W47", 7)
    assert week.previous().label == "2026-W46"
    assert period.parse("2027-W01").start == date(2027, 1, 4)  # ISO week 1 holds the year's first Thursday
    assert period.week_of(date(2027, 1, 1)).label == "2026-W53"  # ... so 1 Jan 2027 is in 2026's last week


def test_the_monday_email_covers_the_whole_previous_week() -> None:
    monday = date(2026, 11, 23)
    assert period.last_week(monday).label == "2026-W47"
    assert period.last_week(date(2026, 11, 29)).label == "2026-W47"  # any day of the following week
    assert period.last_week(monday).complete(monday)


def test_a_month_is_compared_with_as_many_days_just_before_it() -> None:
    march = period.parse("2026-03")
    assert (march.start, march.end, march.days) == (date(2026, 3, 1), date(2026, 3, 31), 31)
    before = march.previous()  # equal length, as `portal kpi --from --to` compares: 29 Jan - 28 Feb
    assert (before.start, before.end, before.days) == (date(2026, 1, 29), date(2026, 2, 28), 31)
    assert period.parse("2026-01").previous().end == date(2025, 12, 31)


def test_a_range_is_compared_with_as_many_days_just_before_it() -> None:
    chosen = period.parse("2026-11-01..2026-11-15")
    assert chosen.days == 15
    before = chosen.previous()
    assert (before.start, before.end) == (date(2026, 10, 17), date(2026, 10, 31))


@pytest.mark.parametrize(
    "text", ["2026-W54", "2026-13", "2026-11-15..2026-11-01", "last week", "2026-02-30..2026-03-01"]
)
def test_text_that_names_no_period_says_what_is_accepted(text: str) -> None:
    with pytest.raises(period.PeriodError):
        period.parse(text)
