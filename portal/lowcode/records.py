"""The services every record kind gets: list, get, create, update, soft delete, each checked and audited.

Keyword-only like the hand-written services; `kind` is the registered key, so jobs can pass it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, func, or_, update
from sqlmodel import Session, SQLModel, col, select

from db.models import Role
from portal import clock
from portal.defaults import MAX_PAGE_SIZE, PAGE_SIZE
from portal.lowcode.checks import checked
from portal.lowcode.declare import Action, RecordKind, get_kind
from portal.services import audit
from portal.services.actor import Actor
from portal.services.errors import Conflict, NotFound, PermissionDenied
from portal.services.orgs import load_tree, scope_ids


@dataclass(frozen=True)
class Query:
    """What a list asks for: free text, filters ({field: value} or {field: (from_day, to_day)}), sort, page."""

    search: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    sort: str | None = None  # "field" or "-field"; None: the kind's default
    view: str | None = None  # one of the kind's views; None (or an unknown name): every record
    within: int | None = None  # only records of this org node and the nodes below it (scoped kinds)
    page: int = 1
    page_size: int = PAGE_SIZE


def allowed(kind: RecordKind, actor: Actor, action: str) -> bool:
    """Whether the actor's role may `action` (view, create, edit, delete) records of this kind."""
    return kind.permissions.allows(actor.role, action)


def _require(kind: RecordKind, actor: Actor, action: str) -> None:
    if not allowed(kind, actor, action):
        raise PermissionDenied("error.forbidden")


def _column(kind: RecordKind, name: str) -> Any:
    return getattr(kind.model, name)


def _conditions(session: Session, actor: Actor, kind: RecordKind) -> list[ColumnElement[bool]]:
    """What every read of the kind is limited to: its fixed values, not deleted, the actor's scope."""
    conditions: list[ColumnElement[bool]] = [_column(kind, n) == v for n, v in kind.fixed.items()]
    if "deleted_at" in kind.model.model_fields:
        conditions.append(_column(kind, "deleted_at").is_(None))
    if kind.scope:
        visible = scope_ids(load_tree(session=session), actor)
        if visible is not None:
            conditions.append(_column(kind, kind.scope).in_(sorted(visible)))
    return conditions


def _filter(kind: RecordKind, name: str, value: Any) -> ColumnElement[bool] | None:
    column = _column(kind, name)
    if value is None or value == "" or value == (None, None):
        return None
    if isinstance(value, tuple):  # a day range, either end open
        start, end = value
        parts: list[ColumnElement[bool]] = []
        if kind.column_type(name) is datetime:
            tz = clock.local_tz()
            if start:
                parts.append(column >= datetime.combine(start, time.min, tzinfo=tz))
            if end:
                parts.append(column < datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))
        else:
            if start:
                parts.append(column >= start)
            if end:
                parts.append(column <= end)
        return and_(*parts) if parts else None
    if kind.widget(name) in ("text", "textarea"):
        return cast(column, String).ilike(f"%{value}%")
    return column == value


def select_records(session: Session, actor: Actor, kind: RecordKind, query: Query) -> Any:
    """The SELECT behind a list or an export (ordered, not paged)."""
    conditions = _conditions(session, actor, kind)
    text = query.search.strip()
    if text and kind.search:
        conditions.append(or_(*(cast(_column(kind, n), String).ilike(f"%{text}%") for n in kind.search)))
    for name, value in query.filters.items():
        if name in kind.filters and (condition := _filter(kind, name, value)) is not None:
            conditions.append(condition)
    if query.view is not None and query.view in kind.views:
        conditions.extend(kind.views[query.view].where())
    if query.within is not None and kind.scope:  # narrows the scope above; never widens it
        conditions.append(_column(kind, kind.scope).in_(sorted(load_tree(session=session).descendants(query.within))))
    order = query.sort if query.sort and query.sort.lstrip("-") in {s.lstrip("-") for s in kind.sort} else None
    order = order or (kind.sort[0] if kind.sort else "-id")
    column = _column(kind, order.lstrip("-"))
    id_column = col(_column(kind, "id"))
    ordering = (column.desc(), id_column.desc()) if order.startswith("-") else (column.asc(), id_column.asc())
    return select(kind.model).where(*conditions).order_by(*ordering)


def list_records(*, session: Session, actor: Actor, kind: str, query: Query) -> tuple[list[Any], int]:
    """One page of the kind's records in the actor's scope, and how many match in all."""
    spec = get_kind(kind)
    _require(spec, actor, "view")
    stmt = select_records(session, actor, spec, query)
    total = session.exec(select(func.count()).select_from(stmt.order_by(None).subquery())).one()
    size = max(1, min(query.page_size, MAX_PAGE_SIZE))
    rows = session.exec(stmt.offset((max(query.page, 1) - 1) * size).limit(size)).all()
    return list(rows), total


def get_record(*, session: Session, actor: Actor, kind: str, record_id: int) -> Any:
    """One record, or NotFound when it is missing, deleted, of another kind or outside the actor's scope."""
    spec = get_kind(kind)
    _require(spec, actor, "view")
    id_column = col(_column(spec, "id"))
    row = session.exec(select(spec.model).where(id_column == record_id, *_conditions(session, actor, spec))).first()
    if row is None:
        raise NotFound("error.not_found")
    return row


def form_values(kind: RecordKind, row: SQLModel) -> dict[str, Any]:
    """A record's values for its edit form (and for the audit log's before and after)."""
    return {f.name: getattr(row, f.name) for f in kind.fields if not f.create_only}


