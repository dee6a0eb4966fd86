"""Drills, training, publicity and their corrective actions, declared once each: the engine draws their pages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from db.models import ActionStatus, Activity, ActivityKind, CorrectiveAction, Role, VenueType
from portal import clock
from portal.kinds import choices
from portal.lowcode.declare import Errors, Field, Permissions, RecordKind, View, enum_choices, register

LOGGERS = frozenset({Role.STAFF, Role.ADMIN})
ACTIVITY_ROLES = Permissions(
    view=frozenset({Role.LEADER, Role.STAFF, Role.ADMIN}), create=LOGGERS, edit=LOGGERS, delete=LOGGERS
)


def ends_after_start(_session: Session, values: Mapping[str, Any]) -> Errors:
    """An activity ends after it starts."""
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts and ends and ends <= starts:
        return {"ends_at": ("error.ends_before_starts", {})}
    return {}


def held_on(_session: Session, values: dict[str, Any]) -> None:
    """The office-local day an activity is counted on (KPI periods, the upcoming list)."""
    values["held_on"] = clock.local_day(values["starts_at"])


def activity_fields(kind: ActivityKind) -> tuple[Field, ...]:
    """The form of one activity kind: the common fields, with partners required for joint drills and the venue
    type for publicity."""
    drill = kind in (ActivityKind.EMERGENCY_DRILL, ActivityKind.JOINT_RESCUE_DRILL)
    fields = [
        Field("title", "activity.title"),
        Field("starts_at", "activity.starts_at"),
        Field("ends_at", "activity.ends_at"),
        Field("org_id", "activity.org", choices=choices.org_nodes),
        Field("organiser", "activity.organiser"),
        Field("organiser_id", "activity.organiser_user", help="activity.organiser_user_help", choices=choices.people),
        Field(
            "partner_units",
            "activity.partners",
            help="activity.partners_help",
            required=kind is ActivityKind.JOINT_RESCUE_DRILL,
        ),
        Field("location", "activity.location"),
        Field("participants", "activity.participants"),
        Field("hours", "activity.hours", help="activity.hours_help"),
        Field("topic", "activity.scenario" if drill else "activity.topic", widget="textarea"),
        Field("findings", "activity.findings", widget="textarea"),
    ]
    if kind is ActivityKind.PUBLICITY:
        fields.insert(
            8, Field("venue_type", "activity.venue_type", choices=enum_choices(VenueType, "venue"), required=True)
        )
    return tuple(fields)


def _register_activity(kind: ActivityKind) -> RecordKind:
    extra = {ActivityKind.JOINT_RESCUE_DRILL: ("partner_units",), ActivityKind.PUBLICITY: ("venue_type",)}.get(kind, ())
    return register(
        RecordKind(
            key=kind.value,
            model=Activity,
            title=f"activity.{kind.value}",
            fields=activity_fields(kind),
            permissions=ACTIVITY_ROLES,
            list_columns=("starts_at", "title", "org_id", "organiser", *extra, "location", "participants", "hours"),
            search=("title", "organiser", "location", "partner_units", "topic", "findings"),
            filters=("org_id", "starts_at", *(("venue_type",) if kind is ActivityKind.PUBLICITY else ())),
            sort=("-starts_at", "participants", "title"),
            fixed={"kind": kind.value},
            rules=(ends_after_start,),
            derive=held_on,
            attachments=True,
            section="activities",
            icon=":material/health_and_safety:",
        )
    )


ACTIVITY_KINDS = {kind: _register_activity(kind) for kind in ActivityKind}


def action_rules(_session: Session, values: Mapping[str, Any]) -> Errors:
    """A finished action says when it was finished."""
    if values.get("status") == ActionStatus.DONE and not values.get("done_on"):
        return {"done_on": ("error.done_on_required", {})}
    return {}


def action_place(session: Session, values: dict[str, Any]) -> None:
    """An action is seen where its activity is (the org scope comes from the activity)."""
    activity = session.get(Activity, values["activity_id"])
    assert activity is not None  # the choice list only offers activities in scope
    values["org_id"] = activity.org_id


def overdue_actions(today: date | None = None) -> list[ColumnElement[bool]]:
    """Not done, due before today, of an activity not deleted: the safety page's "overdue" (and the list's view)."""
    return [
        col(CorrectiveAction.status) != ActionStatus.DONE.value,
        col(CorrectiveAction.due_on) < (today or clock.today()),
        col(CorrectiveAction.activity_id).in_(select(Activity.id).where(col(Activity.deleted_at).is_(None))),
    ]


CORRECTIVE_ACTION = register(
    RecordKind(
        key="corrective_action",
        model=CorrectiveAction,
        title="page.corrective_action",
        help="corrective.help",
        fields=(
            Field("activity_id", "corrective.activity", choices=choices.activities, editable=False),
            Field("description", "corrective.description", widget="textarea"),
            Field("owner_id", "corrective.owner", choices=choices.people),
            Field("due_on", "corrective.due_on"),
            Field("status", "corrective.status", choices=enum_choices(ActionStatus, "action_status"), default="open"),
            Field("done_on", "corrective.done_on"),
        ),
        permissions=ACTIVITY_ROLES,
        list_columns=("due_on", "status", "description", "owner_id", "activity_id", "done_on"),
        search=("description",),
        filters=("status", "owner_id", "due_on"),
        sort=("due_on", "status"),
        views={"overdue": View("corrective.view.overdue", overdue_actions)},
        rules=(action_rules,),
        derive=action_place,
        record_label="description",
        section="activities",
        icon=":material/task_alt:",
    )
)
