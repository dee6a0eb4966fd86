"""Cases: register, list, open, move through the workflow. Every read is filtered by the actor's scope."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import ColumnElement, func
from sqlalchemy import case as sql_case
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from db.models import (
    OPEN_STATUSES,
    Case,
    CaseHistory,
    CaseLevel,
    CaseSource,
    CaseStatus,
    Category,
    OrgKind,
    User,
)
from portal import clock
from portal.defaults import MAX_DESCRIPTION_LENGTH, MAX_PAGE_SIZE, PAGE_SIZE
from portal.permissions import can
from portal.services import case_rollup, case_rules, case_search
from portal.services.actor import Actor
from portal.services.errors import InvalidInput, NotFound, PermissionDenied
from portal.services.orgs import OrgTree, load_tree, placement_errors, scope_ids
from portal.services.validation import check_phone, invalid, validate

SOURCE_PREFIX = {"xiaolan": "XL", "longqing": "LQ", "patrol": "WG", "hotline": "RX", "walk_in": "LF"}

LEVEL_OF_KIND = {OrgKind.GRID: CaseLevel.GRID, OrgKind.COMMUNITY: CaseLevel.COMMUNITY}


class CaseInput(BaseModel):
    """What a person registering a case types in."""

    model_config = ConfigDict(str_strip_whitespace=True)

    source: CaseSource
    category_id: int
    org_id: int
    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION_LENGTH)
    reported_at: datetime
    reporter_name: str | None = Field(default=None, max_length=64)
    reporter_phone: str | None = None
    assignee_id: int | None = None

    @field_validator("reporter_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return check_phone(value)

    @field_validator("reported_at")
    @classmethod
    def _not_in_future(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise invalid("error.datetime")
        if value > clock.now() + timedelta(minutes=5):
            raise invalid("error.in_future")
        return value


@dataclass(frozen=True)
class CaseFilters:
    date_from: date | None = None
    date_to: date | None = None
    org_id: int | None = None  # a node inside the actor's scope: its whole subtree
    org_exact: bool = False  # only the cases placed at org_id itself, not below it (a KPI unit such as 街道本级)
    category_id: int | None = None
    source: str | None = None
    statuses: tuple[str, ...] = ()
    overdue: bool = False
    due_within_days: int | None = None  # open and due between now and N days from now
    assignee_id: int | None = None
    search: str = ""
    sort: str = "newest"  # newest | oldest | due


SORTS = ("newest", "oldest", "due")
DUE_SOON = timedelta(days=1)  # amber: due within a day


def sla_flag(case: Case, now: datetime) -> str | None:
    """red (overdue), amber (due within a day), green (in time); None when no clock runs (not dispatched, or done)."""
    if case.status not in OPEN_STATUSES or case.due_at is None:
        return None
    if case.due_at < now:
        return "red"
    return "amber" if case.due_at - now <= DUE_SOON else "green"


@dataclass(frozen=True)
class CaseRow:
    id: int
    reference: str
    reported_at: datetime
    source: str
    category: str
    org: str
    status: str
    level: str
    assignee: str | None
    due_at: datetime | None
    overdue: bool
    sla: str | None
    reporter_phone: str | None
    description: str


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str | None
    action: str
    changes: dict[str, Any]
    note: str | None


@dataclass(frozen=True)
class CaseDetail:
    case: Case
    category: str
    org: str
    assignee: str | None
    overdue: bool
    reporter_phone: str | None
    next_statuses: tuple[str, ...]
    is_open: bool = False
    editable: bool = False
    duplicate_of: str | None = None  # the original's reference, for a case closed as a duplicate
    history: list[HistoryEntry] = field(default_factory=list)


def mask_phone(phone: str | None) -> str | None:
    """138****1234: enough to recognise, not enough to call."""
    if not phone:
        return phone
    if len(phone) <= 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def is_overdue(case: Case, now: datetime) -> bool:
    return case.status in OPEN_STATUSES and case.due_at is not None and case.due_at < now


def create_case(*, session: Session, actor: Actor, data: dict[str, Any], reference: str | None = None) -> Case:
    """Register a case; raises InvalidInput (nothing saved) or PermissionDenied."""
    if not can(actor.role, "case.create"):
        raise PermissionDenied("error.forbidden")
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    try:
        payload: CaseInput | None = validate(CaseInput, data)
    except InvalidInput as exc:
        # Keep going: the checks against the database below are reported in the same round.
        payload, errors = None, dict(exc.errors)
    tree = load_tree(session=session)
    org_id, category_id, assignee_id = (_int_or_none(data.get(f)) for f in ("org_id", "category_id", "assignee_id"))
    if "org_id" not in errors:
        errors.update(placement_errors(tree, actor, org_id))
    category = session.get(Category, category_id) if category_id is not None else None
    if "category_id" not in errors and (category is None or not category.active):
        errors["category_id"] = ("error.choice", {})
    if assignee_id is not None and "assignee_id" not in errors and org_id in tree.nodes:
        assignee = session.get(User, assignee_id)
        if assignee is None or not assignee.active or not tree.contains(assignee.org_id, org_id):
            errors["assignee_id"] = ("error.assignee_scope", {})
    if errors or payload is None:
        raise InvalidInput(errors)
    assert category is not None
    now = clock.now()
    case = Case(
        reference=reference or f"tmp-{uuid.uuid4().hex}",
        source=payload.source.value,
        category_id=payload.category_id,
        org_id=payload.org_id,
        reporter_name=payload.reporter_name or None,
        reporter_phone=payload.reporter_phone,
        description=payload.description,
        reported_at=payload.reported_at,
        reported_on=clock.local_day(payload.reported_at),
        status=CaseStatus.RECEIVED.value,
        level=LEVEL_OF_KIND.get(tree.kind_of(payload.org_id), CaseLevel.SUBDISTRICT).value,
        assignee_id=payload.assignee_id,  # the intended handler; the SLA clock starts when it is dispatched
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    assert case.id is not None
    if reference is None:
        # The id makes the number unique without a counter table: XL-20260305-000123.
        case.reference = f"{SOURCE_PREFIX[case.source]}-{case.reported_on:%Y%m%d}-{case.id:06d}"
    session.add(CaseHistory(case_id=case.id, at=now, actor_id=actor.user_id, action="created", changes={}))
    case_rollup.record(session, added=[case_rollup.snapshot(case)])
    session.flush()
    return case


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def case_conditions(
    tree: OrgTree, actor: Actor, filters: CaseFilters, now: datetime, *, dialect: str = ""
) -> list[ColumnElement[bool]]:
    """The WHERE of the cases `actor` may see under `filters`.

    Pass the session's `dialect` when `filters.search` may be set: on SQLite the search then uses its text
    index (without it, a scan with the same results).
    """
    conditions: list[ColumnElement[bool]] = []
    visible = scope_ids(tree, actor)
    # The pickers start at the user's own node: that is their scope already, not a narrower filter
    # (and for the sub-district it would add an IN-list of every node to each query).
    if filters.org_id is not None and filters.org_id != actor.org_id:
        if filters.org_id not in tree.nodes or not tree.contains(actor.org_id, filters.org_id):
            raise NotFound("error.org_not_found", node=filters.org_id)
        visible = tree.descendants(filters.org_id)
    if visible is not None:
        conditions.append(col(Case.org_id).in_(sorted(visible)))
    if filters.org_exact and filters.org_id is not None:
        conditions.append(col(Case.org_id) == filters.org_id)
    if filters.date_from:
        conditions.append(col(Case.reported_on) >= filters.date_from)
    if filters.date_to:
        conditions.append(col(Case.reported_on) <= filters.date_to)
    if filters.category_id is not None:
        conditions.append(col(Case.category_id) == filters.category_id)
    if filters.source:
        conditions.append(col(Case.source) == filters.source)
    if filters.statuses:
        conditions.append(col(Case.status).in_(filters.statuses))
    if filters.overdue:
        conditions.append(col(Case.status).in_([s.value for s in OPEN_STATUSES]))
        conditions.append(col(Case.due_at) < now)
    if filters.due_within_days is not None:
        conditions.append(col(Case.status).in_([s.value for s in OPEN_STATUSES]))
        conditions.append(col(Case.due_at) >= now)
        conditions.append(col(Case.due_at) <= now + timedelta(days=filters.due_within_days))
    if filters.assignee_id is not None:
        conditions.append(col(Case.assignee_id) == filters.assignee_id)
    if filters.search.strip():
        conditions.append(case_search.condition(filters.search.strip(), dialect))
    return conditions


_ORDER = {
    "newest": (col(Case.reported_at).desc(), col(Case.id).desc()),
    "oldest": (col(Case.reported_at).asc(), col(Case.id).asc()),
    # Soonest due first among cases whose clock is running; finished or undispatched cases go last.
    "due": (
        sql_case((col(Case.status).in_([s.value for s in OPEN_STATUSES]) & col(Case.due_at).is_not(None), 0), else_=1),
        col(Case.due_at).asc(),
        col(Case.id).asc(),
    ),
}


def list_cases(
    *, session: Session, actor: Actor, filters: CaseFilters, page: int = 1, page_size: int = PAGE_SIZE
) -> CasePage:
    """One page of cases in the actor's scope, newest first, with the total matching count."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    now = clock.now()
    tree = load_tree(session=session)
    term = filters.search.strip()
    conditions = case_conditions(tree, actor, replace(filters, search=""), now)
    plan = case_search.plan(session, term, narrowed=bool(conditions))
    total = session.exec(select(func.count()).select_from(Case).where(*conditions, *plan.count_condition())).one()
    page = max(1, min(page, max(1, -(-total // page_size))))
    conditions += plan.page_condition(matches=total, end=page * page_size)
    assignee = aliased(User)
    stmt = (
        select(Case, Category.name, assignee.display_name)
        .join(Category, col(Category.id) == Case.category_id)
        .outerjoin(assignee, col(assignee.id) == Case.assignee_id)
        .where(*conditions)
        .order_by(*_ORDER.get(filters.sort, _ORDER["newest"]))
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    rows = [
        CaseRow(
            id=case.id or 0,
            reference=case.reference,
            reported_at=case.reported_at,
            source=case.source,
            category=category_name,
            org=tree.label(case.org_id),
            status=case.status,
            level=case.level,
            assignee=assignee_name,
            due_at=case.due_at,
            overdue=is_overdue(case, now),
            sla=sla_flag(case, now),
            reporter_phone=mask_phone(case.reporter_phone),
            description=case.description,
        )
        for case, category_name, assignee_name in session.exec(stmt).all()
    ]
    return CasePage(rows=rows, total=total, page=page, page_size=page_size)


def get_in_scope(session: Session, actor: Actor, reference: str, tree: OrgTree) -> Case:
    case = session.exec(select(Case).where(Case.reference == reference)).first()
    if case is None or not tree.contains(actor.org_id, case.org_id):
        raise NotFound("error.case_not_found", reference=reference)
    return case


def get_case(*, session: Session, actor: Actor, reference: str) -> CaseDetail:
    """One case with its history; the reporter's phone only for roles that handle cases."""
    tree = load_tree(session=session)
    case = get_in_scope(session, actor, reference, tree)
    category = session.get(Category, case.category_id)
    assignee = session.get(User, case.assignee_id) if case.assignee_id else None
    history_rows = session.exec(
        select(CaseHistory, User.display_name)
        .outerjoin(User, col(User.id) == CaseHistory.actor_id)
        .where(CaseHistory.case_id == case.id)
        .order_by(col(CaseHistory.at), col(CaseHistory.id))
    ).all()
    phone = case.reporter_phone if can(actor.role, "case.view_phone") else mask_phone(case.reporter_phone)
    next_statuses = case_rules.next_statuses(actor.role, case.level, case.status) if case.id else ()
    return CaseDetail(
        case=case,
        category=category.name if category else "",
        org=tree.label(case.org_id),
        assignee=assignee.display_name if assignee else None,
        overdue=is_overdue(case, clock.now()),
        reporter_phone=phone,
        next_statuses=next_statuses,
        is_open=case.status in OPEN_STATUSES,
        editable=can(actor.role, "case.transition") and case_rules.may_edit(actor.role, case.level, case.status),
        duplicate_of=session.exec(select(Case.reference).where(Case.id == case.duplicate_of_id)).first()
        if case.duplicate_of_id
        else None,
        history=[HistoryEntry(h.at, name, h.action, h.changes, h.note) for h, name in history_rows],
    )


def categories(*, session: Session, active_only: bool = True) -> list[Category]:
    """Categories in display order."""
    stmt = select(Category).order_by(col(Category.sort_order), col(Category.id))
    if active_only:
        stmt = stmt.where(col(Category.active).is_(True))
    return list(session.exec(stmt).all())


def assignable_users(*, session: Session, actor: Actor, org_id: int) -> list[User]:
    """Active handlers whose scope covers `org_id` (people a case there can be given to)."""
    tree = load_tree(session=session)
    if org_id not in tree.nodes or not tree.contains(actor.org_id, org_id):
        return []
    chain = tree.ancestors(org_id)
    users = session.exec(
        select(User)
        .where(col(User.active).is_(True), col(User.org_id).in_(chain))
        .where(col(User.role).in_(["staff", "grid_worker"]))
        .order_by(col(User.display_name))
    ).all()
    return list(users)


def handlers_in_scope(*, session: Session, actor: Actor) -> list[User]:
    """Staff and grid workers bound inside the actor's scope (the choices of the list's assignee filter)."""
    tree = load_tree(session=session)
    visible = scope_ids(tree, actor)
    stmt = select(User).where(col(User.role).in_(["staff", "grid_worker"])).order_by(col(User.display_name))
    if visible is not None:
        stmt = stmt.where(col(User.org_id).in_(sorted(visible)))
    return list(session.exec(stmt).all())
