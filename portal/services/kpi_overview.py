"""Everything a KPI page shows for one scope, period and filter, read from the daily rollup.

The numbers describe the cases *reported* in the period, as they stand now; "overdue now" is the one figure of
the present moment. `portal kpi --json` prints this same object, so page and command always agree.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db.models import Case, CaseStatus, Category, Mediation, MediationOutcome
from portal import clock, periods
from portal.i18n import t
from portal.services import early_warning, kpi_rollup
from portal.services.actor import Actor
from portal.services.cases import CaseFilters, case_conditions
from portal.services.early_warning import Warning
from portal.services.errors import InvalidInput, NotFound
from portal.services.kpi import ActivityCount, KpiFilters, activity_progress, year_to_date
from portal.services.kpi_figures import HEADLINE, Figures, change
from portal.services.orgs import OrgTree, load_tree, scope_ids

FUNNEL = tuple(s.value for s in CaseStatus)  # workflow order; rejected last


@dataclass(frozen=True)
class Count:
    id: int
    name: str
    count: int
    exact: bool = False  # a unit that is the scope node itself: its own cases only


@dataclass(frozen=True)
class Cell:
    unit_id: int
    unit: str
    exact: bool
    category_id: int
    category: str
    count: int


@dataclass(frozen=True)
class TrendPoint:
    start: date
    end: date
    count: int
    previous: int | None  # the same position in the previous period


@dataclass(frozen=True)
class Handling:
    category_id: int
    category: str
    solved: int
    days: float | None


@dataclass(frozen=True)
class Overview:
    scope_org_id: int
    scope_name: str
    filters: KpiFilters
    period: str
    start: date
    end: date
    previous: tuple[date, date] | None
    current: Figures
    before: Figures | None
    by_unit: list[Count]
    by_category: list[Count]
    heat: list[Cell]
    funnel: list[tuple[str, int]]
    grain: str
    trend: list[TrendPoint]
    handling: list[Handling]
    activities: list[ActivityCount]  # held in the period
    year_to_date: list[ActivityCount]  # held from 1 January of the period's last year to its last day: the target's
    warnings: list[Warning] | None = None  # None: the period is too long (or unbounded) for the rule

    def change(self, key: str) -> float | None:
        return change(key, self.current, self.before)

    def to_json(self) -> dict[str, Any]:
        """The `portal kpi --json` shape."""
        return {
            "scope": self.scope_name,
            "period": self.period,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "previous_from": self.previous[0].isoformat() if self.previous else None,
            "previous_to": self.previous[1].isoformat() if self.previous else None,
            "source": self.filters.source,
            "category_id": self.filters.category_id,
            "cases_total": self.current.received,
            "resolved_share": self.current.to_json()["resolution_rate"],  # the name `portal kpi` always used
            "overdue_now": self.current.overdue_now,
            "current": self.current.to_json(),
            "previous": self.before.to_json() if self.before else None,
            "change": {key: self.change(key) for key, _ in HEADLINE},
            "cases_by_unit": {u.name: u.count for u in self.by_unit},
            "cases_by_category": {c.name: c.count for c in self.by_category},
            "heat_map": [[c.unit, c.category, c.count] for c in self.heat],
            "funnel": dict(self.funnel),
            "trend": [[p.start.isoformat(), p.end.isoformat(), p.count, p.previous] for p in self.trend],
            "handling_days": {h.category: round(h.days, 2) if h.days is not None else None for h in self.handling},
            "activities": {t(f"activity.{a.kind}", "zh"): a.count for a in self.activities},
            "activity_targets": {t(f"activity.{a.kind}", "zh"): a.target for a in self.activities},
            "activities_year_to_date": {t(f"activity.{a.kind}", "zh"): a.count for a in self.year_to_date},
            "early_warnings": None
            if self.warnings is None
            else [[w.org_name, w.category_name, w.count, round(w.threshold, 2)] for w in self.warnings],
        }


def check_reach(*days: date | None) -> None:
    """InvalidInput for a period reaching outside the days the pages read (periods.FIRST_DAY to LAST_DAY)."""
    if not periods.within_reach(*days):
        reach = {"first": periods.FIRST_DAY, "last": periods.LAST_DAY}
        raise InvalidInput({"period": ("error.period_out_of_reach", reach)})


def visible_nodes(tree: OrgTree, actor: Actor, org_id: int | None) -> set[int] | None:
    """Org ids the figures may count: the actor's scope, or a node inside it (NotFound outside it)."""
    if org_id is None or org_id == actor.org_id:
        return scope_ids(tree, actor)
    if org_id not in tree.nodes or not tree.contains(actor.org_id, org_id):
        raise NotFound("error.org_not_found", node=org_id)
    return tree.descendants(org_id)


