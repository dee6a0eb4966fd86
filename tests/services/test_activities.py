"""Activity logs on the low-code engine: what is refused, who may log and see them, edits, soft delete, the audit
log, the upcoming list and progress against annual targets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from pytest import Subtests
from sqlmodel import col, func, select

from db.models import Activity, AuditEntry, OrgNode
from db.session import session_scope
from portal.lowcode import records
from portal.lowcode.records import Query
from portal.services import activities, audit
from portal.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.helpers import actor_for
from tests.services.conftest import FrozenClock, World, local


def activity_data(world: World, **overrides: Any) -> dict[str, Any]:
    """A valid safety-training form for 郑家台社区 (override any field)."""
    data: dict[str, Any] = {
        "kind": "safety_training",
        "title": "安全生产知识集中培训（第1期）",
        "starts_at": local(2026, 3, 20, 9, 0),
        "ends_at": local(2026, 3, 20, 11, 30),
        "org_id": world.nodes["郑家台社区"],
        "organiser": "郑家台社区居委会",
        "partner_units": None,
        "location": "郑家台社区协商议事厅",
        "participants": 45,
        "hours": 2.5,
        "topic": "燃气安全与消防器材使用",
    }
    data.update(overrides)
    return data


def log(world: World, username: str = "staff", **overrides: Any) -> int:
    with session_scope(write=True) as session:
        activity = activities.create_activity(
            session=session, actor=actor_for(session, username), data=activity_data(world, **overrides)
        )
        assert activity.id is not None
        return activity.id


def listed(username: str, kind: str = "safety_training", **query: Any) -> tuple[list[Activity], int]:
    with session_scope() as session:
        return records.list_records(
            session=session, actor=actor_for(session, username), kind=kind, query=Query(**query)
        )


def activity_count() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Activity)).one()


def org_names(world: World, rows: list[Activity]) -> list[str]:
    names = {v: k for k, v in world.nodes.items()}
    return [names[row.org_id] for row in rows]


# --- Logging ----------------------------------------------------------------------------------------------


def test_a_logged_training_is_stored_on_the_office_day_it_started(world: World, frozen_clock: FrozenClock) -> None:
    # 07:30 on 20 March in the office is 23:30 on 19 March in UTC.
    activity_id = log(world, starts_at=local(2026, 3, 20, 7, 30), title="  消防安全培训  ", partner_units="  ")
    with session_scope() as session:
        stored = session.get(Activity, activity_id)
        assert stored is not None
    assert stored.held_on == date(2026, 3, 20)
    assert stored.starts_at == local(2026, 3, 20, 7, 30)
    assert (stored.title, stored.partner_units, stored.participants, stored.hours) == ("消防安全培训", None, 45, 2.5)
    assert (stored.kind, stored.topic) == ("safety_training", "燃气安全与消防器材使用")
    assert stored.created_by_id == world.users["staff"]
    assert stored.created_at == frozen_clock.current
    (row,), total = listed("staff")
    assert (total, row.id, row.organiser) == (1, activity_id, "郑家台社区居委会")


def test_a_joint_rescue_drill_is_logged_with_its_partner_units(world: World) -> None:
    log(
        world,
        kind="joint_rescue_drill",
        title="高层住宅火灾联合应急救援演练",
        partner_units="城关区消防救援大队、皋兰路派出所",
    )
    (row,), _ = listed("staff", kind="joint_rescue_drill")
    assert (row.title, row.partner_units) == ("高层住宅火灾联合应急救援演练", "城关区消防救援大队、皋兰路派出所")
    assert listed("staff", kind="safety_training") == ([], 0)  # each kind has its own list


BAD_INPUT: list[tuple[dict[str, Any], str, str]] = [
    ({"participants": -1}, "participants", "error.too_small"),
    ({"participants": 100_001}, "participants", "error.too_large"),
    ({"participants": "许多"}, "participants", "error.number"),
    ({"hours": -0.5}, "hours", "error.too_small"),
    ({"ends_at": local(2026, 3, 20, 8, 0)}, "ends_at", "error.ends_before_starts"),
    ({"ends_at": local(2026, 3, 20, 9, 0)}, "ends_at", "error.ends_before_starts"),
    ({"kind": "joint_rescue_drill", "partner_units": None}, "partner_units", "error.required"),
    ({"kind": "joint_rescue_drill", "partner_units": "   "}, "partner_units", "error.required"),
    ({"kind": "publicity", "venue_type": None}, "venue_type", "error.required"),
    ({"kind": "publicity", "venue_type": "market"}, "venue_type", "error.choice"),
    ({"title": ""}, "title", "error.required"),
    ({"title": "   "}, "title", "error.required"),
    ({"organiser": ""}, "organiser", "error.required"),
    ({"location": " "}, "location", "error.required"),
    ({"kind": "party"}, "kind", "error.choice"),
    ({"starts_at": datetime(2026, 3, 20, 9, 0)}, "starts_at", "error.datetime"),
    ({"org_id": 987654}, "org_id", "error.org_out_of_scope"),
]


def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(world: World, subtests: Subtests) -> None:
    for overrides, field, key in BAD_INPUT:
        with subtests.test(**{k: repr(v) for k, v in overrides.items()}):
            with pytest.raises(InvalidInput) as refused:
                log(world, **overrides)
            assert set(refused.value.errors) == {field}
            assert refused.value.errors[field][0] == key
            assert activity_count() == 0
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(AuditEntry)).one() == 0


def test_every_bad_field_is_reported_at_once(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        log(world, participants=-3, title="", ends_at=local(2026, 3, 19, 9, 0))
    assert set(refused.value.errors) == {"participants", "title", "ends_at"}


def test_staff_of_a_community_cannot_log_for_another_community_or_the_sub_district(world: World) -> None:
    for org in ("詹家拐子社区", "詹家拐子社区第一网格", "皋兰路街道"):
        with pytest.raises(InvalidInput) as refused:
            log(world, "staff.zjt", org_id=world.nodes[org])
        assert refused.value.errors == {"org_id": ("error.org_out_of_scope", {})}
    assert activity_count() == 0
    log(world, "staff.zjt", org_id=world.nodes["郑家台社区第二网格"])  # inside: accepted
    assert activity_count() == 1


def test_leaders_and_grid_workers_cannot_log_activities(world: World) -> None:
    for username in ("leader", "leader.zjt", "grid"):
        with pytest.raises(PermissionDenied):
            log(world, username, org_id=world.nodes["郑家台社区第一网格"])
    assert activity_count() == 0
    with pytest.raises(PermissionDenied):
        listed("grid")  # grid workers have no activity pages at all


# --- Listing ----------------------------------------------------------------------------------------------


@pytest.fixture
def four_places(world: World) -> World:
    """Trainings at the sub-district, 郑家台社区, its first grid and 詹家拐子社区, a day apart."""
    for day, org in enumerate(("皋兰路街道", "郑家台社区", "郑家台社区第一网格", "詹家拐子社区"), start=1):
        log(world, org_id=world.nodes[org], starts_at=local(2026, 3, day, 9, 0), ends_at=local(2026, 3, day, 10, 0))
    return world


def test_activities_are_listed_newest_first_within_scope(four_places: World) -> None:
    everything = ["詹家拐子社区", "郑家台社区第一网格", "郑家台社区", "皋兰路街道"]
    for username in ("staff", "leader"):
        rows, total = listed(username)
        assert (org_names(four_places, rows), total) == (everything, 4)
    for username in ("staff.zjt", "leader.zjt"):
        rows, total = listed(username)
        assert (org_names(four_places, rows), total) == (["郑家台社区第一网格", "郑家台社区"], 2)


def test_day_filter_search_sort_and_pages(four_places: World) -> None:
    rows, total = listed("staff", filters={"starts_at": (date(2026, 3, 2), date(2026, 3, 3))})
    assert (org_names(four_places, rows), total) == (["郑家台社区第一网格", "郑家台社区"], 2)
    rows, total = listed("staff", filters={"org_id": four_places.nodes["郑家台社区"]})
    assert (org_names(four_places, rows), total) == (["郑家台社区"], 1)
    rows, total = listed("staff", sort="starts_at", page=2, page_size=3)
    assert (org_names(four_places, rows), total) == (["詹家拐子社区"], 4)
    log(four_places, title="危化品泄漏处置培训")
    rows, total = listed("staff", search="危化品")
    assert ([r.title for r in rows], total) == (["危化品泄漏处置培训"], 1)


# --- Editing, deleting, the audit log ---------------------------------------------------------------------


def test_an_edit_is_saved_audited_and_a_stale_one_refused(world: World, frozen_clock: FrozenClock) -> None:
    activity_id = log(world)
    with session_scope(write=True) as session:
        staff = actor_for(session, "staff")
        edited = records.update_record(
            session=session,
            actor=staff,
            kind="safety_training",
            record_id=activity_id,
            data={**activity_data(world), "participants": 60, "findings": "部分居民不会使用灭火器"},
            expected_version=1,
        )
        assert (edited.participants, edited.version) == (60, 2)
    with pytest.raises(Conflict), session_scope(write=True) as session:
        records.update_record(  # a second person still holding version 1
            session=session,
            actor=actor_for(session, "admin"),
            kind="safety_training",
            record_id=activity_id,
            data={**activity_data(world), "participants": 1},
            expected_version=1,
        )
    with session_scope() as session:
        entries, total = audit.list_entries(session=session, actor=actor_for(session, "admin"), record_id=activity_id)
        assert session.get(Activity, activity_id).participants == 60  # type: ignore[union-attr]
    assert total == 2
    assert [(e.action, e.actor_name) for e in entries] == [
        ("update", "张敏（综治中心）"),
        ("create", "张敏（综治中心）"),
    ]
    assert entries[0].changes == {"participants": [45, 60], "findings": [None, "部分居民不会使用灭火器"]}
    assert entries[0].at == frozen_clock.current
    with pytest.raises(PermissionDenied), session_scope() as session:
        audit.list_entries(session=session, actor=actor_for(session, "staff"))  # admins only


def test_a_deleted_activity_leaves_the_list_and_the_log_keeps_it(world: World) -> None:
    activity_id = log(world, org_id=world.nodes["詹家拐子社区"])
    with pytest.raises(NotFound), session_scope(write=True) as session:  # 郑家台's staff: not in their scope
        records.delete_record(
            session=session, actor=actor_for(session, "staff.zjt"), kind="safety_training", record_id=activity_id
        )
    with session_scope(write=True) as session:
        records.delete_record(
            session=session, actor=actor_for(session, "staff"), kind="safety_training", record_id=activity_id
        )
    assert listed("staff") == ([], 0)
    assert activity_count() == 1  # soft: the row stays
    with session_scope() as session:
        entries, _ = audit.list_entries(session=session, actor=actor_for(session, "admin"), record_id=activity_id)
    assert [e.action for e in entries] == ["delete", "create"]


# --- Upcoming and progress --------------------------------------------------------------------------------


def test_upcoming_lists_the_next_30_days_and_progress_counts_against_targets(
    world: World, frozen_clock: FrozenClock
) -> None:
    # Today is 10 April 2026 in the office.
    log(world, starts_at=local(2026, 4, 9, 9, 0), ends_at=None, title="昨天")
    log(world, starts_at=local(2026, 4, 10, 15, 0), ends_at=None, title="今天")
    log(world, starts_at=local(2026, 5, 10, 9, 0), ends_at=None, title="第30天")
    log(world, starts_at=local(2026, 5, 11, 9, 0), ends_at=None, title="第31天")
    log(
        world,
        kind="emergency_drill",
        org_id=world.nodes["詹家拐子社区"],
        starts_at=local(2026, 4, 12, 9, 0),
        ends_at=None,
        title="演练",
    )
    with session_scope(write=True) as session:
        activities.set_target(
            session=session, year=2026, kpi="safety_training", org_id=world.nodes["皋兰路街道"], value=12
        )
    with session_scope() as session:
        coming = activities.upcoming(session=session, actor=actor_for(session, "staff"), today=date(2026, 4, 10))
        mine = activities.upcoming(session=session, actor=actor_for(session, "staff.zjt"), today=date(2026, 4, 10))
        progress = activities.progress(
            session=session, actor=actor_for(session, "leader"), year=2026, today=date(2026, 4, 10)
        )
    assert [a.title for a in coming] == ["今天", "演练", "第30天"]
    assert [a.title for a in mine] == ["今天", "第30天"]
    assert [(p.kind, p.done, p.planned, p.target) for p in progress] == [
        ("emergency_drill", 0, 1, None),
        ("joint_rescue_drill", 0, 0, None),
        ("safety_training", 2, 2, 12),
        ("publicity", 0, 0, None),
    ]


def test_the_demo_joint_drills_name_their_partners_and_a_community_sees_its_own(demo_database: str) -> None:
    drills, total = listed("leader", kind="joint_rescue_drill")
    assert total == len(drills) == 9
    assert all(row.partner_units for row in drills)
    with session_scope() as session:
        zjt = session.exec(select(OrgNode.id).where(OrgNode.name == "郑家台社区")).one()
        own = session.exec(select(func.count()).select_from(Activity).where(col(Activity.org_id) == zjt)).one()
    seen = sum(
        listed("leader.zjt", kind=kind, page_size=500)[1]
        for kind in ("emergency_drill", "joint_rescue_drill", "safety_training", "publicity")
    )
    assert 0 < seen == own
