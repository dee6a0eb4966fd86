"""KPI figures for a scope and period. Aggregation happens in SQL; Python only folds a few hundred rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy import case as sql_case
from sqlmodel import Session, col, select

from db.models import DONE_STATUSES, Activity, ActivityKind, Case, Category, Target
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
class KpiSummary:
    scope_org_id: int
    scope_name: str
    filters: KpiFilters
    cases_total: int
    cases_done: int
    by_unit: list[UnitCount]
    by_category: list[CategoryCount]
    overdue_now: int
    activities: list[ActivityCount]

    @property
    def resolved_share(self) -> float | None:
        return self.cases_done / self.cases_total if self.cases_total else None

    def to_json(self) -> dict[str, Any]:
        """The `portal kpi --json` shape; names are the Chinese ones of figures.json."""
        return {
            "scope": self.scope_name,
            "from": self.filters.date_from.isoformat() if self.filters.date_from else None,
            "to": self.filters.date_to.isoformat() if self.filters.date_to else None,
            "source": self.filters.source,
            "cases_total": self.cases_total,
            "cases_by_unit": {u.name: u.count for u in self.by_unit},
            "cases_by_category": {c.name: c.count for c in self.by_category},
            "resolved_share": round(self.resolved_share, 4) if self.resolved_share is not None else None,
            "overdue_now": self.overdue_now,
            "activities": {t(f"activity.{a.kind}", "zh"): a.count for a in self.activities},
            "activity_targets": {t(f"activity.{a.kind}", "zh"): a.target for a in self.activities},
        }


def kpi_summary(*, session: Session, actor: Actor, filters: KpiFilters) -> KpiSummary:
    """Headline figures for the actor's scope (or a node inside it) under the given filters."""
    tree = load_tree(session=session)
    now = clock.now()
    scope_node = filters.org_id if filters.org_id is not None else actor.org_id
    conditions = case_conditions(tree, actor, filters.case_filters(), now)

    done = func.sum(sql_case((col(Case.status).in_([s.value for s in DONE_STATUSES]), 1), else_=0))
    grouped = session.exec(
        select(Case.org_id, Case.category_id, func.count(), done)
        .where(*conditions)
        .group_by(col(Case.org_id), col(Case.category_id))
    ).all()

    unit_counts = dict.fromkeys(tree.units(scope_node), 0)
    category_counts: dict[int, int] = {}
    total = done_total = 0
    for org_id, category_id, count, done_count in grouped:
        unit_counts[tree.unit_of(org_id, scope_node)] += count
        category_counts[category_id] = category_counts.get(category_id, 0) + count
        total += count
        done_total += int(done_count or 0)

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
        cases_total=total,
        cases_done=done_total,
        by_unit=by_unit,
        by_category=by_category,
        overdue_now=overdue_now,
        activities=_activities(session, tree_scope=_scope_for(tree, actor, filters), filters=filters, node=scope_node),
    )


def _scope_for(tree: OrgTree, actor: Actor, filters: KpiFilters) -> set[int] | None:
    if filters.org_id is not None and filters.org_id != actor.org_id:
        return tree.descendants(filters.org_id)
    return scope_ids(tree, actor)


def _activities(
    session: Session, *, tree_scope: set[int] | None, filters: KpiFilters, node: int
) -> list[ActivityCount]:
    conditions: list[ColumnElement[bool]] = []
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
