"""The safety KPIs, counted by hand on a small hand-built sub-district: activities per kind against the period
before, participants and hours, the year so far against annual targets, publicity by venue, corrective actions
open and overdue; soft-deleted records count for nothing, and a community leader sees their community only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest

from db.session import session_scope
from portal import kpi_frames
from portal.lowcode import records
from portal.services import activities
from portal.services.errors import InvalidInput, NotFound
from portal.services.kpi import KpiFilters
from portal.services.kpi_overview import kpi_overview
from portal.services.kpi_safety import SafetyOverview, kpi_safety
from tests.helpers import actor_for
from tests.services.conftest import FrozenClock, World, local

ROOT, ZJT, ZJT1, ZJT2, ZJGZ = "皋兰路街道", "郑家台社区", "郑家台社区第一网格", "郑家台社区第二网格", "詹家拐子社区"


def log(
    world: World, kind: str, org: str, starts_at: datetime, participants: int, hours: float | None, **extra: Any
) -> int:
    """Log an activity as the sub-district's staff, through the same service the activity pages use."""
    data: dict[str, Any] = {
        "kind": kind,
        "title": f"{org}{kind}{starts_at:%m%d}",
        "starts_at": starts_at,
        "org_id": world.nodes[org],
        "organiser": f"{org}安全办",
        "location": f"{org}广场",
        "participants": participants,
        "hours": hours,
        "partner_units": "城关区消防救援大队" if kind == "joint_rescue_drill" else None,
    } | extra
    with session_scope(write=True) as session:
        row = activities.create_activity(session=session, actor=actor_for(session, "staff"), data=data)
        assert row.id is not None
        return row.id


def action(world: World, activity_id: int, due_on: date, status: str = "open", owner: str = "staff.zjt") -> int:
    with session_scope(write=True) as session:
        row = records.create_record(
            session=session,
            actor=actor_for(session, "staff"),
            kind="corrective_action",
            data={
                "activity_id": activity_id,
                "description": f"整改（{due_on:%m-%d} 到期）",
                "owner_id": world.users[owner],
                "due_on": due_on,
                "status": status,
                "done_on": due_on if status == "done" else None,
            },
        )
        return int(row.id)


def delete(kind: str, record_id: int) -> None:
    with session_scope(write=True) as session:
        records.delete_record(session=session, actor=actor_for(session, "staff"), kind=kind, record_id=record_id)


@dataclass
class Logged:
    world: World
    drill_zjt: int
    drill_zjgz: int
    march_drill: int


@pytest.fixture
def logged(world: World, frozen_clock: FrozenClock) -> Logged:
    """Today is Friday 10 April 2026, 10:00 in the office. This month (1-10 April) is compared with 1-10 March."""
    w = world
    drill_zjt = log(w, "emergency_drill", ZJT, local(2026, 4, 2, 9), 40, 2)
    drill_zjgz = log(w, "emergency_drill", ZJGZ, local(2026, 4, 8, 14), 60, 1.5)
    joint = log(w, "joint_rescue_drill", ROOT, local(2026, 4, 9, 9), 120, 3)
    log(w, "safety_training", ZJT1, local(2026, 4, 1, 7, 30), 25, 2.5)  # 31 March 23:30 UTC: an April day
    school = log(w, "publicity", ZJT, local(2026, 4, 5, 9), 200, 1, venue_type="school")
    log(w, "publicity", ZJGZ, local(2026, 4, 6, 9), 80, None, venue_type="enterprise")
    log(w, "publicity", ZJT2, local(2026, 4, 10, 9), 50, 0.5, venue_type="school")
    march_drill = log(w, "emergency_drill", ZJT, local(2026, 3, 5, 9), 30, 1)
    log(w, "safety_training", ZJGZ, local(2026, 3, 9, 9), 45, 2)
    log(w, "safety_training", ZJT, local(2026, 3, 20, 9), 33, 2)  # this year, not in the compared days
    log(w, "emergency_drill", ZJT, local(2026, 1, 15, 9), 10, 1)
    log(w, "emergency_drill", ZJT, local(2026, 4, 20, 9), 70, 2)  # planned: not held yet
    log(w, "emergency_drill", ZJT, local(2025, 4, 3, 9), 15, 1)  # last year
    deleted = log(w, "emergency_drill", ZJT, local(2026, 4, 4, 9), 999, 9)
    action(w, deleted, date(2026, 4, 1))  # its activity is deleted below: the action goes with it
    delete("emergency_drill", deleted)

    action(w, drill_zjt, date(2026, 4, 5))  # overdue 5 days
    action(w, drill_zjgz, date(2026, 4, 9), "in_progress", owner="staff")  # overdue 1 day
    action(w, joint, date(2026, 4, 10), owner="leader")  # due today: open, not overdue
    action(w, school, date(2026, 4, 1), "done")
    action(w, march_drill, date(2026, 3, 20))  # overdue 21 days: actions do not depend on the period
    delete("corrective_action", action(w, drill_zjt, date(2026, 3, 30)))
    with session_scope(write=True) as session:
        for kind, org, value in (
            ("emergency_drill", ROOT, 6),
            ("joint_rescue_drill", ROOT, 2),
            ("safety_training", ROOT, 4),
            ("emergency_drill", ZJT, 3),
        ):
            activities.set_target(session=session, year=2026, kpi=kind, org_id=w.nodes[org], value=value)
    return Logged(w, drill_zjt, drill_zjgz, march_drill)


