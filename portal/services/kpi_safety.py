"""Safety KPIs: drills, joint rescue drills, training and publicity over time, their participants and hours, the
year so far against the annual targets, publicity by venue type, and corrective actions open and overdue.

Counted in SQL over the actor's scope (or a unit inside it). A soft-deleted activity counts for nothing, and
neither do its corrective actions; a soft-deleted action does not count either. Activities are counted on the
office-local day they were held (`held_on`); corrective actions are a figure of today, whatever the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from db.models import ActionStatus, Activity, ActivityKind, CorrectiveAction, User, VenueType
from portal import clock, periods
from portal.kinds.activities import overdue_actions
from portal.services.actor import Actor
from portal.services.kpi import ActivityCount, year_to_date
from portal.services.kpi_overview import TrendPoint, _trend, check_reach, visible_nodes
from portal.services.orgs import OrgTree, load_tree

KINDS = tuple(k.value for k in ActivityKind)
OVERDUE_LIMIT = 500  # rows of the overdue table; the count above it is always the full one


@dataclass(frozen=True)
class KindTotals:
    """One kind's activities in the period, and in the period it is compared with (None without one)."""

    kind: str
    count: int
    participants: int
    hours: float
    previous_count: int | None
    previous_participants: int | None
    previous_hours: float | None


@dataclass(frozen=True)
class UnitRow:
    unit_id: int
    name: str
    exact: bool  # the scope node itself: only what it logged, not its units'
    counts: dict[str, int]  # kind -> activities held
    participants: int


@dataclass(frozen=True)
class VenueCount:
    venue: str | None  # None: logged without a venue type
    count: int
    participants: int


@dataclass(frozen=True)
class OverdueAction:
    id: int
    description: str
    activity: str
    unit: str
    owner: str
    due_on: date
    days_overdue: int
    status: str


@dataclass(frozen=True)
class SafetyOverview:
    scope_org_id: int
    scope_name: str
    period: str
    start: date
    end: date
    previous: tuple[date, date] | None
    grain: str
    totals: list[KindTotals]
    trend: dict[str, list[TrendPoint]]  # kind -> activities per bucket, with the previous period's
    year_to_date: list[ActivityCount]  # held from 1 January to `end`, against the annual target at the scope node
    by_unit: list[UnitRow]
    venues: list[VenueCount]
    actions_open: int  # not done yet (open or in progress)
    actions_overdue: int  # of those, past their due day
    overdue: list[OverdueAction]  # the overdue ones, longest overdue first (at most OVERDUE_LIMIT)

    def to_json(self) -> dict[str, Any]:
        """Every figure the safety page shows, as plain numbers keyed by kind code (`portal kpi --page safety`)."""
        return {
            "scope": self.scope_name,
            "scope_org_id": self.scope_org_id,
            "period": self.period,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "previous": {"from": self.previous[0].isoformat(), "to": self.previous[1].isoformat()}
            if self.previous
            else None,
            "grain": self.grain,
            "count": {k.kind: k.count for k in self.totals},
            "participants": {k.kind: k.participants for k in self.totals},
            "hours": {k.kind: k.hours for k in self.totals},
            "previous_count": {k.kind: k.previous_count for k in self.totals},
            "previous_participants": {k.kind: k.previous_participants for k in self.totals},
            "previous_hours": {k.kind: k.previous_hours for k in self.totals},
            "trend": {
                kind: [
                    {"from": p.start.isoformat(), "to": p.end.isoformat(), "count": p.count, "previous": p.previous}
                    for p in points
                ]
                for kind, points in self.trend.items()
            },
            "year_to_date": {a.kind: a.count for a in self.year_to_date},
            "targets": {a.kind: a.target for a in self.year_to_date},
            "by_unit": [
                {
                    "org_id": u.unit_id,
                    "name": u.name,
                    "exact": u.exact,
                    "count": u.counts,
                    "participants": u.participants,
                }
                for u in self.by_unit
            ],
            "venues": {v.venue: v.count for v in self.venues},
            "venue_participants": {v.venue: v.participants for v in self.venues},
            "actions_open": self.actions_open,
            "actions_overdue": self.actions_overdue,
            "overdue": [
                {
                    "id": a.id,
                    "description": a.description,
                    "activity": a.activity,
                    "unit": a.unit,
                    "owner": a.owner,
                    "due_on": a.due_on.isoformat(),
                    "days_overdue": a.days_overdue,
                    "status": a.status,
                }
                for a in self.overdue
            ],
        }


def default_grain(start: date, end: date) -> str:
    """Weeks up to a quarter, months beyond (activities are too sparse to read by the day)."""
    return "week" if (end - start).days < 92 else "month"


