"""Routing rules: category × org node → the default handler, applied when a case is dispatched."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, col, select

from db.models import Case, Category, RoutingRule, User
from portal.permissions import can
from portal.services.actor import Actor
from portal.services.errors import InvalidInput, NotFound, PermissionDenied
from portal.services.orgs import OrgTree, load_tree


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


@dataclass(frozen=True)
class RuleRow:
    id: int
    priority: int
    category: str | None
    org: str
    assignee: str
    active: bool


def list_rules(*, session: Session, actor: Actor) -> list[RuleRow]:
    """Every rule in the order they are tried (admins)."""
    _admin(actor)
    tree = load_tree(session=session)
    rows = session.exec(
        select(RoutingRule, Category.name, User.display_name)
        .outerjoin(Category, col(Category.id) == RoutingRule.category_id)
        .join(User, col(User.id) == RoutingRule.assignee_id)
        .order_by(col(RoutingRule.priority), col(RoutingRule.id))
    ).all()
    return [
        RuleRow(rule.id or 0, rule.priority, category, tree.label(rule.org_id), assignee, rule.active)
        for rule, category, assignee in rows
    ]


def save_rule(
    *,
    session: Session,
    actor: Actor,
    org_id: int,
    assignee_id: int,
    category_id: int | None = None,
    priority: int = 100,
    rule_id: int | None = None,
    active: bool = True,
) -> RoutingRule:
    """Add a rule, or change rule `rule_id` (admins). The handler must be responsible for the rule's node."""
    _admin(actor)
    tree = load_tree(session=session)
    errors: dict[str, tuple[str, dict[str, object]]] = {}
    if org_id not in tree.nodes:
        errors["org_id"] = ("error.org_out_of_scope", {})
    errors.update(handler_errors(session=session, tree=tree, org_id=org_id, assignee_id=assignee_id))
    if category_id is not None and session.get(Category, category_id) is None:
        errors["category_id"] = ("error.choice", {})
    if not 0 <= priority <= 10_000:
        errors["priority"] = ("error.too_large", {"limit": 10_000})
    if errors:
        raise InvalidInput(errors)
    rule = session.get(RoutingRule, rule_id) if rule_id is not None else RoutingRule(org_id=org_id, assignee_id=0)
    if rule is None:
        raise NotFound("error.not_found")
    rule.org_id, rule.assignee_id, rule.category_id = org_id, assignee_id, category_id
    rule.priority, rule.active = priority, active
    session.add(rule)
    session.flush()
    return rule


def handler_errors(
    *, session: Session, tree: OrgTree, org_id: int, assignee_id: int
) -> dict[str, tuple[str, dict[str, object]]]:
    """A rule's handler must be an active account responsible for the rule's node (at it or above it)."""
    user = session.get(User, assignee_id)
    if user is None or not user.active or (org_id in tree.nodes and not tree.contains(user.org_id, org_id)):
        return {"assignee_id": ("error.assignee_scope", {})}
    return {}


def get_rule(*, session: Session, actor: Actor, rule_id: int) -> RoutingRule:
    """One rule (admins)."""
    _admin(actor)
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound("error.not_found")
    return rule


def _admin(actor: Actor) -> None:
    if not can(actor.role, "user.manage"):
        raise PermissionDenied("error.forbidden")
