"""The KPI pages' SQL: grouped sums over `case_daily`, never over the case table.

Each query takes a list of windows (first day, last day) and labels every row with the window it falls in,
so one pass over the rollup gives the period and the period it is compared with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy import case as sql_case
from sqlmodel import Session

from db.models import ALL_SOURCES, CaseDaily
from portal.services.case_rollup import MEASURES

Window = tuple[date, date]
TABLE = CaseDaily.__table__  # type: ignore[attr-defined]


def conditions(*, visible: set[int] | None, source: str | None, category_id: int | None) -> list[ColumnElement[bool]]:
    """Scope and filters on the rollup: the org nodes the actor may see, one source (or all), one category."""
    found: list[ColumnElement[bool]] = [TABLE.c.source == (source or ALL_SOURCES)]
    if visible is not None:
        found.append(TABLE.c.org_id.in_(sorted(visible)))
    if category_id is not None:
        found.append(TABLE.c.category_id == category_id)
    return found


def _windowed(where: list[ColumnElement[bool]], windows: Sequence[Window], columns: Sequence[str]) -> Any:
    """A subquery of rollup rows inside any window, labelled `w` with the window's index."""
    day = TABLE.c.day
    label = sql_case(*((day.between(start, end), index) for index, (start, end) in enumerate(windows)), else_=-1)
    return (
        select(label.label("w"), *(TABLE.c[name] for name in columns))
        .where(*where, day.between(min(s for s, _ in windows), max(e for _, e in windows)))
        .subquery()
    )


def sums_by_unit_and_category(
    session: Session, where: list[ColumnElement[bool]], windows: Sequence[Window]
) -> list[tuple[int, int, int, dict[str, int]]]:
    """(window, org_id, category_id, {measure: sum}) for every org node and category with cases."""
    sub = _windowed(where, windows, ["org_id", "category_id", *MEASURES])
    rows = session.execute(
        select(sub.c.w, sub.c.org_id, sub.c.category_id, *(func.sum(sub.c[m]) for m in MEASURES))
        .where(sub.c.w >= 0)
        .group_by(sub.c.w, sub.c.org_id, sub.c.category_id)
    ).all()
    return [
        (int(w), int(org), int(cat), {m: int(v or 0) for m, v in zip(MEASURES, values, strict=True)})
        for w, org, cat, *values in rows
    ]


def totals_by_day(session: Session, where: list[ColumnElement[bool]], windows: Sequence[Window]) -> dict[date, int]:
    """Cases reported on each day of the windows (days without cases are absent)."""
    sub = _windowed(where, windows, ["day", "total"])
    rows = session.execute(select(sub.c.day, func.sum(sub.c.total)).where(sub.c.w >= 0).group_by(sub.c.day)).all()
    return {day: int(total or 0) for day, total in rows}


def totals_by_window(
    session: Session, where: list[ColumnElement[bool]], windows: Sequence[Window]
) -> list[tuple[int, int, int, int]]:
    """(window, org_id, category_id, cases): the early-warning counts."""
    sub = _windowed(where, windows, ["org_id", "category_id", "total"])
    rows = session.execute(
        select(sub.c.w, sub.c.org_id, sub.c.category_id, func.sum(sub.c.total))
        .where(sub.c.w >= 0)
        .group_by(sub.c.w, sub.c.org_id, sub.c.category_id)
    ).all()
    return [(int(w), int(org), int(cat), int(total or 0)) for w, org, cat, total in rows]