def safety(
    username: str, start: date, end: date, period: str = "custom", org: int | None = None, grain: str | None = None
) -> SafetyOverview:
    with session_scope() as session:
        return kpi_safety(
            session=session,
            actor=actor_for(session, username),
            date_from=start,
            date_to=end,
            org_id=org,
            period=period,
            grain=grain,
        )


def this_month(username: str, org: int | None = None, grain: str | None = None) -> SafetyOverview:
    return safety(username, date(2026, 4, 1), date(2026, 4, 10), "this_month", org, grain)


def test_each_kind_is_counted_with_its_participants_and_hours_against_the_same_days_of_last_month(
    logged: Logged,
) -> None:
    shown = this_month("leader")
    assert (shown.start, shown.end, shown.previous) == (
        date(2026, 4, 1),
        date(2026, 4, 10),
        (date(2026, 3, 1), date(2026, 3, 10)),
    )
    rows = {
        k.kind: (k.count, k.participants, k.hours, k.previous_count, k.previous_participants, k.previous_hours)
        for k in shown.totals
    }
    assert rows == {
        "emergency_drill": (2, 100, 3.5, 1, 30, 1.0),  # the deleted drill's 999 people are nowhere
        "joint_rescue_drill": (1, 120, 3.0, 0, 0, 0.0),
        "safety_training": (1, 25, 2.5, 1, 45, 2.0),
        "publicity": (3, 330, 1.5, 0, 0, 0.0),  # an event without hours adds none
    }


SUB_DISTRICT_YEAR = {  # (held from 1 January to 10 April 2026, the 2026 target of the sub-district)
    "emergency_drill": (4, 6),  # 15 Jan, 5 Mar, 2 Apr, 8 Apr; not the planned 20 Apr nor last year's
    "joint_rescue_drill": (1, 2),
    "safety_training": (3, 4),
    "publicity": (3, None),
}


def test_the_year_so_far_is_held_against_the_annual_targets_of_the_scope_node(logged: Logged) -> None:
    sub_district = {a.kind: (a.count, a.target) for a in this_month("leader").year_to_date}
    assert sub_district == SUB_DISTRICT_YEAR
    community = {a.kind: (a.count, a.target) for a in this_month("leader.zjt").year_to_date}
    assert community == {
        "emergency_drill": (3, 3),
        "joint_rescue_drill": (0, None),
        "safety_training": (2, None),
        "publicity": (2, None),
    }


def test_activities_over_time_by_week_and_by_month_with_the_previous_period(logged: Logged) -> None:
    weeks = this_month("leader").trend["emergency_drill"]
    assert this_month("leader").grain == "week"
    # 1-5 April (Wednesday to Sunday), 6-10 April; against 1 March (a Sunday) and 2-8 March.
    assert [(p.start, p.end, p.count, p.previous) for p in weeks] == [
        (date(2026, 4, 1), date(2026, 4, 5), 1, 0),
        (date(2026, 4, 6), date(2026, 4, 10), 1, 1),
    ]
    year = safety("leader", date(2026, 1, 1), date(2026, 4, 10), "this_year")
    assert year.grain == "month"
    assert [(p.count, p.previous) for p in year.trend["emergency_drill"]] == [(1, 0), (0, 0), (1, 0), (2, 1)]
    assert [p.count for p in year.trend["safety_training"]] == [0, 0, 2, 1]
    days = this_month("leader", grain="day").trend["publicity"]
    assert [(p.start.day, p.count) for p in days if p.count] == [(5, 1), (6, 1), (10, 1)]


