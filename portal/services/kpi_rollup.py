"""The KPI pages' SQL: grouped sums over `case_daily`, never over the case table.

Each query takes a list of windows (first day, last day) and labels every row with the window it falls in,
so one pass over the rollup gives the period and the period it is compared with.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, literal, or_, select, text, union_all
from sqlalchemy import case as sql_case
from sqlalchemy.engine import Engine
from sqlmodel import Session

from db.models import ALL_SOURCES, CaseDaily
from portal.services.case_rollup import MEASURES

Window = tuple[date, date]
T = TypeVar("T")
TABLE = CaseDaily.__table__  # type: ignore[attr-defined]


def conditions(*, visible: set[int] | None, source: str | None, category_id: int | None) -> list[ColumnElement[bool]]:
    """Scope and filters on the rollup: the org nodes the actor may see, one source (or all), one category."""
    found: list[ColumnElement[bool]] = [TABLE.c.source == (source or ALL_SOURCES)]
    if visible is not None:
        # Several nodes: `org_id + 0`, a filter on the rows of the day range rather than part of the key's range.
        # PostgreSQL 15 reads an IN list on the key's third column (after the day range) as one pass over the
        # whole range per value; a community's seven nodes made seven passes (at 1M cases its early-warning read
        # 17.8 ms, 8.7 ms as a filter). SQLite filters either way (same time).
        org = TABLE.c.org_id if len(visible) == 1 else TABLE.c.org_id + 0
        found.append(org.in_(sorted(visible)))
    if category_id is not None:
        found.append(TABLE.c.category_id == category_id)
    return found


def _per_window(
    where: list[ColumnElement[bool]], windows: Sequence[Window], keys: Sequence[ColumnElement[Any]], sums: Sequence[str]
) -> Any:
    """One grouped range read per window, glued with UNION ALL, each row labelled `w` with its window's index.

    Why not one pass labelling rows with CASE over all windows: every row then evaluates a CASE per window
    (nine for the early warning), and the grouping sorts the whole range at once; reading each window's days
    by the primary key (source, day, ...) and grouping them apart was 1.6–2.8x faster at 1M cases on both
    databases (bench/README.md, "The KPI pages")."""
    day = TABLE.c.day
    return union_all(
        *(
            select(
                literal(index).label("w"),
                *(key.label(f"k{n}") for n, key in enumerate(keys)),
                *(func.sum(TABLE.c[name]).label(name) for name in sums),
            )
            .where(*where, day.between(first, last))
            .group_by(*keys)
            for index, (first, last) in enumerate(windows)
        )
    )


def unit_of_row(units: dict[int, set[int]], scope_node: int) -> ColumnElement[int]:
    """Each rollup row's unit: the child of the scope whose subtree holds its org node, else the scope node itself
    (`units` maps each child to its subtree), so the database groups by unit instead of by org node."""
    whens = [(TABLE.c.org_id.in_(sorted(nodes)), unit) for unit, nodes in units.items() if nodes]
    return sql_case(*whens, else_=scope_node) if whens else literal(scope_node)


def sums_by_unit_and_category(
    session: Session, where: list[ColumnElement[bool]], windows: Sequence[Window], unit: ColumnElement[int]
) -> list[tuple[int, int, int, dict[str, int]]]:
    """(window, unit, category_id, {measure: sum}) for every unit and category with cases."""
    rows = session.execute(_per_window(where, windows, [unit, TABLE.c.category_id], MEASURES)).all()
    return [
        (int(w), int(unit_id), int(cat), {m: int(v or 0) for m, v in zip(MEASURES, values, strict=True)})
        for w, unit_id, cat, *values in rows
    ]


def totals_by_day(session: Session, where: list[ColumnElement[bool]], windows: Sequence[Window]) -> dict[date, int]:
    """Cases reported on each day of the windows (days without cases are absent)."""
    day = TABLE.c.day
    rows = session.execute(
        select(day, func.sum(TABLE.c.total))
        .where(
            *where,
            day.between(min(s for s, _ in windows), max(e for _, e in windows)),  # one range read by the key
            or_(*(day.between(first, last) for first, last in windows)),
        )
        .group_by(day)
    ).all()
    return {found: int(total or 0) for found, total in rows}


def totals_by_window(
    session: Session, where: list[ColumnElement[bool]], windows: Sequence[Window]
) -> list[tuple[int, int, tuple[int, ...]]]:
    """(org_id, category_id, cases in each window): the early-warning counts, one row per node and category."""
    rows = session.execute(_per_window(where, windows, [TABLE.c.org_id, TABLE.c.category_id], ["total"])).all()
    counts: dict[tuple[int, int], list[int]] = {}
    for w, org, cat, total in rows:
        counts.setdefault((int(org), int(cat)), [0] * len(windows))[int(w)] = int(total or 0)
    return [(org, cat, tuple(values)) for (org, cat), values in counts.items()]


def serial_reads(session: Session) -> None:
    """PostgreSQL: no parallel workers for the rest of this transaction's reads.

    Each KPI read is a few thousand rollup rows found by the primary key; PostgreSQL plans most of them with two
    parallel workers, whose start-up costs more than they save, and on a machine with few cores the workers of
    two reads running side by side (`beside`) crowd each other out. Measured at 1M cases on two cores, the
    sub-district's month: the overview's statements 27 ms one after another with workers, 20 ms without; side
    by side 19.6 ms with, 10.7 ms without."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def beside(session: Session, read: Callable[[Session], T]) -> Callable[[], T]:
    """Start `read` on a connection of its own in a thread while the caller goes on reading with `session`;
    the returned function waits for the result (and raises what `read` raised).

    A separate connection is a separate read transaction: a case saved in between may be counted by one of
    the two reads and not yet by the other, until the next refresh. A session bound to one connection (not to
    an engine) and an in-memory SQLite database (one per connection) have no second connection to offer:
    there the read runs in line on `session`."""
    bind = session.get_bind()
    if not isinstance(bind, Engine) or (bind.dialect.name == "sqlite" and bind.url.database in (None, "", ":memory:")):
        value = read(session)
        return lambda: value
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            with Session(bind) as side:
                serial_reads(side)
                outcome["value"] = read(side)
        except BaseException as exc:  # handed to the caller by `wait`
            outcome["error"] = exc

    # A thread per call, not a pool: RQ work horses are forked, and a pool's threads do not survive a fork.
    thread = threading.Thread(target=run, name="kpi-beside", daemon=True)
    thread.start()

    def wait() -> T:
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        value: T = outcome["value"]
        return value

    return wait
