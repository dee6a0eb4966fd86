"""The case workflow: which status may follow which, and the move itself with its optimistic version check."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from db.models import Case, CaseHistory, CaseStatus, User
from portal import clock
from portal.defaults import MAX_RESOLUTION_LENGTH
from portal.permissions import can
from portal.services.actor import Actor
from portal.services.cases import TRANSITIONS, get_in_scope
from portal.services.errors import Conflict, InvalidInput, PermissionDenied
from portal.services.orgs import load_tree


def transition_case(
    *, session: Session, actor: Actor, reference: str, to_status: str, expected_version: int, note: str = ""
) -> Case:
    """Move a case along the workflow. Refuses a stale version (someone saved in between) with Conflict."""
    if not can(actor.role, "case.transition"):
        raise PermissionDenied("error.forbidden")
    tree = load_tree(session=session)
    case = get_in_scope(session, actor, reference, tree)
    assert case.id is not None
    if case.version != expected_version:
        # Judge the move against what the user saw, not what someone else saved since: say who saved.
        raise _conflict(session, case)
    note = (note or "").strip()
    current = CaseStatus(case.status)
    try:
        target = CaseStatus(to_status)
    except ValueError:
        raise InvalidInput({"status": ("error.choice", {})}) from None
    if target not in TRANSITIONS[current]:
        raise InvalidInput({"status": ("error.transition", {"from_status": current.value, "to_status": target.value})})
    if target is CaseStatus.RESOLVED and not note:
        raise InvalidInput({"note": ("error.resolution_required", {})})
    if target is CaseStatus.REJECTED and not note:
        raise InvalidInput({"note": ("error.reason_required", {})})
    if len(note) > MAX_RESOLUTION_LENGTH:
        raise InvalidInput({"note": ("error.too_long", {"limit": MAX_RESOLUTION_LENGTH})})
    now = clock.now()
    values: dict[str, Any] = {"status": target.value, "version": expected_version + 1, "updated_at": now}
    changes: dict[str, Any] = {"status": [current.value, target.value]}
    if target is CaseStatus.RESOLVED:
        values |= {"resolved_at": now, "resolution": note}
        changes["resolution"] = [case.resolution, note]
    elif current is CaseStatus.RESOLVED and target is CaseStatus.IN_PROGRESS:
        values["resolved_at"] = None
    result = session.exec(
        update(Case).where(col(Case.id) == case.id, col(Case.version) == expected_version).values(**values)
    )
    if result.rowcount != 1:
        raise _conflict(session, case)
    session.add(
        CaseHistory(
            case_id=case.id, at=now, actor_id=actor.user_id, action="status", changes=changes, note=note or None
        )
    )
    session.flush()
    session.refresh(case)
    return case


def _conflict(session: Session, case: Case) -> Conflict:
    last = session.exec(
        select(CaseHistory.at, User.display_name)
        .outerjoin(User, col(User.id) == CaseHistory.actor_id)
        .where(CaseHistory.case_id == case.id)
        .order_by(col(CaseHistory.id).desc())
    ).first()
    who = (last[1] if last and last[1] else "system") if last else "?"
    when = clock.as_utc(last[0]).astimezone(clock.local_tz()).strftime("%Y-%m-%d %H:%M") if last else "?"
    return Conflict("error.conflict", who=who, when=when)