def kpi_safety(
    *,
    session: Session,
    actor: Actor,
    date_from: date,
    date_to: date,
    org_id: int | None = None,
    period: str = "custom",
    grain: str | None = None,
) -> SafetyOverview:
    """The safety page's figures for the actor's scope, or a unit inside it (NotFound outside it)."""
    check_reach(date_from, date_to)
    tree = load_tree(session=session)
    scope_node = org_id if org_id is not None else actor.org_id
    visible = visible_nodes(tree, actor, org_id)
    start, end = min(date_from, date_to), max(date_from, date_to)
    before = periods.previous(period, start, end)
    grain = periods.fitting_grain(start, end, grain if grain in periods.GRAINS else default_grain(start, end))

    where = _activity_scope(visible)
    first = min(start, before[0]) if before else start
    daily: dict[tuple[str, date], tuple[int, int, float]] = {}
    for kind, day, count, people, hours in session.execute(
        sa_select(
            col(Activity.kind),
            col(Activity.held_on),
            func.count(),
            func.sum(Activity.participants),
            func.sum(Activity.hours),
        )
        .where(*where, col(Activity.held_on).between(first, end))
        .group_by(col(Activity.kind), col(Activity.held_on))
    ).all():
        daily[(kind, day)] = (int(count), int(people or 0), float(hours or 0))

    def summed(kind: str, window: tuple[date, date]) -> tuple[int, int, float]:
        rows = [v for (k, day), v in daily.items() if k == kind and window[0] <= day <= window[1]]
        return sum(r[0] for r in rows), sum(r[1] for r in rows), round(sum(r[2] for r in rows), 2)

    totals = []
    for kind in KINDS:
        now, then = summed(kind, (start, end)), summed(kind, before) if before else None
        totals.append(KindTotals(kind, *now, *(then if then else (None, None, None))))
    trend = {
        kind: _trend({day: v[0] for (k, day), v in daily.items() if k == kind}, (start, end), before, grain)
        for kind in KINDS
    }
    year = year_to_date(session, tree_scope=visible, end=end, node=scope_node)
    is_open, overdue_list, overdue_count = _actions(session, tree, visible)
    return SafetyOverview(
        scope_org_id=scope_node,
        scope_name=tree.label(scope_node),
        period=period,
        start=start,
        end=end,
        previous=before,
        grain=grain,
        totals=totals,
        trend=trend,
        year_to_date=year,
        by_unit=_by_unit(session, tree, where, scope_node, (start, end)),
        venues=_venues(session, where, (start, end)),
        actions_open=is_open,
        actions_overdue=overdue_count,
        overdue=overdue_list,
    )


def _activity_scope(visible: set[int] | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [col(Activity.deleted_at).is_(None)]
    if visible is not None:
        where.append(col(Activity.org_id).in_(sorted(visible)))
    return where


def _by_unit(
    session: Session, tree: OrgTree, where: list[ColumnElement[bool]], scope_node: int, window: tuple[date, date]
) -> list[UnitRow]:
    counts: dict[int, dict[str, int]] = {u: {} for u in tree.units(scope_node)}
    people: dict[int, int] = dict.fromkeys(counts, 0)
    for org_id, kind, count, participants in session.execute(
        sa_select(col(Activity.org_id), col(Activity.kind), func.count(), func.sum(Activity.participants))
        .where(*where, col(Activity.held_on).between(*window))
        .group_by(col(Activity.org_id), col(Activity.kind))
    ).all():
        unit = tree.unit_of(org_id, scope_node)
        counts[unit][kind] = counts[unit].get(kind, 0) + int(count)
        people[unit] += int(participants or 0)
    return [
        UnitRow(u, tree.label(u), u == scope_node, {k: counts[u].get(k, 0) for k in KINDS}, people[u]) for u in counts
    ]


def _venues(session: Session, where: list[ColumnElement[bool]], window: tuple[date, date]) -> list[VenueCount]:
    """Publicity events by venue type, in the order of the "five-into" list; events without a type last."""
    found = {
        venue: (int(count), int(participants or 0))
        for venue, count, participants in session.execute(
            sa_select(col(Activity.venue_type), func.count(), func.sum(Activity.participants))
            .where(*where, col(Activity.kind) == ActivityKind.PUBLICITY.value, col(Activity.held_on).between(*window))
            .group_by(col(Activity.venue_type))
        ).all()
    }
    order = [v.value for v in VenueType]
    rows = [VenueCount(v, *found.get(v, (0, 0))) for v in order]
    rows += [VenueCount(v, *n) for v, n in found.items() if v not in order]  # None, or a retired type
    return rows


def _actions(session: Session, tree: OrgTree, visible: set[int] | None) -> tuple[int, list[OverdueAction], int]:
    """Open actions (not done), and the overdue ones (due before today) with their owner and activity."""
    today = clock.today()
    where: list[ColumnElement[bool]] = [
        col(CorrectiveAction.deleted_at).is_(None),
        col(Activity.deleted_at).is_(None),
        col(CorrectiveAction.status) != ActionStatus.DONE.value,
    ]
    if visible is not None:
        where.append(col(CorrectiveAction.org_id).in_(sorted(visible)))
    late = and_(*overdue_actions(today))  # the corrective-action list's "overdue" view: the same actions
    joined = sa_select(func.count(), func.count().filter(late)).select_from(CorrectiveAction)
    open_count, overdue_count = session.execute(
        joined.join(Activity, col(Activity.id) == col(CorrectiveAction.activity_id)).where(*where)
    ).one()
    rows = session.execute(
        sa_select(CorrectiveAction, col(Activity.title), col(User.display_name))
        .join(Activity, col(Activity.id) == col(CorrectiveAction.activity_id))
        .join(User, col(User.id) == col(CorrectiveAction.owner_id))
        .where(*where, late)
        .order_by(col(CorrectiveAction.due_on), col(CorrectiveAction.id))
        .limit(OVERDUE_LIMIT)
    ).all()
    overdue = [
        OverdueAction(
            a.id or 0, a.description, title, tree.label(a.org_id), owner, a.due_on, (today - a.due_on).days, a.status
        )
        for a, title, owner in rows
    ]
    return int(open_count), overdue, int(overdue_count)
