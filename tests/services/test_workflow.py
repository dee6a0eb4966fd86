"""The workflow: who may make which move (as a matrix), dispatch and routing, closing, escalation, edits."""

from __future__ import annotations

from datetime import timedelta
from itertools import product
from typing import Any

import pytest
from pytest import Subtests
from sqlmodel import select

from db.models import Case, CaseStatus, Role, RoutingRule
from db.session import session_scope
from portal.services import case_rules, cases, users, workflow
from portal.services.errors import InvalidInput, PermissionDenied
from tests.helpers import actor_for, create_case
from tests.services.conftest import FrozenClock, World, advance

S = CaseStatus
ALL_STATUSES = list(S)
# The matrix as the office runs it: (from, to) -> who may, at a grid-level case / at a higher level.
# L = leader, S = staff, G = grid worker, A = admin.
EXPECTED = {
    ("received", "accepted"): ("SGA", "SA"),
    ("received", "rejected"): ("SA", "SA"),
    ("accepted", "dispatched"): ("SGA", "SA"),
    ("accepted", "closed"): ("SA", "SA"),
    ("dispatched", "in_progress"): ("SGA", "SA"),
    ("dispatched", "accepted"): ("SGA", "SA"),
    ("dispatched", "closed"): ("SA", "SA"),
    ("in_progress", "resolved"): ("SGA", "SA"),
    ("in_progress", "closed"): ("SA", "SA"),
    ("resolved", "closed"): ("SGA", "SA"),
    ("resolved", "in_progress"): ("SGA", "SA"),
}
LETTER = {Role.LEADER: "L", Role.STAFF: "S", Role.GRID_WORKER: "G", Role.ADMIN: "A"}
# How to bring a new case to each status (as staff), and what each move needs.
PATH = {
    "received": (),
    "accepted": ("accepted",),
    "dispatched": ("accepted", "dispatched"),
    "in_progress": ("accepted", "dispatched", "in_progress"),
    "resolved": ("accepted", "dispatched", "in_progress", "resolved"),
}
INPUTS: dict[str, dict[str, Any]] = {
    "note": {"note": "说明"},
    "close_reason": {"close_reason": "no_action_needed"},
    "satisfaction": {"satisfaction": "satisfied"},
}


def test_the_move_table_is_the_offices_matrix() -> None:
    for (frm, to), level, role in product(product(ALL_STATUSES, ALL_STATUSES), ("grid", "community"), Role):
        allowed = EXPECTED.get((frm.value, to.value), ("", ""))[0 if level == "grid" else 1]
        assert case_rules.may_move(role, level, frm, to) == (LETTER[role] in allowed), (frm, to, level, role)


def test_the_service_enforces_the_matrix(world: World, subtests: Subtests) -> None:
    usernames = {Role.LEADER: "leader", Role.STAFF: "staff", Role.GRID_WORKER: "grid", Role.ADMIN: "admin"}
    for (frm, to), level, role in product(EXPECTED, ("grid", "community"), Role):
        with subtests.test(move=(frm, to), level=level, role=role.value):
            org = "郑家台社区第一网格" if level == "grid" else "郑家台社区"
            with session_scope(write=True) as session:
                reference = create_case(session, actor_for(session, "staff"), org_id=world.nodes[org])
                case = advance(session, "staff", reference, *PATH[frm], assignee="staff") if PATH[frm] else None
            version = case.version if case else 1
            needs = case_rules.needs(frm, to)
            extra = {k: v for need in needs for k, v in INPUTS.get(need, {}).items()}
            if "assignee" in needs:
                extra["assignee_id"] = world.users["grid" if level == "grid" else "staff"]
            allowed = LETTER[role] in EXPECTED[(frm, to)][0 if level == "grid" else 1]
            try:
                with session_scope(write=True) as session:
                    moved = workflow.transition_case(
                        session=session,
                        actor=actor_for(session, usernames[role]),
                        reference=reference,
                        to_status=to,
                        expected_version=version,
                        **extra,
                    )
                assert allowed and moved.status == to
            except (PermissionDenied, InvalidInput, Exception) as refused:
                # The grid worker cannot even see a community-level case: NotFound is the right refusal there.
                assert not allowed, refused
                with session_scope() as session:
                    assert session.exec(select(Case.status).where(Case.reference == reference)).one() == frm


def register(world: World, org: str = "郑家台社区第一网格", **overrides: Any) -> str:
    with session_scope(write=True) as session:
        return create_case(session, actor_for(session, "staff"), org_id=world.nodes[org], **overrides)


