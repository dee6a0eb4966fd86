"""Choice lists read from the database, shared by the declarations (org nodes, people, activities)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from db.models import Activity, Category, User
from portal.i18n import label, t
from portal.permissions import HANDLERS
from portal.services.actor import Actor
from portal.services.orgs import load_tree, scope_ids, visible_nodes

MAX_CHOICES = 500


def org_nodes(session: Session, actor: Actor) -> list[tuple[Any, str]]:
    """The org nodes in the actor's scope, tree-ordered (retired ones too: old records name them)."""
    return [(n.id, n.name) for n in visible_nodes(session=session, actor=actor)]


def people(session: Session, actor: Actor) -> list[tuple[Any, str]]:
    """Active accounts at, below or above the actor's node: whom a record can name as organiser or owner."""
    tree = load_tree(session=session)
    near = tree.descendants(actor.org_id) | set(tree.ancestors(actor.org_id))
    users = session.exec(select(User).where(col(User.active).is_(True)).order_by(col(User.id))).all()
    return [(u.id, f"{u.display_name}（{label('role', u.role)}）") for u in users if u.org_id in near]


def everyone(session: Session, actor: Actor) -> list[tuple[Any, str]]:
    """Every account (admin pages)."""
    users = session.exec(select(User).order_by(col(User.id))).all()
    return [(u.id, f"{u.display_name} · {u.username}") for u in users]


def activities(session: Session, actor: Actor) -> list[tuple[Any, str]]:
    """Recent activities in the actor's scope, newest first."""
    query = select(Activity).where(col(Activity.deleted_at).is_(None))
    visible = scope_ids(load_tree(session=session), actor)
    if visible is not None:
        query = query.where(col(Activity.org_id).in_(sorted(visible)))
    rows = session.exec(query.order_by(col(Activity.starts_at).desc()).limit(MAX_CHOICES)).all()
    return [(a.id, f"{a.held_on:%Y-%m-%d} {a.title}") for a in rows]


def categories(session: Session, actor: Actor) -> list[tuple[Any, str]]:
    """Every case category, in the order the case form shows them (retired ones too: old rules name them)."""
    rows = session.exec(select(Category).order_by(col(Category.sort_order), col(Category.id))).all()
    return [(c.id, c.name) for c in rows]


def handlers(session: Session, actor: Actor) -> list[tuple[Any, str]]:
    """Accounts that can be given cases (staff, grid workers, admins), inactive ones marked: old rules name them."""
    roles = [r.value for r in HANDLERS]
    users = session.exec(select(User).where(col(User.role).in_(roles)).order_by(col(User.id))).all()
    retired = t("user.inactive_mark")
    return [(u.id, f"{u.display_name}（{label('role', u.role)}）{'' if u.active else retired}") for u in users]
