"""Activity logs: drills, training and publicity — what is refused, who may log them, who sees them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from pytest import Subtests
from sqlmodel import col, func, select

from db.models import Activity, OrgNode
from db.session import session_scope
from portal.services import activities
from portal.services.errors import InvalidInput, PermissionDenied
from tests.helpers import actor_for
from tests.services.conftest import FrozenClock, World, local


def activity_data(world: World, **overrides: Any) -> dict[str, Any]:
    """A valid safety-training form for 郑家台社区 (override any field)."""
    data: dict[str, Any] = {
        "kind": "safety_training",
        "title": "安全生产知识集中培训（第1期）",
        "starts_at": local(2026, 3, 20, 9, 0),
        "org_id": world.nodes["郑家台社区"],
        "organiser": "郑家台社区居委会",
        "partner_units": None,
        "location": "郑家台社区协商议事厅",
        "participants": 45,
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


def listed(username: str, **kwargs: Any) -> tuple[list[activities.ActivityRow], int]:
    with session_scope() as session:
        return activities.list_activities(session=session, actor=actor_for(session, username), **kwargs)


def activity_count() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Activity)).one()


# --- Logging ----------------------------------------------------------------------------------------------


def test_a_logged_training_is_stored_on_the_office_day_it_started(world: World, frozen_clock: FrozenClock) -> None:
    # 07:30 on 20 March in the office is 23:30 on 19 March in UTC.
    activity_id = log(world, starts_at=local(2026, 3, 20, 7, 30), title="  消防安全培训  ", partner_units="  ")
    with session_scope() as session:
        stored = session.get(Activity, activity_id)
        assert stored is not None
    assert stored.held_on == date(2026, 3, 20)
    assert stored.starts_at == local(2026, 3, 20, 7, 30)
    assert (stored.title, stored.partner_units, stored.participants) == ("消防安全培训", None, 45)
    assert stored.created_by_id == world.users["staff"]
    assert stored.created_at == frozen_clock.current
    (row,), total = listed("staff")
    assert (total, row.id, row.kind, row.org, row.organiser) == (
        1,
        activity_id,
        "safety_training",
        "郑家台社区",
        "郑家台社区居委会",
    )


def test_a_joint_rescue_drill_is_logged_with_its_partner_units(world: World) -> None:
    log(
        world,
        kind="joint_rescue_drill",
        title="高层住宅火灾联合应急救援演练",
        partner_units="城关区消防救援大队、皋兰路派出所",
        participants=120,
    )
    (row,), _ = listed("staff", kind="joint_rescue_drill")
    assert (row.title, row.partner_units, row.participants) == (
        "高层住宅火灾联合应急救援演练",
        "城关区消防救援大队、皋兰路派出所",
        120,
    )


BAD_INPUT: list[tuple[dict[str, Any], str, str]] = [
    ({"participants": -1}, "participants", "error.too_small"),
    ({"participants": 100_001}, "participants", "error.too_large"),
    ({"participants": "许多"}, "participants", "error.number"),
    ({"kind": "joint_rescue_drill", "partner_units": None}, "partner_units", "error.partners_required"),
    ({"kind": "joint_rescue_drill", "partner_units": "   "}, "partner_units", "error.partners_required"),
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


def test_an_admin_can_log_activities(world: World) -> None:
    log(world, "admin", org_id=world.nodes["皋兰路街道"])
    assert activity_count() == 1


# --- Listing ----------------------------------------------------------------------------------------------


@pytest.fixture
def four_places(world: World) -> World:
    """One activity at the sub-district, 郑家台社区, its first grid and 詹家拐子社区, a day apart."""
    log(world, org_id=world.nodes["皋兰路街道"], kind="emergency_drill", starts_at=local(2026, 3, 1, 9, 0))
    log(world, org_id=world.nodes["郑家台社区"], kind="publicity", starts_at=local(2026, 3, 2, 9, 0))
    log(world, org_id=world.nodes["郑家台社区第一网格"], starts_at=local(2026, 3, 3, 9, 0))
    log(world, org_id=world.nodes["詹家拐子社区"], starts_at=local(2026, 3, 4, 9, 0))
    return world


def orgs(rows: list[activities.ActivityRow]) -> list[str]:
    return [row.org for row in rows]


def test_activities_are_listed_newest_first_within_scope(four_places: World) -> None:
    everything = ["詹家拐子社区", "郑家台社区第一网格", "郑家台社区", "皋兰路街道"]
    assert listed("staff")[1] == 4
    assert orgs(listed("staff")[0]) == everything
    assert orgs(listed("leader")[0]) == everything
    for username in ("staff.zjt", "leader.zjt"):
        rows, total = listed(username)
        assert (orgs(rows), total) == (["郑家台社区第一网格", "郑家台社区"], 2)


def test_the_kind_filter_lists_one_kind(four_places: World) -> None:
    rows, total = listed("staff", kind="safety_training")
    assert (orgs(rows), total) == (["詹家拐子社区", "郑家台社区第一网格"], 2)
    assert orgs(listed("staff.zjt", kind="safety_training")[0]) == ["郑家台社区第一网格"]
    assert orgs(listed("staff", kind="emergency_drill")[0]) == ["皋兰路街道"]
    assert listed("staff.zjt", kind="emergency_drill") == ([], 0)


def test_day_filters_and_pages(four_places: World) -> None:
    rows, total = listed("staff", date_from=date(2026, 3, 2), date_to=date(2026, 3, 3))
    assert (orgs(rows), total) == (["郑家台社区第一网格", "郑家台社区"], 2)
    page_two, total = listed("staff", page=2, page_size=3)
    assert (orgs(page_two), total) == (["皋兰路街道"], 4)


def test_the_demo_joint_drills_name_their_partners_and_a_community_sees_its_own(demo_database: str) -> None:
    drills, total = listed("leader", kind="joint_rescue_drill")
    assert total == len(drills) == 9
    assert all(row.partner_units for row in drills)

    with session_scope() as session:
        zjt = session.exec(select(OrgNode.id).where(OrgNode.name == "郑家台社区")).one()
        own = session.exec(select(func.count()).select_from(Activity).where(col(Activity.org_id) == zjt)).one()
    rows, total = listed("leader.zjt", page_size=500)
    assert 0 < total == own == len(rows)
    assert set(orgs(rows)) == {"郑家台社区"}
    assert listed("leader", page_size=500)[1] == 37