def move(username: str, reference: str, to: str, **extra: Any) -> Case:
    with session_scope(write=True) as session:
        version = cases.get_case(session=session, actor=actor_for(session, "admin"), reference=reference).case.version
        return workflow.transition_case(
            session=session,
            actor=actor_for(session, username),
            reference=reference,
            to_status=to,
            expected_version=version,
            **extra,
        )


def test_dispatch_without_a_handler_uses_the_routing_rules(world: World) -> None:
    reference = register(world)
    move("staff", reference, "accepted")
    with pytest.raises(InvalidInput) as refused:
        move("staff", reference, "dispatched")
    assert refused.value.errors == {"assignee_id": ("error.no_assignee", {})}
    with session_scope(write=True) as session:  # as an admin keeps them on the routing_rule page
        session.add(RoutingRule(org_id=world.nodes["皋兰路街道"], assignee_id=world.users["staff"], priority=900))
        session.add(RoutingRule(org_id=world.nodes["郑家台社区第一网格"], assignee_id=world.users["grid"], priority=10))
    assert move("staff", reference, "dispatched").assignee_id == world.users["grid"]  # the grid's own rule
    other = register(world, "郑家台社区第二网格")
    move("staff", other, "accepted")
    assert move("staff", other, "dispatched").assignee_id == world.users["staff"]  # the sub-district's fallback
    with session_scope(write=True) as session:
        users.set_active(session=session, actor=actor_for(session, "admin"), user_id=world.users["grid"], active=False)
    later = register(world)
    move("staff", later, "accepted")
    assert move("staff", later, "dispatched").assignee_id == world.users["staff"]  # an inactive handler is skipped


def test_the_sla_clock_starts_at_the_first_dispatch_and_survives_a_hand_back(
    world: World, frozen_clock: FrozenClock
) -> None:
    reference = register(world)
    move("staff", reference, "accepted")
    frozen_clock.advance(days=2)
    first = move("staff", reference, "dispatched", assignee_id=world.users["grid"])
    assert first.dispatched_at is not None and first.due_at == first.dispatched_at + timedelta(days=3)
    frozen_clock.advance(hours=5)
    returned = move("grid", reference, "accepted", note="不属于本网格")
    assert (returned.assignee_id, returned.dispatched_at) == (None, None)
    frozen_clock.advance(hours=5)
    again = move("staff", reference, "dispatched", assignee_id=world.users["staff"])
    assert again.due_at == first.due_at  # the resident has been waiting all along


@pytest.mark.parametrize(
    ("reason", "extra", "error"),
    [
        (None, {}, ("close_reason", "error.close_reason_required")),
        ("resolved", {}, ("close_reason", "error.close_reason_required")),  # solved cases go via the resolution
        ("not_our_responsibility", {}, ("note", "error.reason_required")),
        ("duplicate", {"duplicate_of": "XL-00000000-000000"}, ("duplicate_of", "error.duplicate_unknown")),
    ],
)
def test_closing_without_a_resolution_needs_a_proper_reason(
    world: World, reason: str | None, extra: dict[str, Any], error: tuple[str, str]
) -> None:
    reference = register(world)
    move("staff", reference, "accepted")
    with pytest.raises(InvalidInput) as refused:
        move("staff", reference, "closed", close_reason=reason, **extra)
    assert refused.value.errors[error[0]][0] == error[1]
    with session_scope() as session:
        assert session.exec(select(Case.status).where(Case.reference == reference)).one() == "accepted"


def test_a_duplicate_is_linked_to_its_original(world: World) -> None:
    original, copy = register(world), register(world)
    move("staff", copy, "accepted")
    closed = move("staff", copy, "closed", close_reason="duplicate", duplicate_of=original)
    assert (closed.status, closed.close_reason, closed.resolved_at) == ("closed", "duplicate", None)
    with session_scope() as session:
        detail = cases.get_case(session=session, actor=actor_for(session, "leader"), reference=copy)
    assert detail.duplicate_of == original
    with pytest.raises(InvalidInput):  # and a case cannot be a duplicate of itself
        third = register(world)
        move("staff", third, "accepted")
        move("staff", third, "closed", close_reason="duplicate", duplicate_of=third)


def test_the_follow_up_close_records_satisfaction(world: World) -> None:
    reference = register(world)
    with session_scope(write=True) as session:
        advance(session, "staff", reference, "accepted", "dispatched", "in_progress", "resolved")
    with pytest.raises(InvalidInput) as refused:
        move("staff", reference, "closed")
    assert set(refused.value.errors) == {"satisfaction"}
    closed = move("staff", reference, "closed", satisfaction="basically_satisfied")
    assert (closed.close_reason, closed.satisfaction) == ("resolved", "basically_satisfied")


