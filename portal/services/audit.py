"""The audit log of engine-managed records: who changed what, when, field by field. Admins read it."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from db.models import AuditEntry
from portal import clock
from portal.defaults import MAX_PAGE_SIZE, PAGE_SIZE
from portal.permissions import can
from portal.services.actor import Actor
from portal.services.errors import PermissionDenied


def jsonable(value: Any) -> Any:
    """A value as the log stores it: dates and times as ISO text, enums as their code."""
    if isinstance(value, datetime):
        return clock.as_utc(value).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for each field whose value changed."""
    changes: dict[str, list[Any]] = {}
    for name in after:
        old, new = jsonable(before.get(name)), jsonable(after[name])
        if old != new:
            changes[name] = [old, new]
    return changes


def record(*, session: Session, actor: Actor, kind: str, record_id: int, action: str, changes: dict[str, Any]) -> None:
    """Append one entry (in the caller's transaction: it commits or rolls back with the change itself)."""
    session.add(
        AuditEntry(
            at=clock.now(),
            actor_id=actor.user_id,
            actor_name=actor.display_name[:64],
            kind=kind,
            record_id=record_id,
            action=action,
            changes=changes,
        )
    )


def list_entries(
    *,
    session: Session,
    actor: Actor,
    kind: str | None = None,
    record_id: int | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> tuple[list[AuditEntry], int]:
    """Entries newest first, optionally of one kind or one record: (the page, total). Admins only."""
    if not can(actor.role, "audit.view"):
        raise PermissionDenied("error.forbidden")
    conditions: list[ColumnElement[bool]] = []
    if kind:
        conditions.append(col(AuditEntry.kind) == kind)
    if record_id is not None:
        conditions.append(col(AuditEntry.record_id) == record_id)
    total = session.exec(select(func.count()).select_from(AuditEntry).where(*conditions)).one()
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    rows = session.exec(
        select(AuditEntry)
        .where(*conditions)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .offset((max(page, 1) - 1) * page_size)
        .limit(page_size)
    ).all()
    return list(rows), total