def test_publicity_by_venue_type_and_activities_by_unit(logged: Logged) -> None:
    shown = this_month("leader")
    assert [(v.venue, v.count, v.participants) for v in shown.venues] == [
        ("enterprise", 1, 80),
        ("rural", 0, 0),
        ("community", 0, 0),
        ("school", 2, 250),
        ("family", 0, 0),
    ]
    assert [(u.name, u.exact, u.counts, u.participants) for u in shown.by_unit] == [
        (ROOT, True, {"emergency_drill": 0, "joint_rescue_drill": 1, "safety_training": 0, "publicity": 0}, 120),
        (ZJT, False, {"emergency_drill": 1, "joint_rescue_drill": 0, "safety_training": 1, "publicity": 2}, 315),
        (ZJGZ, False, {"emergency_drill": 1, "joint_rescue_drill": 0, "safety_training": 0, "publicity": 1}, 140),
    ]


def test_corrective_actions_open_and_overdue_with_owner_and_due_day(logged: Logged) -> None:
    shown = this_month("leader")
    assert (shown.actions_open, shown.actions_overdue) == (4, 3)
    assert [(a.unit, a.owner, a.due_on, a.days_overdue, a.status) for a in shown.overdue] == [
        (ZJT, "郑家台社区工作人员", date(2026, 3, 20), 21, "open"),
        (ZJT, "郑家台社区工作人员", date(2026, 4, 5), 5, "open"),
        (ZJGZ, "张敏（综治中心）", date(2026, 4, 9), 1, "in_progress"),
    ]
    last_year = safety("leader", date(2025, 1, 1), date(2025, 12, 31))
    assert (last_year.actions_open, last_year.actions_overdue) == (4, 3)  # today's figure, whatever the period


def test_a_community_leader_sees_their_community_only_and_cannot_ask_for_another(logged: Logged) -> None:
    own = this_month("leader.zjt")
    counts = {k.kind: (k.count, k.participants, k.previous_count) for k in own.totals}
    assert counts == {
        "emergency_drill": (1, 40, 1),
        "joint_rescue_drill": (0, 0, 0),  # the sub-district's joint drill is not theirs
        "safety_training": (1, 25, 0),
        "publicity": (2, 250, 0),
    }
    assert [(u.name, u.exact, sum(u.counts.values())) for u in own.by_unit] == [
        (ZJT, True, 2),
        (ZJT1, False, 1),
        (ZJT2, False, 1),
    ]
    assert (own.actions_open, own.actions_overdue) == (2, 2)
    assert {a.unit for a in own.overdue} == {ZJT}
    assert [v.count for v in own.venues if v.venue == "enterprise"] == [0]
    with pytest.raises(NotFound):
        this_month("leader.zjt", org=logged.world.nodes[ZJGZ])
    with pytest.raises(NotFound):
        this_month("leader.zjt", org=logged.world.nodes[ROOT])
    narrowed = this_month("leader", org=logged.world.nodes[ZJT])  # the sub-district leader picking the community
    assert narrowed.to_json() == own.to_json()


def test_the_kpi_overview_holds_the_year_so_far_against_the_targets_whatever_the_period(logged: Logged) -> None:
    with session_scope() as session:
        shown = kpi_overview(
            session=session,
            actor=actor_for(session, "leader"),
            filters=KpiFilters(date_from=date(2026, 4, 1), date_to=date(2026, 4, 10)),
            period="this_month",
        )
    assert {a.kind: (a.count, a.target) for a in shown.year_to_date} == SUB_DISTRICT_YEAR
    assert {a.kind: a.count for a in shown.activities} == {  # the period itself: 1-10 April
        "emergency_drill": 2,
        "joint_rescue_drill": 1,
        "safety_training": 1,
        "publicity": 3,
    }
    assert kpi_frames.columns(shown)["activities"]["done"] == [4, 1, 3, 3]  # what the overview's chart draws


def test_a_period_off_the_calendar_is_refused_not_crashed(logged: Logged) -> None:
    for start, end in ((date(1, 1, 1), date(1, 1, 5)), (date(2026, 1, 1), date(9999, 12, 31))):
        with pytest.raises(InvalidInput):
            safety("leader", start, end)
        with session_scope() as session, pytest.raises(InvalidInput):
            kpi_overview(session=session, actor=actor_for(session, "leader"), filters=KpiFilters(start, end))
