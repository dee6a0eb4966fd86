"""Routing rules: category × org node → the default handler, applied when a case is dispatched."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, col, select

from db.models import Case, RoutingRule, User
from portal.services.orgs import OrgTree


def default_assignee(*, session: Session, tree: OrgTree, case: Case) -> User | None:
    """The first active rule, lowest priority number first, whose category is the case's (or any) and whose
    node is the case's node or above it, naming an active handler responsible for that place."""
    chain = tree.ancestors(case.org_id)
    rules = session.exec(
        select(RoutingRule)
        .where(col(RoutingRule.active).is_(True), col(RoutingRule.org_id).in_(chain))
        .where(or_(col(RoutingRule.category_id).is_(None), col(RoutingRule.category_id) == case.category_id))
    ).all()
    depth = {node_id: index for index, node_id in enumerate(chain)}
    # Lowest priority number first; on a tie the nearer node wins (a grid's own rule before its community's).
    for rule in sorted(rules, key=lambda r: (r.priority, -depth[r.org_id], r.id or 0)):
        user = session.get(User, rule.assignee_id)
        if user is not None and user.active and tree.contains(user.org_id, case.org_id):
            return user
    return None


def handler_errors(
    *, session: Session, tree: OrgTree, org_id: int, assignee_id: int
) -> dict[str, tuple[str, dict[str, object]]]:
    """A rule's handler must be an active account responsible for the rule's node (at it or above it)."""
    user = session.get(User, assignee_id)
    if user is None or not user.active or (org_id in tree.nodes and not tree.contains(user.org_id, org_id)):
        return {"assignee_id": ("error.assignee_scope", {})}
    return {}