def create_record(*, session: Session, actor: Actor, kind: str, data: dict[str, Any], action: str = "create") -> Any:
    """Check the form and insert the record with an audit entry; InvalidInput names every bad field."""
    spec = get_kind(kind)
    _require(spec, actor, "create")
    return insert_checked(session, actor, spec, checked(session, actor, spec, data), action)


def insert_checked(session: Session, actor: Actor, spec: RecordKind, values: dict[str, Any], action: str) -> Any:
    """Insert values that passed `checked` (the import calls this row by row)."""
    unaudited = spec.on_create(session, values) if spec.on_create is not None else {}
    values = {k: v for k, v in values.items() if not spec.field(k).create_only}
    if spec.derive is not None:
        spec.derive(session, values)
    now = clock.now()
    row: Any = spec.model(**values, **unaudited, **spec.fixed)
    for name, value in (("created_by_id", actor.user_id), ("created_at", now), ("updated_at", now)):
        if name in spec.model.model_fields:
            setattr(row, name, value)
    session.add(row)
    session.flush()
    changes = audit.diff({}, {k: v for k, v in values.items() if v is not None})
    audit.record(session=session, actor=actor, kind=spec.key, record_id=row.id, action=action, changes=changes)
    return row


def update_record(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    record_id: int,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> Any:
    """Save an edit. With a version column the save is refused (Conflict) if someone saved in between."""
    spec = get_kind(kind)
    _require(spec, actor, "edit")
    row = get_record(session=session, actor=actor, kind=kind, record_id=record_id)
    before = form_values(spec, row)
    data = {**data, **{f.name: before[f.name] for f in spec.fields if not f.editable}}
    values = checked(session, actor, spec, data, record_id)
    if spec.derive is not None:
        spec.derive(session, values)
    changes = audit.diff(before, {k: v for k, v in values.items() if k in before})
    if not changes:
        return row
    extra: dict[str, Any] = {}
    if "updated_at" in spec.model.model_fields:
        extra["updated_at"] = clock.now()
    id_column = col(_column(spec, "id"))
    stmt = update(spec.model).where(id_column == record_id)
    if "version" in spec.model.model_fields:
        version = row.version if expected_version is None else expected_version
        stmt = stmt.where(col(_column(spec, "version")) == version)
        extra["version"] = version + 1
    # Compare-and-set: a concurrent save moved the version on, so this one matches no row and is refused.
    if session.exec(stmt.values(**values, **extra)).rowcount != 1:
        raise Conflict("error.record_conflict")
    audit.record(session=session, actor=actor, kind=spec.key, record_id=record_id, action="update", changes=changes)
    session.refresh(row)
    return row


def delete_record(*, session: Session, actor: Actor, kind: str, record_id: int) -> None:
    """Soft delete: the record leaves lists (deleted_at), or is retired (active = False); the audit log keeps it."""
    spec = get_kind(kind)
    _require(spec, actor, "delete")
    row = get_record(session=session, actor=actor, kind=kind, record_id=record_id)
    if "deleted_at" in spec.model.model_fields:
        row.deleted_at = clock.now()
        changes: dict[str, Any] = {}
    elif "active" in spec.model.model_fields:
        changes = {"active": [row.active, False]}
        row.active = False
    else:
        raise PermissionDenied("error.forbidden")  # a kind with neither column cannot be deleted softly
    session.add(row)
    session.flush()
    audit.record(session=session, actor=actor, kind=spec.key, record_id=record_id, action="delete", changes=changes)


def actions_for(spec: RecordKind, actor: Actor, row: Any) -> list[Action]:
    """The kind's actions this actor may run on this record as it is now (the detail view's buttons)."""
    return [a for a in spec.actions if Role(actor.role) in a.roles and a.applies(row)]


def run_action(*, session: Session, actor: Actor, kind: str, record_id: int, action: str) -> str:
    """Run one of the kind's actions on a record in the actor's scope, with an audit entry; returns its message.

    PermissionDenied for a role the action is not for; Conflict when the record's state does not allow it (say,
    unlocking an account that is not locked, in a tab opened before someone else did it).
    """
    spec = get_kind(kind)
    chosen = next((a for a in spec.actions if a.key == action), None)
    if chosen is None or Role(actor.role) not in chosen.roles:
        raise PermissionDenied("error.forbidden")
    row = get_record(session=session, actor=actor, kind=kind, record_id=record_id)
    if not chosen.applies(row):
        raise Conflict("error.action_not_applicable")
    before = form_values(spec, row)
    message = chosen.run(session, actor, row)
    session.flush()
    session.refresh(row)
    # Only the declared fields are compared: a password hash is never one of them.
    changes = audit.diff(before, form_values(spec, row))
    audit.record(session=session, actor=actor, kind=spec.key, record_id=record_id, action=chosen.key, changes=changes)
    return message


def choices(*, session: Session, actor: Actor, kind: str) -> dict[str, list[tuple[Any, str]]]:
    """Field -> its (value, label) choices, for forms, filters and showing stored values."""
    spec = get_kind(kind)
    return {f.name: f.choices(session, actor) for f in spec.fields if f.choices is not None}


def display(spec: RecordKind, name: str, value: Any, labels: dict[str, dict[Any, str]], lang: str | None) -> Any:
    """A stored value as a person reads it: choice labels, office-local times, yes/no; numbers stay numbers."""
    from portal.i18n import t

    if value is None:
        return ""
    if name in labels:
        return labels[name].get(value, str(value))
    if isinstance(value, bool):
        return t("common.yes" if value else "common.no", lang)
    if isinstance(value, datetime):
        return clock.local_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
