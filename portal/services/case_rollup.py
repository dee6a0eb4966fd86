"""Keeps `case_daily` (the KPI rollup) equal to what the case table says.

Every service that writes cases reports the change here in the same transaction: the rows it added, and for
an edit the case's KPI-relevant values before and after. Changes are applied as deltas with an upsert
(`count = count + delta`), which the database serialises per row, so concurrent writers never lose one another's
counts (a recompute from a snapshot would). `rebuild` recomputes everything from the cases (bulk loads, repairs)
and `differences` compares the two (tests, `portal kpi check`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, delete, func, literal, select
from sqlalchemy import case as sql_case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.expression import cast
from sqlmodel import Session, col

from db.models import ALL_SOURCES, Case, CaseDaily, CaseLevel, CaseStatus, Satisfaction
from portal import clock

KEY = ("source", "day", "org_id", "category_id")
STATUS_COLUMNS = {s.value: f"status_{s.value}" for s in CaseStatus}
MEASURES = (
    "total",
    *STATUS_COLUMNS.values(),
    "solved",
    "closed_at_grid",
    "timed",
    "on_time",
    "rated",
    "satisfied",
    "handling_seconds",
)
FIELDS: tuple[str, ...] = ("source", "reported_on", "org_id", "category_id", "status", "level")
FIELDS += ("reported_at", "resolved_at", "due_at", "satisfaction")
SATISFIED = (Satisfaction.SATISFIED.value, Satisfaction.BASICALLY_SATISFIED.value)

Key = tuple[str, date, int, int]


def snapshot(case: Case | Mapping[str, Any]) -> dict[str, Any]:
    """The values of a case that the rollup depends on (take it before an edit, and again after)."""
    if isinstance(case, Case):
        return {name: getattr(case, name) for name in FIELDS}
    return {name: case.get(name) for name in FIELDS}


def handling_seconds(reported_at: datetime, resolved_at: datetime) -> int:
    """Whole seconds from report to resolution, rounded half up (as `rebuild` rounds in SQL)."""
    return math.floor((clock.as_utc(resolved_at) - clock.as_utc(reported_at)).total_seconds() + 0.5)


def contribution(values: Mapping[str, Any]) -> dict[str, int]:
    """What one case adds to its rollup rows."""
    resolved_at, due_at = values["resolved_at"], values["due_at"]
    solved = resolved_at is not None
    measures = dict.fromkeys(MEASURES, 0)
    measures["total"] = 1
    measures[STATUS_COLUMNS[values["status"]]] = 1
    measures["solved"] = int(solved)
    measures["closed_at_grid"] = int(values["status"] == CaseStatus.CLOSED and values["level"] == CaseLevel.GRID)
    measures["timed"] = int(solved and due_at is not None)
    measures["on_time"] = int(solved and due_at is not None and clock.as_utc(resolved_at) <= clock.as_utc(due_at))
    measures["rated"] = int(values["satisfaction"] is not None)
    measures["satisfied"] = int(values["satisfaction"] in SATISFIED)
    measures["handling_seconds"] = handling_seconds(values["reported_at"], resolved_at) if solved else 0
    return measures


def _keys(values: Mapping[str, Any]) -> tuple[Key, Key]:
    day, org_id, category_id = values["reported_on"], values["org_id"], values["category_id"]
    return (values["source"], day, org_id, category_id), (ALL_SOURCES, day, org_id, category_id)


def record(
    session: Session,
    *,
    added: Iterable[Mapping[str, Any]] = (),
    removed: Iterable[Mapping[str, Any]] = (),
) -> None:
    """Apply cases added (or an edit's new values) and removed (or its old values) to the rollup."""
    deltas: dict[Key, dict[str, int]] = {}
    for sign, rows in ((1, added), (-1, removed)):
        for row in rows:
            measures = contribution(row)
            for key in _keys(row):
                target = deltas.setdefault(key, dict.fromkeys(MEASURES, 0))
                for name, value in measures.items():
                    target[name] += sign * value
    changed = [
        dict(zip(KEY, key, strict=True)) | measures
        for key, measures in sorted(deltas.items())  # one order for every writer: no deadlocks between upserts
        if any(measures.values())
    ]
    if changed:
        session.execute(_upsert(session), changed)


def record_edit(session: Session, before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
    """Apply one case's edit, given `snapshot`s taken before and after it."""
    if dict(before) != dict(after):
        record(session, added=[after], removed=[before])


def _upsert(session: Session) -> Any:
    table = CaseDaily.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    stmt = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=list(KEY), set_={name: table.c[name] + stmt.excluded[name] for name in MEASURES}
    )


def _computed(session: Session, *, by_source: bool) -> Any:
    """SELECT of the rollup rows computed from the case table (per source, or all sources together)."""
    status, level = col(Case.status), col(Case.level)
    resolved_at, due_at = col(Case.resolved_at), col(Case.due_at)
    if session.get_bind().dialect.name == "sqlite":
        span: ColumnElement[Any] = (func.julianday(resolved_at) - func.julianday(col(Case.reported_at))) * 86400
        seconds: ColumnElement[Any] = cast(span + 0.5, Integer)
    else:
        span = func.extract("epoch", resolved_at - col(Case.reported_at))
        seconds = cast(func.floor(span + 0.5), postgresql.BIGINT)

    def flag(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.sum(sql_case((condition, 1), else_=0))

    source = col(Case.source) if by_source else literal(ALL_SOURCES)
    keys = [col(Case.reported_on), col(Case.org_id), col(Case.category_id)]
    return select(
        source,
        *keys,
        func.count(),
        *(flag(status == value) for value in STATUS_COLUMNS),
        flag(resolved_at.is_not(None)),
        flag((status == CaseStatus.CLOSED.value) & (level == CaseLevel.GRID.value)),
        flag(resolved_at.is_not(None) & due_at.is_not(None)),
        flag(resolved_at.is_not(None) & (resolved_at <= due_at)),
        flag(col(Case.satisfaction).is_not(None)),
        flag(col(Case.satisfaction).in_(SATISFIED)),
        func.sum(sql_case((resolved_at.is_not(None), seconds), else_=0)),
    ).group_by(*([col(Case.source)] if by_source else []), *keys)


def rebuild(session: Session) -> None:
    """Recompute the whole rollup from the cases (after bulk loads that bypass `record`)."""
    table = CaseDaily.__table__  # type: ignore[attr-defined]
    session.execute(delete(table))
    for by_source in (True, False):
        session.execute(table.insert().from_select([*KEY, *MEASURES], _computed(session, by_source=by_source)))


def differences(session: Session) -> list[tuple[Key, dict[str, int], dict[str, int]]]:
    """Rows where the stored rollup and the cases disagree: (key, stored, computed); empty when in step."""
    table = CaseDaily.__table__  # type: ignore[attr-defined]

    def rows(result: Any) -> dict[Key, dict[str, int]]:
        found = {}
        for row in result:
            measures = {name: int(value or 0) for name, value in zip(MEASURES, row[4:], strict=True)}
            if any(measures.values()):
                found[tuple(row[:4])] = measures
        return found

    stored = rows(session.execute(select(*(table.c[n] for n in (*KEY, *MEASURES)))))
    computed = rows(session.execute(_computed(session, by_source=True)))
    computed |= rows(session.execute(_computed(session, by_source=False)))
    zero = dict.fromkeys(MEASURES, 0)
    return [
        (key, stored.get(key, zero), computed.get(key, zero))
        for key in sorted(stored.keys() | computed.keys())
        if stored.get(key) != computed.get(key)
    ]
