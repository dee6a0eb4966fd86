"""Plain helpers for tests: look up actors, build cases, drive the login form."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

import portal.kinds  # noqa: F401  (registers the record kinds edit_record saves through)
from db.models import Category, OrgNode, User
from portal import clock
from portal.lowcode import records
from portal.lowcode.declare import get_kind
from portal.services import cases
from portal.services.actor import Actor
from portal.services.demo import DEMO_PASSWORD
from portal.services.orgs import load_tree


def actor_for(session: Session, username: str) -> Actor:
    """The Actor of an existing user."""
    return Actor.of(session.exec(select(User).where(User.username == username)).one())


def system_actor(session: Session) -> Actor:
    return Actor.system(load_tree(session=session).roots[0])


def node(session: Session, name: str) -> OrgNode:
    return session.exec(select(OrgNode).where(OrgNode.name == name)).one()


def category(session: Session, name: str) -> Category:
    return session.exec(select(Category).where(Category.name == name)).one()


def case_data(session: Session, **overrides: Any) -> dict[str, Any]:
    """A valid case form for 郑家台社区第一网格 (override any field)."""
    data: dict[str, Any] = {
        "source": "patrol",
        "category_id": category(session, "环境卫生").id,
        "org_id": node(session, "郑家台社区第一网格").id,
        "description": "楼道堆放杂物，影响通行",
        "reported_at": clock.now() - timedelta(hours=2),
        "reporter_name": "刘女士",
        "reporter_phone": "13912345678",
    }
    data.update(overrides)
    return data


def create_case(session: Session, actor: Actor, **overrides: Any) -> str:
    """Register a case and return its reference."""
    return cases.create_case(session=session, actor=actor, data=case_data(session, **overrides)).reference


def edit_record(session: Session, actor: Actor, kind: str, record_id: int, **changes: Any) -> Any:
    """Save a record through the engine as its edit form does: the stored values, `changes` on top."""
    spec = get_kind(kind)
    stored = session.get(spec.model, record_id)
    assert stored is not None, (kind, record_id)
    data = records.form_values(spec, stored) | changes
    return records.update_record(session=session, actor=actor, kind=kind, record_id=record_id, data=data)


def hours_ago(hours: float) -> datetime:
    return clock.now() - timedelta(hours=hours)


__all__ = [
    "DEMO_PASSWORD",
    "actor_for",
    "case_data",
    "category",
    "create_case",
    "edit_record",
    "hours_ago",
    "node",
    "system_actor",
]
