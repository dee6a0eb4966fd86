"""KPI figures for a scope and period. Aggregation happens in SQL; Python only folds a few hundred rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy import case as sql_case
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db.models import (
    DONE_STATUSES,
    Activity,
    ActivityKind,
    Case,
    CaseLevel,
    CaseStatus,
    Category,
    Mediation,
    MediationOutcome,
    Satisfaction,
    Target,
)
from portal import clock
from portal.i18n import t
from portal.services.actor import Actor
from portal.services.cases import CaseFilters, case_conditions
from portal.services.orgs import OrgTree, load_tree, scope_ids

ACTIVITY_KINDS = tuple(ActivityKind)


@dataclass(frozen=True)
class KpiFilters:
    date_from: date | None = None
    date_to: date | None = None
    source: str | None = None
    category_id: int | None = None
    org_id: int | None = None  # narrow to a node inside the actor's scope

    def case_filters(self) -> CaseFilters:
        return CaseFilters(
            date_from=self.date_from,
            date_to=self.date_to,
            org_id=self.org_id,
            category_id=self.category_id,
            source=self.source,
        )


@dataclass(frozen=True)
class UnitCount:
    org_id: int
    name: str
    count: int


@dataclass(frozen=True)
class CategoryCount:
    category_id: int
    name: str
    count: int


@dataclass(frozen=True)
class ActivityCount:
    kind: str
    count: int
    target: float | None  # annual target for the scope, if one is set


@dataclass(frozen=True)
class Outcomes:
    """How the cases of a period ended up. Closing is not resolving: 办结 counts both, 解决 only solutions."""

    total: int = 0
    concluded: int = 0  # 办结: resolved or closed, whatever the reason
    resolved: int = 0  # 解决: a resolution was recorded
    closed: int = 0
    closed_at_grid: int = 0  # closed while handled at the grid level ("small matters stay in the grid")
    timed: int = 0  # resolved cases that had a due time...
    on_time: int = 0  # ...and were resolved by it
    rated: int = 0  # closed after a follow-up visit that recorded satisfaction...
    satisfied: int = 0  # ...satisfied or basically satisfied
    mediations: int = 0
    mediations_concluded: int = 0
    mediation_agreements: int = 0

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return part / whole if whole else None


@dataclass(frozen=True)
class KpiSummary:
    scope_org_id: int
    scope_name: str
    filters: KpiFilters
    outcomes: Outcomes
    by_unit: list[UnitCount]
    by_category: list[CategoryCount]
    overdue_now: int
    activities: list[ActivityCount]

    @property
    def cases_total(self) -> int:
        return self.outcomes.total

    @property
    def resolved_share(self) -> float | None:
        """解决率: cases with a resolution, of all cases of the period."""
        return Outcomes.share(self.outcomes.resolved, self.outcomes.total)

    @property
    def concluded_share(self) -> float | None:
        """办结率: cases whose handling is over (resolved or closed for any reason), of all cases."""
        return Outcomes.share(self.outcomes.concluded, self.outcomes.total)

    @property
    def on_time_share(self) -> float | None:
        """按时办结率: resolutions made by the due time, of resolutions that had one."""
        return Outcomes.share(self.outcomes.on_time, self.outcomes.timed)

    @property
    def closed_at_grid_share(self) -> float | None:
        return Outcomes.share(self.outcomes.closed_at_grid, self.outcomes.closed)

    @property
    def satisfaction_share(self) -> float | None:
        """满意率: satisfied or basically satisfied, of follow-up visits that asked."""
        return Outcomes.share(self.outcomes.satisfied, self.outcomes.rated)

    @property
    def mediation_success_share(self) -> float | None:
        return Outcomes.share(self.outcomes.mediation_agreements, self.outcomes.mediations_concluded)

    def to_json(self) -> dict[str, Any]:
        """The `portal kpi --json` shape; names are the Chinese ones of figures.json."""

        def rounded(value: float | None) -> float | None:
            return round(value, 4) if value is not None else None

        return {
            "scope": self.scope_name,
            "from": self.filters.date_from.isoformat() if self.filters.date_from else None,
            "to": self.filters.date_to.isoformat() if self.filters.date_to else None,
            "source": self.filters.source,
            "cases_total": self.cases_total,
            "cases_by_unit": {u.name: u.count for u in self.by_unit},
            "cases_by_category": {c.name: c.count for c in self.by_category},
            "resolved_share": rounded(self.resolved_share),
            "concluded_share": rounded(self.concluded_share),
            "on_time_share": rounded(self.on_time_share),
            "closed_at_grid_share": rounded(self.closed_at_grid_share),
            "satisfaction_share": rounded(self.satisfaction_share),
            "overdue_now": self.overdue_now,
            "mediations": self.outcomes.mediations,
            "mediation_success_share": rounded(self.mediation_success_share),
            "activities": {t(f"activity.{a.kind}", "zh"): a.count for a in self.activities},
            "activity_targets": {t(f"activity.{a.kind}", "zh"): a.target for a in self.activities},
        }


def _flag(condition: ColumnElement[bool]) -> Any:
    return func.sum(sql_case((condition, 1), else_=0))


def kpi_summary(*, session: Session, actor: Actor, filters: KpiFilters) -> KpiSummary:
    """Headline figures for the actor's scope (or a node inside it) under the given filters."""
    tree = load_tree(session=session)
    now = clock.now()
    scope_node = filters.org_id if filters.org_id is not None else actor.org_id
    conditions = case_conditions(tree, actor, filters.case_filters(), now)

    status, resolved_at = col(Case.status), col(Case.resolved_at)
    grouped = session.execute(  # SQLAlchemy's select: SQLModel's typed one stops at four columns
        sa_select(
            col(Case.org_id),
            col(Case.category_id),
            func.count(),
            _flag(status.in_([s.value for s in DONE_STATUSES])),
            _flag(resolved_at.is_not(None)),
            _flag(status == CaseStatus.CLOSED.value),
            _flag((status == CaseStatus.CLOSED.value) & (col(Case.level) == CaseLevel.GRID.value)),
            _flag(resolved_at.is_not(None) & col(Case.due_at).is_not(None)),
            _flag(resolved_at.is_not(None) & (resolved_at <= col(Case.due_at))),
            _flag(col(Case.satisfaction).is_not(None)),
            _flag(col(Case.satisfaction).in_([Satisfaction.SATISFIED.value, Satisfaction.BASICALLY_SATISFIED.value])),
        )
        .where(*conditions)
        .group_by(col(Case.org_id), col(Case.category_id))
    ).all()

    unit_counts = dict.fromkeys(tree.units(scope_node), 0)
    category_counts: dict[int, int] = {}
    sums = [0] * 9
    for org_id, category_id, *counts in grouped:
        unit_counts[tree.unit_of(org_id, scope_node)] += counts[0]
        category_counts[category_id] = category_counts.get(category_id, 0) + counts[0]
        sums = [a + int(b or 0) for a, b in zip(sums, counts, strict=True)]

    mediation = session.execute(
        sa_select(
            func.count(),
            _flag(col(Mediation.outcome).is_not(None)),
            _flag(col(Mediation.outcome) == MediationOutcome.AGREEMENT.value),
        )
        .select_from(Mediation)
        .join(Case, col(Case.id) == Mediation.case_id)
        .where(*conditions)
    ).one()
    outcomes = Outcomes(*sums, *(int(v or 0) for v in mediation))

    overdue_filters = CaseFilters(
        org_id=filters.org_id, category_id=filters.category_id, source=filters.source, overdue=True
    )
    overdue_now = session.exec(
        select(func.count()).select_from(Case).where(*case_conditions(tree, actor, overdue_filters, now))
    ).one()

    category_rows = session.exec(select(Category).order_by(col(Category.sort_order), col(Category.id))).all()
    by_category = [
        CategoryCount(c.id or 0, c.name, category_counts.get(c.id or 0, 0))
        for c in category_rows
        if c.active or category_counts.get(c.id or 0)
    ]
    by_unit = [UnitCount(node_id, tree.get(node_id).name, count) for node_id, count in unit_counts.items()]

    return KpiSummary(
        scope_org_id=scope_node,
        scope_name=tree.get(scope_node).name,
        filters=filters,
        outcomes=outcomes,
        by_unit=by_unit,
        by_category=by_category,
        overdue_now=overdue_now,
        activities=activity_progress(
            session, tree_scope=_scope_for(tree, actor, filters), filters=filters, node=scope_node
        ),
    )