def kpi_overview(
    *, session: Session, actor: Actor, filters: KpiFilters, period: str = "custom", grain: str | None = None
) -> Overview:
    """The KPI page's figures for the actor's scope (or a node inside it) under the filters."""
    check_reach(filters.date_from, filters.date_to)
    kpi_rollup.serial_reads(session)
    tree = load_tree(session=session)
    scope_node = filters.org_id if filters.org_id is not None else actor.org_id
    visible = visible_nodes(tree, actor, filters.org_id)
    where = kpi_rollup.conditions(visible=visible, source=filters.source, category_id=filters.category_id)
    today = clock.today()
    start = filters.date_from or _first_day(session, where) or today
    end = max(filters.date_to or today, start)
    before = periods.previous(period, filters.date_from, filters.date_to)
    windows = [(start, end), *([before] if before else [])]

    units = tree.units(scope_node)
    unit = kpi_rollup.unit_of_row({u: tree.descendants(u) for u in units[1:]}, scope_node)
    # The early-warning counts are the heaviest read (nine windows of days): they run on a second connection
    # while this one reads the rest.
    warning_windows = early_warning.windows(start, end) if filters.date_from and filters.date_to else None
    warning_counts = (
        kpi_rollup.beside(session, lambda side: kpi_rollup.totals_by_window(side, where, warning_windows))
        if warning_windows
        else None
    )
    sums = kpi_rollup.sums_by_unit_and_category(session, where, windows, unit)
    categories = session.exec(select(Category).order_by(col(Category.sort_order), col(Category.id))).all()
    names = {c.id or 0: c.name for c in categories}
    totals: list[dict[str, int]] = [{}, {}]
    cells: dict[tuple[int, int], int] = {}
    by_category: dict[int, dict[str, int]] = {}
    for window, unit_id, category_id, measures in sums:
        _add(totals[window], measures)
        if window == 0:
            cells[(unit_id, category_id)] = measures["total"]
            _add(by_category.setdefault(category_id, {}), measures)
    shown = [c for c in categories if c.active or by_category.get(c.id or 0, {}).get("total")]
    current = Figures.of(
        totals[0], _mediations(session, tree, actor, filters, (start, end)), _overdue(session, tree, actor, filters)
    )
    previous = Figures.of(totals[1], _mediations(session, tree, actor, filters, before)) if before else None

    grain = periods.fitting_grain(start, end, grain if grain in periods.GRAINS else periods.default_grain(start, end))
    daily = kpi_rollup.totals_by_day(session, where, windows)
    warnings = None
    if warning_counts is not None:
        warnings = early_warning.flagged(tree, scope_node, warning_counts(), names, (start, end))

    def unit_count(unit: int) -> Count:
        return Count(unit, tree.label(unit), sum(n for (u, _), n in cells.items() if u == unit), unit == scope_node)

    return Overview(
        scope_org_id=scope_node,
        scope_name=tree.label(scope_node),
        filters=filters,
        period=period,
        start=start,
        end=end,
        previous=before,
        current=current,
        before=previous,
        by_unit=[unit_count(u) for u in units],
        by_category=[Count(c.id or 0, c.name, by_category.get(c.id or 0, {}).get("total", 0)) for c in shown],
        heat=[
            Cell(u, tree.label(u), u == scope_node, c.id or 0, c.name, cells.get((u, c.id or 0), 0))
            for u in units
            for c in shown
        ],
        funnel=[(status, totals[0].get(f"status_{status}", 0)) for status in FUNNEL],
        grain=grain,
        trend=_trend(daily, (start, end), before, grain),
        handling=[Handling(c.id or 0, c.name, *_days(by_category.get(c.id or 0, {}))) for c in shown],
        activities=activity_progress(session, tree_scope=visible, filters=filters, node=scope_node),
        year_to_date=year_to_date(session, tree_scope=visible, end=end, node=scope_node),
        warnings=warnings,
    )


