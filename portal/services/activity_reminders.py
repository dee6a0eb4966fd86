"""Who should be reminded of what in the activity logs: activities starting soon, corrective actions past due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from db.models import ActionStatus, Activity, CorrectiveAction, User
from portal.services.orgs import load_tree

UPCOMING_WITHIN = timedelta(days=3)


@dataclass(frozen=True)
class Reminder:
    """One email to one person about one record (`target` names it for the notification claim)."""

    target: str  # activity:12, action:7
    title: str
    when: datetime | date  # the activity's start, the action's due day
    org: str
    user_id: int
    username: str
    display_name: str
    email: str | None


def upcoming_activities(*, session: Session, now: datetime) -> list[Reminder]:
    """Activities starting within the next 3 days → their person in charge (or whoever logged them)."""
    rows = session.exec(
        select(Activity)
        .where(
            col(Activity.deleted_at).is_(None),
            col(Activity.starts_at) > now,
            col(Activity.starts_at) <= now + UPCOMING_WITHIN,
        )
        .order_by(col(Activity.starts_at), col(Activity.id))
    ).all()
    tree = load_tree(session=session)
    people = _people(session, {a.organiser_id or a.created_by_id for a in rows})
    found = []
    for activity in rows:
        user = people.get(activity.organiser_id or activity.created_by_id or 0)
        if user is not None and activity.id is not None:
            found.append(
                _reminder(
                    f"activity:{activity.id}", activity.title, activity.starts_at, tree.label(activity.org_id), user
                )
            )
    return found


def overdue_actions(*, session: Session, today: date) -> list[Reminder]:
    """Corrective actions not done by their due day → their owner."""
    rows = session.exec(
        select(CorrectiveAction)
        .where(
            col(CorrectiveAction.deleted_at).is_(None),
            col(CorrectiveAction.status) != ActionStatus.DONE.value,
            col(CorrectiveAction.due_on) < today,
        )
        .order_by(col(CorrectiveAction.due_on), col(CorrectiveAction.id))
    ).all()
    tree = load_tree(session=session)
    people = _people(session, {a.owner_id for a in rows})
    found = []
    for action in rows:
        user = people.get(action.owner_id)
        if user is not None and action.id is not None:
            found.append(
                _reminder(f"action:{action.id}", action.description, action.due_on, tree.label(action.org_id), user)
            )
    return found


def _people(session: Session, ids: set[int | None]) -> dict[int, User]:
    wanted = sorted(i for i in ids if i)
    if not wanted:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(wanted), col(User.active).is_(True))).all()
    return {u.id: u for u in users if u.id is not None}


def _reminder(target: str, title: str, when: datetime | date, org: str, user: User) -> Reminder:
    assert user.id is not None
    return Reminder(target, title, when, org, user.id, user.username, user.display_name, user.email)