def _scope_for(tree: OrgTree, actor: Actor, filters: KpiFilters) -> set[int] | None:
    if filters.org_id is not None and filters.org_id != actor.org_id:
        return tree.descendants(filters.org_id)
    return scope_ids(tree, actor)


def activity_progress(
    session: Session, *, tree_scope: set[int] | None, filters: KpiFilters, node: int
) -> list[ActivityCount]:
    """Drills, training and publicity held in the period within `tree_scope`, with the node's annual targets."""
    conditions: list[ColumnElement[bool]] = [col(Activity.deleted_at).is_(None)]  # a deleted log counts for nothing
    if tree_scope is not None:
        conditions.append(col(Activity.org_id).in_(sorted(tree_scope)))
    if filters.date_from:
        conditions.append(col(Activity.held_on) >= filters.date_from)
    if filters.date_to:
        conditions.append(col(Activity.held_on) <= filters.date_to)
    counts = dict(
        session.exec(select(Activity.kind, func.count()).where(*conditions).group_by(col(Activity.kind))).all()
    )
    year = (filters.date_to or clock.today()).year
    targets = dict(
        session.exec(select(Target.kpi, Target.value).where(Target.year == year, Target.org_id == node)).all()
    )
    return [ActivityCount(kind.value, counts.get(kind.value, 0), targets.get(kind.value)) for kind in ACTIVITY_KINDS]


def year_to_date(session: Session, *, tree_scope: set[int] | None, end: date, node: int) -> list[ActivityCount]:
    """Drills, training and publicity from 1 January of `end`'s year to `end`, with the node's annual targets:
    how far the year's targets are met."""
    return activity_progress(
        session, tree_scope=tree_scope, filters=KpiFilters(date_from=date(end.year, 1, 1), date_to=end), node=node
    )
