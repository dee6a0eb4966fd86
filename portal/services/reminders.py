"""Who should be reminded of what: overdue cases and the person answerable for each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from db.models import OPEN_STATUSES, Case, Category, Role, User
from portal.services.orgs import load_tree


@dataclass(frozen=True)
class OverdueReminder:
    case_id: int
    reference: str
    due_at: datetime
    org: str
    category: str
    description: str
    user_id: int
    username: str
    display_name: str
    email: str | None


def overdue_reminders(*, session: Session, now: datetime) -> list[OverdueReminder]:
    """One reminder per open case past its due time: to its assignee, or else to the nearest staff above it."""
    tree = load_tree(session=session)
    overdue = session.exec(
        select(Case, Category.name)
        .join(Category, col(Category.id) == Case.category_id)
        .where(col(Case.status).in_([s.value for s in OPEN_STATUSES]), col(Case.due_at) < now)
        .order_by(col(Case.due_at), col(Case.id))
    ).all()
    if not overdue:
        return []
    users = {u.id: u for u in session.exec(select(User).where(col(User.active).is_(True))).all()}
    staff_at: dict[int, User] = {}
    for user in sorted(users.values(), key=lambda u: u.id or 0):
        if user.role == Role.STAFF:
            staff_at.setdefault(user.org_id, user)

    reminders = []
    for case, category in overdue:
        recipient = users.get(case.assignee_id) if case.assignee_id else None
        if recipient is None:
            recipient = next((staff_at[n] for n in reversed(tree.ancestors(case.org_id)) if n in staff_at), None)
        if recipient is None or recipient.id is None or case.id is None or case.due_at is None:
            continue  # nobody to tell; the overdue count on the KPI page still shows it
        reminders.append(
            OverdueReminder(
                case_id=case.id,
                reference=case.reference,
                due_at=case.due_at,
                org=tree.label(case.org_id),
                category=category,
                description=case.description,
                user_id=recipient.id,
                username=recipient.username,
                display_name=recipient.display_name,
                email=recipient.email,
            )
        )
    return reminders