def _add(target: dict[str, int], measures: dict[str, int]) -> None:
    for name, value in measures.items():
        target[name] = target.get(name, 0) + value


def _days(measures: dict[str, int]) -> tuple[int, float | None]:
    solved = measures.get("solved", 0)
    return solved, (measures.get("handling_seconds", 0) / solved / 86400 if solved else None)


def _first_day(session: Session, where: list[Any]) -> date | None:
    table = kpi_rollup.TABLE
    first = session.execute(sa_select(func.min(table.c.day)).where(*where)).scalar()
    return first if isinstance(first, date) else None


def _trend(
    daily: dict[date, int], period: tuple[date, date], before: tuple[date, date] | None, grain: str
) -> list[TrendPoint]:
    def series(window: tuple[date, date]) -> list[tuple[date, date, int]]:
        spans = periods.buckets(*window, grain)
        starts = [s for s, _ in spans]
        sums = [0] * len(spans)
        for day, n in daily.items():  # the buckets tile the window: each day falls in the last one starting by it
            if window[0] <= day <= window[1]:
                sums[bisect_right(starts, day) - 1] += n
        return [(s, e, sums[i]) for i, (s, e) in enumerate(spans)]

    now = series(period)
    then = series(before) if before else []
    return [TrendPoint(s, e, n, then[i][2] if i < len(then) else None) for i, (s, e, n) in enumerate(now)]


def _mediations(
    session: Session, tree: OrgTree, actor: Actor, filters: KpiFilters, window: tuple[date, date] | None
) -> tuple[int, int, int]:
    """Mediations of the dispute cases reported in the window: (all, concluded, agreement reached)."""
    if window is None:
        return (0, 0, 0)
    scope = CaseFilters(
        date_from=window[0],
        date_to=window[1],
        org_id=filters.org_id,
        category_id=filters.category_id,
        source=filters.source,
    )
    outcome = col(Mediation.outcome)
    row = session.execute(
        sa_select(
            func.count(),
            func.count(outcome),
            func.count(outcome).filter(outcome == MediationOutcome.AGREEMENT.value),
        )
        .select_from(Mediation)
        .join(Case, col(Case.id) == Mediation.case_id)
        .where(
            *case_conditions(tree, actor, scope, clock.now()),
            # Redundant with the join, and it makes SQLite read the (few) mediations and look their cases up,
            # not walk every case of the period probing for a mediation (160 ms over a year at 1M cases).
            col(Case.id).in_(select(Mediation.case_id)),
        )
    ).one()
    return (int(row[0]), int(row[1]), int(row[2]))


def _overdue(session: Session, tree: OrgTree, actor: Actor, filters: KpiFilters) -> int:
    """Open cases past their due time now, whatever the period (the one figure of the present)."""
    overdue = CaseFilters(org_id=filters.org_id, category_id=filters.category_id, source=filters.source, overdue=True)
    conditions = case_conditions(tree, actor, overdue, clock.now())
    return int(session.exec(select(func.count()).select_from(Case).where(*conditions)).one())