def test_escalation_goes_up_and_back_down_with_reasons(world: World) -> None:
    reference = register(world)
    with session_scope(write=True) as session:
        advance(session, "staff", reference, "accepted", "dispatched", assignee="grid")

    def escalate(username: str, direction: int, reason: str = "需要社区协调") -> Case:
        with session_scope(write=True) as session:
            actor = actor_for(session, username)
            version = cases.get_case(session=session, actor=actor, reference=reference).case.version
            return workflow.escalate_case(
                session=session,
                actor=actor,
                reference=reference,
                expected_version=version,
                direction=direction,
                reason=reason,
            )

    with pytest.raises(InvalidInput):
        escalate("grid", 1, reason="  ")  # a reason is required
    up = escalate("grid", 1)  # the grid worker cannot handle it: up to the community
    assert (up.level, up.status, up.assignee_id) == ("community", "accepted", None)  # to be dispatched up there
    with pytest.raises(Exception):  # noqa: B017 - at community level the grid worker no longer sees it at all
        escalate("grid", 1)
    assert escalate("staff", 1).level == "subdistrict"
    with pytest.raises(InvalidInput):
        escalate("staff", 1)  # nothing above the sub-district
    down = escalate("staff", -1, reason="交回社区办理")
    assert escalate("staff", -1, reason="小事不出网格").level == "grid"
    assert down.level == "community"
    with session_scope() as session:
        detail = cases.get_case(session=session, actor=actor_for(session, "staff"), reference=reference)
    moves = [(h.action, h.changes.get("level"), h.note) for h in detail.history if h.action.endswith("escalate")]
    assert moves == [
        ("escalate", ["grid", "community"], "需要社区协调"),
        ("escalate", ["community", "subdistrict"], "需要社区协调"),
        ("de_escalate", ["subdistrict", "community"], "交回社区办理"),
        ("de_escalate", ["community", "grid"], "小事不出网格"),
    ]


def test_a_case_at_a_community_cannot_be_handed_down_to_a_grid(world: World) -> None:
    reference = register(world, "郑家台社区")
    with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
        workflow.escalate_case(
            session=session,
            actor=actor_for(session, "staff"),
            reference=reference,
            expected_version=1,
            direction=-1,
            reason="x",
        )
    assert refused.value.errors == {"direction": ("error.no_such_level", {})}


def test_reassignment_and_field_edits_land_in_the_history_with_old_and_new_values(world: World) -> None:
    reference = register(world, description="楼道堆放杂物", reporter_phone="13912345678")
    with session_scope(write=True) as session:
        advance(session, "staff", reference, "accepted", "dispatched", assignee="grid")
    with session_scope(write=True) as session:
        staff = actor_for(session, "staff")
        version = cases.get_case(session=session, actor=staff, reference=reference).case.version
        workflow.assign_case(
            session=session,
            actor=staff,
            reference=reference,
            expected_version=version,
            assignee_id=world.users["staff"],
            note="网格员休假",
        )
        workflow.update_case(
            session=session,
            actor=staff,
            reference=reference,
            expected_version=version + 1,
            data={"description": "楼道堆放杂物，堵塞消防通道", "reporter_phone": "13912345678"},
        )
    with session_scope() as session:
        detail = cases.get_case(session=session, actor=actor_for(session, "staff"), reference=reference)
    assign, edit = detail.history[-2], detail.history[-1]
    assert (assign.action, assign.changes, assign.note) == (
        "assign",
        {"assignee": ["王磊（郑家台一网格）", "张敏（综治中心）"]},
        "网格员休假",
    )
    assert (edit.action, edit.changes) == ("edit", {"description": ["楼道堆放杂物", "楼道堆放杂物，堵塞消防通道"]})
    assert detail.case.version == 5


def test_edit_rules_grid_workers_only_before_acceptance_leaders_never(world: World) -> None:
    reference = register(world)

    def edit(username: str) -> None:
        with session_scope(write=True) as session:
            actor = actor_for(session, username)
            version = cases.get_case(session=session, actor=actor, reference=reference).case.version
            workflow.update_case(
                session=session,
                actor=actor,
                reference=reference,
                expected_version=version,
                data={"reporter_name": f"{username}改"},
            )

    edit("grid")
    with pytest.raises(PermissionDenied):
        edit("leader")
    move("staff", reference, "accepted")
    with pytest.raises(PermissionDenied):
        edit("grid")
    edit("staff")
    with pytest.raises(InvalidInput), session_scope(write=True) as session:  # the description cannot be emptied
        actor = actor_for(session, "staff")
        version = cases.get_case(session=session, actor=actor, reference=reference).case.version
        workflow.update_case(
            session=session, actor=actor, reference=reference, expected_version=version, data={"description": " "}
        )
