"""Cases handed up to a level in a period (the report's "escalated to the sub-district" list)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select as core_select  # sqlmodel's select stops at four columns
from sqlmodel import Session, col

from db.models import Case, CaseHistory, Category, User
from portal import clock
from portal.services.actor import Actor
from portal.services.orgs import load_tree, scope_ids


@dataclass(frozen=True)
class Escalation:
    reference: str
    category: str
    org: str
    at: datetime
    by: str
    reason: str
    status: str  # the case's status now


def escalated_to(*, session: Session, actor: Actor, level: str, start: date, end: date) -> list[Escalation]:
    """Hand-ups to `level` between two office-local days (inclusive) of cases in the actor's scope, oldest first."""
    tree = load_tree(session=session)
    tz = clock.local_tz()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    stmt = (
        core_select(
            CaseHistory,
            col(Case.reference),
            col(Case.org_id),
            col(Case.status),
            col(Category.name),
            col(User.display_name),
        )
        .join(Case, col(Case.id) == CaseHistory.case_id)
        .join(Category, col(Category.id) == Case.category_id)
        .join(User, col(User.id) == CaseHistory.actor_id, isouter=True)
        .where(col(CaseHistory.action) == "escalate", col(CaseHistory.at) >= since, col(CaseHistory.at) < until)
        .order_by(col(CaseHistory.at), col(CaseHistory.id))
    )
    visible = scope_ids(tree, actor)
    if visible is not None:
        stmt = stmt.where(col(Case.org_id).in_(sorted(visible)))
    found = []
    for entry, reference, org_id, status, category, by in session.execute(stmt).all():
        levels = (entry.changes or {}).get("level") or [None, None]
        if levels[-1] == level:  # the history records [from, to]; only hand-ups that reached `level`
            found.append(
                Escalation(reference, category, tree.label(org_id), entry.at, by or "system", entry.note or "", status)
            )
    return found
