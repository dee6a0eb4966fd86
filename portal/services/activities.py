"""Drill, training and publicity logs beyond their generated pages: what is coming up, progress against targets.

Entering, listing, editing and exporting activities is the low-code engine's (portal/kinds/activities.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

import portal.kinds  # noqa: F401  (the activity kinds must be registered before create_activity uses them)
from db.models import Activity, ActivityKind, Target
from portal.lowcode import records
from portal.services.actor import Actor
from portal.services.errors import InvalidInput
from portal.services.orgs import load_tree, scope_ids

UPCOMING_DAYS = 30


@dataclass(frozen=True)
class Upcoming:
    id: int
    kind: str
    title: str
    starts_at: datetime
    org: str
    organiser: str
    location: str


@dataclass(frozen=True)
class Progress:
    kind: str
    done: int  # held this year so far (in the actor's scope)
    planned: int  # logged for later this year
    target: float | None  # the annual target at the actor's node, if one is set

    @property
    def share(self) -> float | None:
        """Done as a share of the target (None without a target)."""
        return self.done / self.target if self.target else None


def create_activity(*, session: Session, actor: Actor, data: dict[str, Any]) -> Activity:
    """Log an activity of `data["kind"]` through its record kind (checked, scoped and audited like the page)."""
    kind = str(data.get("kind") or "")
    if kind not in {k.value for k in ActivityKind}:
        raise InvalidInput({"kind": ("error.choice", {})})
    row: Activity = records.create_record(session=session, actor=actor, kind=kind, data=data)
    return row


def _visible(session: Session, actor: Actor) -> list[Any]:
    conditions: list[Any] = [col(Activity.deleted_at).is_(None)]
    visible = scope_ids(load_tree(session=session), actor)
    if visible is not None:
        conditions.append(col(Activity.org_id).in_(sorted(visible)))
    return conditions


def upcoming(*, session: Session, actor: Actor, today: date, days: int = UPCOMING_DAYS) -> list[Upcoming]:
    """Activities in the actor's scope from today through the next `days` days, soonest first."""
    tree = load_tree(session=session)
    rows = session.exec(
        select(Activity)
        .where(
            *_visible(session, actor), col(Activity.held_on) >= today, col(Activity.held_on) <= today + timedelta(days)
        )
        .order_by(col(Activity.starts_at), col(Activity.id))
    ).all()
    return [
        Upcoming(a.id or 0, a.kind, a.title, a.starts_at, tree.label(a.org_id), a.organiser, a.location) for a in rows
    ]


def progress(*, session: Session, actor: Actor, year: int, today: date) -> list[Progress]:
    """Per kind: held so far this year, still planned this year, and the annual target at the actor's node."""
    conditions = [*_visible(session, actor), col(Activity.held_on) >= date(year, 1, 1)]
    conditions.append(col(Activity.held_on) <= date(year, 12, 31))
    held = col(Activity.held_on) <= today
    counts: dict[tuple[str, bool], int] = {}
    for kind, past, count in session.exec(
        select(Activity.kind, held, func.count()).where(*conditions).group_by(col(Activity.kind), held)
    ).all():
        counts[(kind, bool(past))] = count
    targets = dict(
        session.exec(select(Target.kpi, Target.value).where(Target.year == year, Target.org_id == actor.org_id)).all()
    )
    return [
        Progress(k.value, counts.get((k.value, True), 0), counts.get((k.value, False), 0), targets.get(k.value))
        for k in ActivityKind
    ]


def set_target(*, session: Session, year: int, kpi: str, org_id: int, value: float) -> Target:
    """Set (or replace) the annual target of one KPI at one org node."""
    target = session.exec(
        select(Target).where(Target.year == year, Target.kpi == kpi, Target.org_id == org_id)
    ).first() or Target(year=year, kpi=kpi, org_id=org_id, value=value)
    target.value = value
    session.add(target)
    session.flush()
    return target
