"""The demo sub-district: 皋兰路街道 as the seed article reports it, deterministic for a given day."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, select

from db.models import (
    Case,
    CaseHistory,
    CaseLevel,
    CaseStatus,
    Category,
    OrgNode,
    Subscription,
    SubscriptionTopic,
    User,
)
from portal import clock
from portal.services import case_rollup, demo_disputes
from portal.services import demo_data as data
from portal.services.activities import set_target
from portal.services.demo_activities import seed_activities
from portal.services.users import hash_password

DEMO_PASSWORD = "demo-gaolan-2026"
XIAOLAN_UNITS: dict[str, int] = data.FIGURES["platform_cases_by_unit"]
XIAOLAN_CATEGORIES: dict[str, int] = data.FIGURES["platform_cases_by_category"]
PATROL_DISPUTES: int = data.FIGURES["patrol_disputes_resolved"]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    org: str


DEMO_LOGINS = (
    DemoLogin("leader", "leader", "皋兰路街道"),
    DemoLogin("staff", "staff", "皋兰路街道"),
    DemoLogin("grid", "grid_worker", "郑家台社区第一网格"),
    DemoLogin("admin", "admin", "皋兰路街道"),
    DemoLogin("leader.zjt", "leader", "郑家台社区"),
)


def is_empty(*, session: Session) -> bool:
    """True when the database holds no org tree yet (a fresh install)."""
    return session.exec(select(func.count()).select_from(OrgNode)).one() == 0


def seed_demo(*, session: Session, today: date | None = None) -> dict[str, int]:
    """Write the demo sub-district into an empty database; returns how many rows of each kind."""
    today = today or clock.today()
    rng = random.Random(20260101)
    nodes = _seed_org(session)
    categories = _seed_categories(session)
    users = _seed_users(session, nodes)
    cases = _xiaolan_cases(rng, today, nodes, categories, users)
    cases += _patrol_disputes(rng, today, nodes, categories, users)
    cases += _open_workload(rng, today, nodes, categories, users)
    _insert_cases(session, cases)
    mediations = demo_disputes.seed_mediations(session=session, rng=rng)
    demo_disputes.seed_routing(session=session, nodes=nodes, users=users)
    activities = seed_activities(session, rng, today, nodes, users)
    for kind, value in data.DEMO_TARGETS.items():
        set_target(session=session, year=today.year, kpi=kind, org_id=nodes["皋兰路街道"].id or 0, value=value)
    for leader in ("leader", "leader.zjt"):  # the Monday email: the sub-district's and 郑家台's leaders read it
        session.add(Subscription(user_id=users[leader].id or 0, topic=SubscriptionTopic.WEEKLY_SUMMARY.value))
    return {
        "org_nodes": len(nodes),
        "users": len(users),
        "cases": len(cases),
        "mediations": mediations,
        "activities": activities,
    }


def _seed_org(session: Session) -> dict[str, OrgNode]:
    root = OrgNode(code="gaolanlu", name="皋兰路街道", kind="subdistrict", sort_order=0)
    session.add(root)
    session.flush()
    nodes = {root.name: root}
    for order, (code, name, grids) in enumerate(data.COMMUNITIES, start=1):
        community = OrgNode(code=code, name=name, kind="community", parent_id=root.id, sort_order=order)
        session.add(community)
        session.flush()
        nodes[name] = community
        for index in range(1, grids + 1):
            grid = OrgNode(
                code=f"{code}-{index}",
                name=f"{name}第{data.NUMERALS[index]}网格",
                kind="grid",
                parent_id=community.id,
                sort_order=index,
            )
            session.add(grid)
            nodes[grid.name] = grid
    session.flush()
    return nodes


def _seed_categories(session: Session) -> dict[str, Category]:
    categories = {}
    for order, (code, name, name_en, sla) in enumerate(data.CATEGORIES):
        category = Category(code=code, name=name, name_en=name_en, sla_days=sla, sort_order=order)
        session.add(category)
        categories[name] = category
    session.flush()
    return categories


def _seed_users(session: Session, nodes: dict[str, OrgNode]) -> dict[str, User]:
    # One bcrypt hash for every demo account: hashing each would cost a quarter-second apiece.
    password_hash = hash_password(DEMO_PASSWORD)
    now = clock.now()
    accounts = [(login.username, data.DISPLAY_NAMES[login.username], login.role, login.org) for login in DEMO_LOGINS]
    for node in nodes.values():
        if node.kind == "grid" and node.name != "郑家台社区第一网格":
            accounts.append((f"gw.{node.code}", f"{node.name}网格员", "grid_worker", node.name))
    users = {}
    for username, display_name, role, org in accounts:
        user = User(
            username=username,
            display_name=display_name,
            email=f"{username}@gaolanlu.example",
            role=role,
            org_id=nodes[org].id or 0,
            password_hash=password_hash,
            created_at=now,
        )
        session.add(user)
        users[org if role == "grid_worker" else username] = user
    session.flush()
    return users


def _when(rng: random.Random, day: date) -> datetime:
    local = datetime.combine(day, time(8, 0), tzinfo=clock.local_tz()) + timedelta(minutes=rng.randrange(12 * 60))
    return local.astimezone(UTC)


def _place(rng: random.Random, unit: OrgNode, nodes: dict[str, OrgNode]) -> tuple[OrgNode, str]:
    """Where in a unit a case sits: mostly a grid ("small matters stay in the grid"), some at the community."""
    if unit.kind == "subdistrict":
        return unit, CaseLevel.SUBDISTRICT.value
    grids = [n for n in nodes.values() if n.parent_id == unit.id]
    if rng.random() < 0.85:
        return rng.choice(grids), CaseLevel.GRID.value
    return unit, CaseLevel.COMMUNITY.value


def _case_row(
    rng: random.Random,
    *,
    reference: str,
    source: str,
    category: Category,
    org: OrgNode,
    level: str,
    reported_at: datetime,
    status: CaseStatus,
    assignee: User | None,
) -> dict[str, Any]:
    now = clock.now()
    dispatched_at = due_at = resolved_at = resolution = closed_at = close_reason = satisfaction = None
    if status not in (CaseStatus.RECEIVED, CaseStatus.ACCEPTED):  # the SLA clock starts at dispatch
        dispatched_at = min(reported_at + timedelta(hours=rng.uniform(0.5, 6)), now - timedelta(minutes=1))
        due_at = dispatched_at + timedelta(days=category.sla_days)
    if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and dispatched_at is not None:
        # Most within the SLA, about one in twelve late: an on-time rate worth looking at.
        share = rng.uniform(0.1, 0.95) if rng.random() > 0.08 else rng.uniform(1.05, 1.6)
        resolved_at = min(dispatched_at + timedelta(days=category.sla_days * share), now - timedelta(hours=1))
        resolution = rng.choice(data.RESOLUTIONS[category.name])
    if status is CaseStatus.CLOSED and resolved_at is not None:  # after the follow-up visit
        closed_at = min(resolved_at + timedelta(days=rng.uniform(0.5, 3)), now - timedelta(minutes=30))
        close_reason = "resolved"
        satisfaction = rng.choices(["satisfied", "basically_satisfied", "dissatisfied"], [86, 11, 3])[0]
    return {
        "reference": reference,
        "source": source,
        "category_id": category.id,
        "org_id": org.id,
        "reporter_name": f"{rng.choice(data.SURNAMES)}{rng.choice(['先生', '女士'])}",
        "reporter_phone": f"139{rng.randrange(10**8):08d}",
        "description": rng.choice(data.DESCRIPTIONS[category.name]),
        "reported_at": reported_at,
        "reported_on": clock.local_day(reported_at),
        "status": status.value,
        "level": level,
        "assignee_id": assignee.id if assignee and dispatched_at else None,
        "dispatched_at": dispatched_at,
        "due_at": due_at,
        "resolved_at": resolved_at,
        "resolution": resolution,
        "closed_at": closed_at,
        "close_reason": close_reason,
        "satisfaction": satisfaction,
        "duplicate_of_id": None,
        "created_at": reported_at,
        "updated_at": closed_at or resolved_at or reported_at,
        "version": 1,
    }


def _assignee(org: OrgNode, users: dict[str, User]) -> User:
    return users.get(org.name) or users["staff"]


def _xiaolan_cases(
    rng: random.Random, today: date, nodes: dict[str, OrgNode], categories: dict[str, Category], users: dict[str, User]
) -> list[dict[str, Any]]:
    # Pair a list of units with a shuffled list of categories: both marginals equal figures.json exactly.
    units = [name for name, count in XIAOLAN_UNITS.items() for _ in range(count)]
    kinds = [name for name, count in XIAOLAN_CATEGORIES.items() for _ in range(count)]
    assert len(units) == len(kinds) == data.FIGURES["platform_cases_total"]
    rng.shuffle(kinds)
    rows = []
    for index, (unit, kind) in enumerate(zip(units, kinds, strict=True), start=1):
        day = today - timedelta(days=rng.randint(1, 365))
        org, level = _place(rng, nodes[unit], nodes)
        status = CaseStatus.CLOSED if (today - day).days > 14 else CaseStatus.RESOLVED
        rows.append(
            _case_row(
                rng,
                reference=f"XL-{day:%Y%m%d}-{index:06d}",
                source="xiaolan",
                category=categories[kind],
                org=org,
                level=level,
                reported_at=_when(rng, day),
                status=status,
                assignee=_assignee(org, users),
            )
        )
    return rows


def _patrol_disputes(
    rng: random.Random, today: date, nodes: dict[str, OrgNode], categories: dict[str, Category], users: dict[str, User]
) -> list[dict[str, Any]]:
    communities = [n for n in nodes.values() if n.kind == "community"]
    rows = []
    for index in range(1, PATROL_DISPUTES + 1):
        day = today - timedelta(days=rng.randint(1, 365))
        org, level = _place(rng, rng.choice(communities), nodes)
        status = CaseStatus.CLOSED if (today - day).days > 14 else CaseStatus.RESOLVED
        rows.append(
            _case_row(
                rng,
                reference=f"WG-{day:%Y%m%d}-{index:06d}",
                source="patrol",
                category=categories["矛盾纠纷"],
                org=org,
                level=level,
                reported_at=_when(rng, day),
                status=status,
                assignee=_assignee(org, users),
            )
        )
    return rows


def _open_workload(
    rng: random.Random, today: date, nodes: dict[str, OrgNode], categories: dict[str, Category], users: dict[str, User]
) -> list[dict[str, Any]]:
    """Illustrative cases still being handled this month (not in the article): something to work on in the demo."""
    communities = [n for n in nodes.values() if n.kind == "community"]
    statuses = [CaseStatus.RECEIVED, CaseStatus.ACCEPTED, CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS]
    rows = []
    for index in range(1, data.OPEN_WORKLOAD + 1):
        day = today - timedelta(days=rng.randint(0, 5))
        source = rng.choice(["hotline", "longqing", "walk_in", "patrol"])
        org, level = _place(rng, rng.choice(communities), nodes)
        category = categories[rng.choice(list(XIAOLAN_CATEGORIES))]
        reported_at = min(_when(rng, day), clock.now() - timedelta(minutes=5))
        prefix = {"hotline": "RX", "longqing": "LQ", "walk_in": "LF", "patrol": "WG"}[source]
        rows.append(
            _case_row(
                rng,
                reference=f"{prefix}-{day:%Y%m%d}-9{index:05d}",
                source=source,
                category=category,
                org=org,
                level=level,
                reported_at=reported_at,
                status=rng.choice(statuses),
                assignee=_assignee(org, users),
            )
        )
    return rows


def _insert_cases(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(Case), rows)
    case_rollup.record(session, added=rows)
    ids = session.exec(select(Case.id, Case.reference, Case.reported_at)).all()
    session.execute(
        insert(CaseHistory),
        [
            {"case_id": i, "at": at, "actor_id": None, "action": "created", "changes": {}, "note": "demo"}
            for i, _ref, at in ids
        ],
    )
