"""Drill, training and publicity logs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from db.models import Activity, ActivityKind, Target
from portal import clock
from portal.defaults import MAX_PAGE_SIZE, PAGE_SIZE
from portal.permissions import can
from portal.services.actor import Actor
from portal.services.errors import InvalidInput, PermissionDenied
from portal.services.orgs import load_tree, placement_errors, scope_ids
from portal.services.validation import invalid, validate

MAX_PARTICIPANTS = 100_000


class ActivityInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    kind: ActivityKind
    title: str = Field(min_length=1, max_length=200)
    starts_at: datetime
    org_id: int
    organiser: str = Field(min_length=1, max_length=100)
    partner_units: str | None = Field(default=None, max_length=500, validate_default=True)
    location: str = Field(min_length=1, max_length=200)
    participants: int = Field(ge=0, le=MAX_PARTICIPANTS)

    @field_validator("starts_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise invalid("error.datetime")
        return value

    @field_validator("partner_units")
    @classmethod
    def _partners_for_joint_drills(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A joint rescue drill is by definition held with units in the area: name them. A field (not model)
        # validator, so this is reported together with any other bad field, not after they are fixed.
        if info.data.get("kind") is ActivityKind.JOINT_RESCUE_DRILL and not (value or "").strip():
            raise invalid("error.partners_required")
        return value


@dataclass(frozen=True)
class ActivityRow:
    id: int
    kind: str
    title: str
    starts_at: datetime
    org: str
    organiser: str
    partner_units: str | None
    location: str
    participants: int


def create_activity(*, session: Session, actor: Actor, data: dict[str, Any]) -> Activity:
    """Log a drill, training session or publicity event; InvalidInput names each bad field."""
    if not can(actor.role, "activity.create"):
        raise PermissionDenied("error.forbidden")
    payload = validate(ActivityInput, data)
    problem = placement_errors(load_tree(session=session), actor, payload.org_id)
    if problem:
        raise InvalidInput(problem)
    activity = Activity(
        kind=payload.kind.value,
        title=payload.title,
        starts_at=payload.starts_at,
        held_on=clock.local_day(payload.starts_at),
        org_id=payload.org_id,
        organiser=payload.organiser,
        partner_units=payload.partner_units or None,
        location=payload.location,
        participants=payload.participants,
        created_by_id=actor.user_id,
        created_at=clock.now(),
    )
    session.add(activity)
    session.flush()
    return activity


def list_activities(
    *,
    session: Session,
    actor: Actor,
    kind: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> tuple[list[ActivityRow], int]:
    """Activities in the actor's scope, newest first: (rows of the page, total)."""
    tree = load_tree(session=session)
    conditions: list[ColumnElement[bool]] = []
    visible = scope_ids(tree, actor)
    if visible is not None:
        conditions.append(col(Activity.org_id).in_(sorted(visible)))
    if kind:
        conditions.append(col(Activity.kind) == kind)
    if date_from:
        conditions.append(col(Activity.held_on) >= date_from)
    if date_to:
        conditions.append(col(Activity.held_on) <= date_to)
    total = session.exec(select(func.count()).select_from(Activity).where(*conditions)).one()
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    rows = session.exec(
        select(Activity)
        .where(*conditions)
        .order_by(col(Activity.starts_at).desc(), col(Activity.id).desc())
        .offset((max(page, 1) - 1) * page_size)
        .limit(page_size)
    ).all()
    return [
        ActivityRow(
            id=a.id or 0,
            kind=a.kind,
            title=a.title,
            starts_at=a.starts_at,
            org=tree.label(a.org_id),
            organiser=a.organiser,
            partner_units=a.partner_units,
            location=a.location,
            participants=a.participants,
        )
        for a in rows
    ], total


def set_target(*, session: Session, year: int, kpi: str, org_id: int, value: float) -> Target:
    """Set (or replace) the annual target of one KPI at one org node."""
    target = session.exec(
        select(Target).where(Target.year == year, Target.kpi == kpi, Target.org_id == org_id)
    ).first() or Target(year=year, kpi=kpi, org_id=org_id, value=value)
    target.value = value
    session.add(target)
    session.flush()
    return target
