"""Changing a case: status moves, escalation, assignment, field edits.

Every change is judged against the version the user saw (a stale one is refused, naming who saved in
between), saved with `UPDATE ... WHERE version = seen`, and recorded in the append-only history.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import update
from sqlmodel import Session, col, select

from db.models import (
    OPEN_STATUSES,
    Case,
    CaseHistory,
    CaseLevel,
    CaseStatus,
    Category,
    CloseReason,
    OrgKind,
    Satisfaction,
    User,
)
from portal import clock
from portal.defaults import MAX_DESCRIPTION_LENGTH, MAX_RESOLUTION_LENGTH
from portal.permissions import can
from portal.services import case_rollup, case_rules, routing
from portal.services.actor import Actor
from portal.services.case_rules import LEVELS
from portal.services.cases import get_in_scope
from portal.services.errors import Conflict, InvalidInput, PermissionDenied
from portal.services.orgs import OrgTree, load_tree, placement_errors
from portal.services.validation import check_phone, validate

S = CaseStatus
Errors = dict[str, tuple[str, dict[str, Any]]]
# The lowest handling level a case can have, by the kind of node it sits on.
MIN_LEVEL = {OrgKind.GRID: 0, OrgKind.COMMUNITY: 1, OrgKind.SUBDISTRICT: 2}


def transition_case(
    *,
    session: Session,
    actor: Actor,
    reference: str,
    to_status: str,
    expected_version: int,
    note: str = "",
    assignee_id: int | None = None,
    close_reason: str | None = None,
    duplicate_of: str | None = None,
    satisfaction: str | None = None,
) -> Case:
    """Move a case along the workflow (see case_rules.MOVES for who may make which move and what it needs)."""
    tree, case = _load(session, actor, reference, expected_version)
    current = S(case.status)
    try:
        target = S(to_status)
    except ValueError:
        raise InvalidInput({"status": ("error.choice", {})}) from None
    if (current, target) not in case_rules.MOVES:
        raise InvalidInput({"status": ("error.transition", {"from_status": current.value, "to_status": target.value})})
    if not case_rules.may_move(actor.role, case.level, current, target):
        raise PermissionDenied("error.forbidden")
    note = (note or "").strip()
    now = clock.now()
    errors: Errors = {}
    if "note" in case_rules.needs(current, target) and not note:
        errors["note"] = (_NOTE_KEYS.get(target, "error.reason_required"), {})
    if len(note) > MAX_RESOLUTION_LENGTH:
        errors["note"] = ("error.too_long", {"limit": MAX_RESOLUTION_LENGTH})
    values: dict[str, Any] = {"status": target.value}
    changes: dict[str, Any] = {"status": [current.value, target.value]}

    if target is S.DISPATCHED:
        assignee = _assignee(session, tree, case, assignee_id, errors)
        if assignee is not None:
            values |= {"assignee_id": assignee.id, "dispatched_at": now}
            changes["assignee"] = [_name(session, case.assignee_id), assignee.display_name]
            if case.due_at is None:  # the resident's clock starts at the first dispatch and is never reset
                category = session.get(Category, case.category_id)
                values["due_at"] = now + timedelta(days=category.sla_days if category else 7)
    elif current is S.DISPATCHED and target is S.ACCEPTED:
        values |= {"assignee_id": None, "dispatched_at": None}
        changes["assignee"] = [_name(session, case.assignee_id), None]
    elif target is S.RESOLVED:
        values |= {"resolved_at": now, "resolution": note}
        changes["resolution"] = [case.resolution, note]
    elif current is S.RESOLVED and target is S.IN_PROGRESS:
        values |= {"resolved_at": None}
    elif target is S.CLOSED:
        values |= {"closed_at": now} | _closing(
            session, actor, tree, case, current, close_reason, duplicate_of, satisfaction, note, errors
        )
        changes |= {k: [getattr(case, k), v] for k, v in values.items() if k in ("close_reason", "satisfaction")}
    if errors:
        raise InvalidInput(errors)
    return _save(session, actor, case, expected_version, values, changes, "status", note)


_NOTE_KEYS = {S.RESOLVED: "error.resolution_required", S.REJECTED: "error.reason_required"}


def _closing(
    session: Session,
    actor: Actor,
    tree: OrgTree,
    case: Case,
    current: CaseStatus,
    close_reason: str | None,
    duplicate_of: str | None,
    satisfaction: str | None,
    note: str,
    errors: Errors,
) -> dict[str, Any]:
    """The columns a close sets; problems go into `errors`."""
    if current is S.RESOLVED:  # the follow-up visit: record how the resident felt about it
        if satisfaction not in {s.value for s in Satisfaction}:
            errors["satisfaction"] = ("error.satisfaction_required", {})
        return {"close_reason": CloseReason.RESOLVED.value, "satisfaction": satisfaction}
    reasons = {r.value for r in CloseReason} - {CloseReason.RESOLVED.value}
    if close_reason not in reasons:
        # "Resolved" goes through the resolution and the follow-up visit, not straight to closed.
        errors["close_reason"] = ("error.close_reason_required", {})
        return {}
    values: dict[str, Any] = {"close_reason": close_reason}
    if close_reason == CloseReason.NOT_OUR_RESPONSIBILITY and not note:
        errors["note"] = ("error.reason_required", {})
    if close_reason == CloseReason.DUPLICATE:
        original = session.exec(select(Case).where(Case.reference == (duplicate_of or "").strip())).first()
        if original is None or original.id == case.id or not tree.contains(actor.org_id, original.org_id):
            errors["duplicate_of"] = ("error.duplicate_unknown", {"reference": duplicate_of or ""})
        else:
            values["duplicate_of_id"] = original.id
    return values


def escalate_case(
    *, session: Session, actor: Actor, reference: str, expected_version: int, direction: int, reason: str
) -> Case:
    """Hand a case up (+1: grid → community → sub-district) or back down (-1), with the reason.

    An escalated case that was with a handler goes back to "accepted", to be dispatched at its new
    level; its due time stays: the resident has been waiting all along.
    """
    tree, case = _load(session, actor, reference, expected_version)
    if direction not in (1, -1):
        raise InvalidInput({"direction": ("error.choice", {})})
    if S(case.status) not in OPEN_STATUSES:
        raise InvalidInput({"status": ("error.not_open", {})})
    new_index = LEVELS.index(CaseLevel(case.level)) + direction
    if not MIN_LEVEL[tree.kind_of(case.org_id)] <= new_index < len(LEVELS):
        raise InvalidInput({"direction": ("error.no_such_level", {})})
    if not case_rules.may_escalate(actor.role, case.level, direction):
        raise PermissionDenied("error.forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"note": ("error.reason_required", {})})
    values: dict[str, Any] = {"level": LEVELS[new_index].value}
    changes: dict[str, Any] = {"level": [case.level, LEVELS[new_index].value]}
    if case.status in (S.DISPATCHED, S.IN_PROGRESS):
        values |= {"status": S.ACCEPTED.value, "assignee_id": None, "dispatched_at": None}
        changes |= {"status": [case.status, S.ACCEPTED.value], "assignee": [_name(session, case.assignee_id), None]}
    action = "escalate" if direction == 1 else "de_escalate"
    return _save(session, actor, case, expected_version, values, changes, action, reason)


def assign_case(
    *, session: Session, actor: Actor, reference: str, expected_version: int, assignee_id: int, note: str = ""
) -> Case:
    """Give an open case to another handler (staff and admins)."""
    tree, case = _load(session, actor, reference, expected_version)
    if actor.role not in case_rules.STAFF:
        raise PermissionDenied("error.forbidden")
    if S(case.status) not in OPEN_STATUSES:
        raise InvalidInput({"status": ("error.not_open", {})})
    errors: Errors = {}
    assignee = _assignee(session, tree, case, assignee_id, errors)
    if assignee is None:
        raise InvalidInput(errors)
    changes = {"assignee": [_name(session, case.assignee_id), assignee.display_name]}
    return _save(session, actor, case, expected_version, {"assignee_id": assignee.id}, changes, "assign", note.strip())


class CaseEdit(BaseModel):
    """The fields of a registered case that can be corrected."""

    model_config = ConfigDict(str_strip_whitespace=True)

    category_id: int | None = None
    org_id: int | None = None
    description: str | None = Field(default=None, min_length=1, max_length=MAX_DESCRIPTION_LENGTH)
    reporter_name: str | None = Field(default=None, max_length=64)
    reporter_phone: str | None = None

    @field_validator("reporter_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return check_phone(value)


EDITABLE = tuple(CaseEdit.model_fields)


def update_case(*, session: Session, actor: Actor, reference: str, expected_version: int, data: dict[str, Any]) -> Case:
    """Correct fields of an open case; the history keeps each field's old and new value.

    Staff and admins, on any open case in scope; a grid worker, on a grid-level case not yet accepted.
    """
    tree, case = _load(session, actor, reference, expected_version)
    if not case_rules.may_edit(actor.role, case.level, case.status):
        raise PermissionDenied("error.forbidden")
    edit = validate(CaseEdit, {k: v for k, v in data.items() if k in EDITABLE})
    # A place and a category cannot be emptied, only changed: a missing one means "leave as is".
    given = {k: v for k, v in edit.model_dump(exclude_unset=True).items() if v is not None or k.startswith("reporter")}
    errors: Errors = {}
    if "org_id" in given:
        errors |= placement_errors(tree, actor, given["org_id"])
    if "category_id" in given:
        category = session.get(Category, given["category_id"])
        if category is None or not category.active:
            errors["category_id"] = ("error.choice", {})
    if errors:
        raise InvalidInput(errors)
    values: dict[str, Any] = {
        k: (v or None) if k.startswith("reporter") else v for k, v in given.items() if getattr(case, k) != v
    }
    if not values:
        return case
    if edit.org_id is not None and "org_id" in values:  # moved: it cannot be handled below the new node's level
        floor = MIN_LEVEL[tree.kind_of(edit.org_id)]
        if LEVELS.index(CaseLevel(case.level)) < floor:
            values["level"] = LEVELS[floor].value
    changes = {k: [getattr(case, k), v] for k, v in values.items()}
    return _save(session, actor, case, expected_version, values, changes, "edit", None)


def _load(session: Session, actor: Actor, reference: str, expected_version: int) -> tuple[OrgTree, Case]:
    if not can(actor.role, "case.transition"):
        raise PermissionDenied("error.forbidden")
    tree = load_tree(session=session)
    case = get_in_scope(session, actor, reference, tree)
    if case.version != expected_version:
        # Judge the change against what the user saw, not what someone else saved since: say who saved.
        raise _conflict(session, case)
    return tree, case


def _assignee(session: Session, tree: OrgTree, case: Case, assignee_id: int | None, errors: Errors) -> User | None:
    """The chosen handler (active, and responsible for the case's place), or the routing rules' default."""
    if assignee_id is None:
        default = routing.default_assignee(session=session, tree=tree, case=case)
        if default is None:
            errors["assignee_id"] = ("error.no_assignee", {})
        return default
    user = session.get(User, assignee_id)
    if user is None or not user.active or user.role not in ("staff", "grid_worker", "admin"):
        errors["assignee_id"] = ("error.assignee_scope", {})
        return None
    if not tree.contains(user.org_id, case.org_id):
        errors["assignee_id"] = ("error.assignee_scope", {})
        return None
    return user


def _name(session: Session, user_id: int | None) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return user.display_name if user else None


def _save(
    session: Session,
    actor: Actor,
    case: Case,
    expected_version: int,
    values: dict[str, Any],
    changes: dict[str, Any],
    action: str,
    note: str | None,
) -> Case:
    now = clock.now()
    before = case_rollup.snapshot(case)  # as read and version-checked: what the rollup counted
    result = session.exec(
        update(Case)
        .where(col(Case.id) == case.id, col(Case.version) == expected_version)
        .values(**values, version=expected_version + 1, updated_at=now)
    )
    if result.rowcount != 1:  # someone saved between our read and this write
        raise _conflict(session, case)
    assert case.id is not None
    changes = {k: [_plain(old), _plain(new)] for k, (old, new) in changes.items()}
    session.add(
        CaseHistory(case_id=case.id, at=now, actor_id=actor.user_id, action=action, changes=changes, note=note or None)
    )
    session.flush()
    session.refresh(case)
    case_rollup.record_edit(session, before, case_rollup.snapshot(case))
    return case


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _conflict(session: Session, case: Case) -> Conflict:
    last = session.exec(
        select(CaseHistory.at, User.display_name)
        .outerjoin(User, col(User.id) == CaseHistory.actor_id)
        # Mediation entries do not change the case's version: name whoever last changed the case itself.
        .where(CaseHistory.case_id == case.id, CaseHistory.action != "mediation")
        .order_by(col(CaseHistory.id).desc())
    ).first()
    who = (last[1] if last and last[1] else "system") if last else "?"
    when = clock.local_text(last[0]) if last else "?"
    return Conflict("error.conflict", who=who, when=when)
