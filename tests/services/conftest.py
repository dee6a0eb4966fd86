"""Service-test fixtures: a small hand-built sub-district (exact numbers) and a clock the test can move."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, func, select

from db.models import Case, Category, OrgNode, User
from db.session import session_scope
from portal import clock
from portal.services import case_rules, cases, users, workflow
from tests.helpers import DEMO_PASSWORD, actor_for

# The office's zone (the default PORTAL_TIMEZONE), written out so expectations do not come from the code under test.
OFFICE_TZ = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An office wall-clock time as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=OFFICE_TZ)


@dataclass
class FrozenClock:
    """The portal's clock, stopped at `current` until the test moves it."""

    current: datetime

    def set(self, instant: datetime) -> None:
        self.current = instant

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """Stops `portal.clock.now` at 2026-04-10 10:00 Asia/Shanghai (02:00 UTC); `clock.today()` follows it."""
    frozen = FrozenClock(datetime(2026, 4, 10, 2, 0, tzinfo=UTC))
    monkeypatch.setattr(clock, "now", lambda: frozen.current)
    return frozen


# (code, name, kind, parent name)
WORLD_NODES = (
    ("gaolanlu", "皋兰路街道", "subdistrict", None),
    ("zhengjiatai", "郑家台社区", "community", "皋兰路街道"),
    ("zhengjiatai-1", "郑家台社区第一网格", "grid", "郑家台社区"),
    ("zhengjiatai-2", "郑家台社区第二网格", "grid", "郑家台社区"),
    ("zhanjiaguaizi", "詹家拐子社区", "community", "皋兰路街道"),
    ("zhanjiaguaizi-1", "詹家拐子社区第一网格", "grid", "詹家拐子社区"),
)
# (code, name, sla days, active)
WORLD_CATEGORIES = (
    ("sanitation", "环境卫生", 3, True),
    ("dispute", "矛盾纠纷", 15, True),
    ("hazard", "安全隐患", 2, True),
    ("legacy", "旧分类", 7, False),
)
# (username, display name, role, org)
WORLD_USERS = (
    ("leader", "李主任", "leader", "皋兰路街道"),
    ("staff", "张敏（综治中心）", "staff", "皋兰路街道"),
    ("admin", "系统管理员", "admin", "皋兰路街道"),
    ("grid", "王磊（郑家台一网格）", "grid_worker", "郑家台社区第一网格"),
    ("gw.zhengjiatai-2", "郑家台社区第二网格网格员", "grid_worker", "郑家台社区第二网格"),
    ("gw.zhanjiaguaizi-1", "詹家拐子社区第一网格网格员", "grid_worker", "詹家拐子社区第一网格"),
    ("leader.zjt", "赵书记（郑家台社区）", "leader", "郑家台社区"),
    ("staff.zjt", "郑家台社区工作人员", "staff", "郑家台社区"),
)


@dataclass
class World:
    """Ids of the hand-built sub-district, by name."""

    nodes: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def world(database: str) -> Iterator[World]:
    """A sub-district with two communities, three grids, four categories (one retired) and eight accounts."""
    built = World()
    with session_scope(write=True) as session:
        for code, name, kind, parent in WORLD_NODES:
            node = OrgNode(
                code=code, name=name, kind=kind, parent_id=built.nodes.get(parent or ""), sort_order=len(built.nodes)
            )
            session.add(node)
            session.flush()
            assert node.id is not None
            built.nodes[name] = node.id
        for order, (code, name, sla, active) in enumerate(WORLD_CATEGORIES):
            category = Category(code=code, name=name, name_en=code, sla_days=sla, sort_order=order, active=active)
            session.add(category)
            session.flush()
            assert category.id is not None
            built.categories[name] = category.id
        password_hash = users.hash_password(DEMO_PASSWORD)
        for username, display_name, role, org in WORLD_USERS:
            user = users.create_user(
                session=session,
                username=username,
                display_name=display_name,
                role=role,
                org=org,
                password_hash=password_hash,
                email=f"{username}@example.org",
            )
            assert user.id is not None
            built.users[username] = user.id
    yield built


def count_rows(session: Session, model: type[Case] | type[User]) -> int:
    """How many rows a table holds (to show that a refused form saved nothing)."""
    return session.exec(select(func.count()).select_from(model)).one()


def advance(
    session: Session,
    username: str,
    reference: str,
    *statuses: str,
    note: str = "已处理完毕",
    assignee: str = "staff",
    satisfaction: str = "satisfied",
) -> Case:
    """Move a case through `statuses` as `username`, each step from the version just read (as the page does),
    giving what each move needs: a note, the handler to dispatch to (`assignee`), the follow-up's satisfaction."""
    actor = actor_for(session, username)
    case = None
    for status in statuses:
        current = cases.get_case(session=session, actor=actor, reference=reference).case
        needs = case_rules.needs(current.status, status) if (current.status, status) in _MOVES else ()
        case = workflow.transition_case(
            session=session,
            actor=actor,
            reference=reference,
            to_status=status,
            expected_version=current.version,
            note=note if "note" in needs else "",
            assignee_id=actor_for(session, assignee).user_id if "assignee" in needs else None,
            satisfaction=satisfaction if "satisfaction" in needs else None,
        )
    assert case is not None
    return case


_MOVES = {(a.value, b.value) for a, b in case_rules.MOVES}
