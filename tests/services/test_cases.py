"""Cases: registering, listing within scope, the workflow, concurrent edits and the reporter's phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pytest import Subtests
from sqlmodel import col, func, select

from db.models import Case, CaseHistory, OrgNode
from db.session import session_scope
from portal import clock
from portal.services import cases, orgs, users, workflow
from portal.services.cases import CaseFilters
from portal.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.helpers import actor_for, case_data, create_case, hours_ago
from tests.services.conftest import FrozenClock, World, advance, count_rows, local


def references(page: cases.CasePage) -> list[str]:
    return [row.reference for row in page.rows]


def list_as(username: str, filters: CaseFilters | None = None, **kwargs: Any) -> cases.CasePage:
    with session_scope() as session:
        return cases.list_cases(
            session=session, actor=actor_for(session, username), filters=filters or CaseFilters(), **kwargs
        )


def detail_as(username: str, reference: str) -> cases.CaseDetail:
    with session_scope() as session:
        return cases.get_case(session=session, actor=actor_for(session, username), reference=reference)


def register(username: str = "staff", **overrides: Any) -> str:
    with session_scope(write=True) as session:
        return create_case(session, actor_for(session, username), **overrides)


# --- Registering ------------------------------------------------------------------------------------------


def test_a_registered_case_gets_a_reference_and_a_created_history_row_and_no_clock_yet(
    world: World, frozen_clock: FrozenClock
) -> None:
    # 01:30 in the office on 10 April is still 9 April in UTC: the reference carries the office's day.
    reported_at = local(2026, 4, 10, 1, 30)
    with session_scope(write=True) as session:
        case = cases.create_case(
            session=session,
            actor=actor_for(session, "grid"),
            data=case_data(session, reported_at=reported_at, reporter_phone="139 1234 5678"),
        )
        case_id, reference = case.id, case.reference

    assert reference == f"WG-20260410-{case_id:06d}"
    assert re.fullmatch(r"WG-\d{8}-\d{6}", reference)
    detail = detail_as("staff", reference)
    assert detail.case.status == "received"
    assert detail.case.level == "grid"
    assert detail.case.reported_on == date(2026, 4, 10)
    assert detail.case.reported_at == reported_at
    assert detail.case.due_at is None  # the SLA clock starts at dispatch
    assert detail.case.version == 1
    assert detail.org == "郑家台社区第一网格"
    assert detail.category == "环境卫生"
    assert detail.reporter_phone == "13912345678"  # spaces typed in the form are dropped
    assert detail.overdue is False
    assert detail.next_statuses == ("accepted", "rejected")  # staff
    assert detail_as("grid", reference).next_statuses == ("accepted",)  # a grid-level case of their own grid
    assert [(h.action, h.actor) for h in detail.history] == [("created", "王磊（郑家台一网格）")]
    assert detail.history[0].at == frozen_clock.current


def test_reference_prefix_follows_the_source_and_level_follows_the_node(world: World, subtests: Subtests) -> None:
    for org, source, prefix, level in [
        ("郑家台社区", "hotline", "RX", "community"),
        ("皋兰路街道", "xiaolan", "XL", "subdistrict"),
        ("詹家拐子社区第一网格", "walk_in", "LF", "grid"),
        ("郑家台社区第二网格", "longqing", "LQ", "grid"),
    ]:
        with subtests.test(org=org, source=source):
            reference = register(
                "staff", org_id=world.nodes[org], source=source, category_id=world.categories["矛盾纠纷"]
            )
            detail = detail_as("staff", reference)
            assert reference.startswith(f"{prefix}-")
            assert detail.case.level == level


BAD_INPUT: dict[str, tuple[str, Callable[[World], dict[str, Any]], str]] = {
    "empty description": ("staff", lambda w: {"description": "   "}, "description"),
    "bad phone": ("staff", lambda w: {"reporter_phone": "12345"}, "reporter_phone"),
    "reported in the future": ("staff", lambda w: {"reported_at": clock.now() + timedelta(hours=1)}, "reported_at"),
    "naive reported time": ("staff", lambda w: {"reported_at": datetime(2026, 1, 1, 9, 0)}, "reported_at"),
    "unknown source": ("staff", lambda w: {"source": "fax"}, "source"),
    "another grid": ("grid", lambda w: {"org_id": w.nodes["郑家台社区第二网格"]}, "org_id"),
    "the grid's own community": ("grid", lambda w: {"org_id": w.nodes["郑家台社区"]}, "org_id"),
    "another community": ("staff.zjt", lambda w: {"org_id": w.nodes["詹家拐子社区"]}, "org_id"),
    "no such org": ("staff", lambda w: {"org_id": 987654}, "org_id"),
    "unknown category": ("staff", lambda w: {"category_id": 987654}, "category_id"),
    "retired category": ("staff", lambda w: {"category_id": w.categories["旧分类"]}, "category_id"),
    "assignee of another grid": (
        "staff",
        lambda w: {"assignee_id": w.users["gw.zhanjiaguaizi-1"]},
        "assignee_id",
    ),
    "assignee below the case's node": (
        "staff",
        lambda w: {"org_id": w.nodes["郑家台社区"], "assignee_id": w.users["grid"]},
        "assignee_id",
    ),
    "no such assignee": ("staff", lambda w: {"assignee_id": 987654}, "assignee_id"),
}


def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(world: World, subtests: Subtests) -> None:
    for name, (username, overrides, field) in BAD_INPUT.items():
        with subtests.test(name):
            with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
                data = case_data(session, **overrides(world))
                cases.create_case(session=session, actor=actor_for(session, username), data=data)
            assert set(refused.value.errors) == {field}
            with session_scope() as session:
                assert count_rows(session, Case) == 0
                assert session.exec(select(func.count()).select_from(CaseHistory)).one() == 0


def test_several_bad_fields_of_the_form_are_all_named_at_once(world: World) -> None:
    with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
        data = case_data(session, description="", reporter_phone="abc", reported_at=clock.now() + timedelta(days=1))
        cases.create_case(session=session, actor=actor_for(session, "staff"), data=data)
    assert set(refused.value.errors) == {"description", "reporter_phone", "reported_at"}
    assert refused.value.errors["reporter_phone"][0] == "error.phone_format"
    assert refused.value.errors["reported_at"][0] == "error.in_future"
    with session_scope() as session:
        assert count_rows(session, Case) == 0


def test_several_bad_choices_are_all_named_at_once(world: World) -> None:
    with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
        data = case_data(
            session,
            org_id=world.nodes["詹家拐子社区"],
            category_id=world.categories["旧分类"],
            assignee_id=world.users["grid"],
        )
        cases.create_case(session=session, actor=actor_for(session, "staff.zjt"), data=data)
    assert refused.value.errors == {
        "org_id": ("error.org_out_of_scope", {}),
        "category_id": ("error.choice", {}),
        "assignee_id": ("error.assignee_scope", {}),
    }
    with session_scope() as session:
        assert count_rows(session, Case) == 0


def test_form_errors_and_bad_choices_come_back_in_one_round(world: World) -> None:
    # One submit tells the user everything that is wrong, not one group now and the rest next time.
    with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
        data = case_data(
            session, description="", org_id=world.nodes["詹家拐子社区"], category_id=world.categories["旧分类"]
        )
        cases.create_case(session=session, actor=actor_for(session, "staff.zjt"), data=data)
    assert set(refused.value.errors) == {"description", "org_id", "category_id"}


def test_a_retired_grid_takes_no_new_cases(world: World) -> None:
    with session_scope(write=True) as session:
        grid = session.get(OrgNode, world.nodes["郑家台社区第二网格"])
        assert grid is not None
        grid.active = False
        session.add(grid)
    with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
        cases.create_case(session=session, actor=actor_for(session, "staff"), data=case_data(session, org_id=grid.id))
    assert refused.value.errors["org_id"] == ("error.org_inactive", {"node": "郑家台社区第二网格"})
    with session_scope() as session:
        assert count_rows(session, Case) == 0
        picker = orgs.visible_nodes(session=session, actor=actor_for(session, "staff"), active_only=True)
    assert "郑家台社区第二网格" not in {n.name for n in picker}


def test_an_inactive_assignee_is_refused(world: World) -> None:
    with session_scope(write=True) as session:
        users.set_active(session=session, actor=actor_for(session, "admin"), user_id=world.users["grid"], active=False)
    with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
        cases.create_case(
            session=session, actor=actor_for(session, "staff"), data=case_data(session, assignee_id=world.users["grid"])
        )
    assert set(refused.value.errors) == {"assignee_id"}


def test_an_assignee_whose_scope_covers_the_grid_is_accepted(world: World) -> None:
    for username in ("grid", "staff.zjt", "staff"):
        reference = register("staff", assignee_id=world.users[username])
        assert detail_as("staff", reference).assignee == actor_name(username)


def actor_name(username: str) -> str:
    with session_scope() as session:
        return actor_for(session, username).display_name


def test_a_leader_cannot_register_a_case(world: World) -> None:
    for username in ("leader", "leader.zjt"):
        with pytest.raises(PermissionDenied), session_scope(write=True) as session:
            create_case(session, actor_for(session, username), org_id=world.nodes["郑家台社区"])
    with session_scope() as session:
        assert count_rows(session, Case) == 0


# --- Listing: scope ---------------------------------------------------------------------------------------


def _org_ids(session: Any, *names: str, with_children: bool = False) -> set[int]:
    nodes = session.exec(select(OrgNode)).all()
    chosen = {n.id for n in nodes if n.name in names}
    if with_children:
        chosen |= {n.id for n in nodes if n.parent_id in chosen}
    return chosen


def _count_in(session: Any, org_ids: set[int]) -> int:
    return session.exec(select(func.count()).select_from(Case).where(col(Case.org_id).in_(org_ids))).one()


def test_a_grid_worker_lists_only_the_cases_of_their_grid(demo_database: str) -> None:
    with session_scope() as session:
        expected = _count_in(session, _org_ids(session, "郑家台社区第一网格"))
        everything = count_rows(session, Case)
    page = list_as("grid", page_size=500)
    assert 0 < page.total == expected < everything
    assert len(page.rows) == page.total
    assert {row.org for row in page.rows} == {"郑家台社区第一网格"}


def test_a_community_leader_lists_only_the_community_and_its_grids(demo_database: str) -> None:
    with session_scope() as session:
        expected = _count_in(session, _org_ids(session, "郑家台社区", with_children=True))
    page = list_as("leader.zjt", page_size=500)
    assert page.total == expected
    orgs = {row.org for p in range(1, page.pages + 1) for row in list_as("leader.zjt", page_size=500, page=p).rows}
    assert "郑家台社区" in orgs  # cases handled at the community level
    assert orgs <= {"郑家台社区"} | {f"郑家台社区第{n}网格" for n in "一二三四五六"}
    # The sub-district staff narrowing to the community see the same cases.
    with session_scope() as session:
        zjt = _org_ids(session, "郑家台社区").pop()
    assert list_as("staff", CaseFilters(org_id=zjt)).total == expected


def test_filtering_by_an_org_outside_scope_is_not_found(demo_database: str, subtests: Subtests) -> None:
    for username, org in [
        ("grid", "郑家台社区第二网格"),
        ("grid", "郑家台社区"),
        ("leader.zjt", "詹家拐子社区"),
        ("leader.zjt", "皋兰路街道"),
    ]:
        with subtests.test(username=username, org=org):
            with session_scope() as session:
                org_id = _org_ids(session, org).pop()
            with pytest.raises(NotFound):
                list_as(username, CaseFilters(org_id=org_id))


def test_filtering_by_an_org_that_does_not_exist_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        list_as("staff", CaseFilters(org_id=987654))


# --- Listing: pages and filters ---------------------------------------------------------------------------


def test_pages_hold_the_newest_first_and_out_of_range_pages_are_clamped(world: World) -> None:
    made = [register(reported_at=hours_ago(hours), description=f"第{hours}条") for hours in range(1, 8)]
    newest_first = made  # made 1 h ago, 2 h ago, ...

    first = list_as("staff", page_size=3)
    assert (first.total, first.pages, first.page) == (7, 3, 1)
    assert references(first) == newest_first[:3]
    assert references(list_as("staff", page=2, page_size=3)) == newest_first[3:6]
    last = list_as("staff", page=3, page_size=3)
    assert references(last) == newest_first[6:]

    beyond = list_as("staff", page=99, page_size=3)
    assert beyond.page == 3
    assert references(beyond) == newest_first[6:]
    before = list_as("staff", page=0, page_size=3)
    assert before.page == 1
    assert references(before) == newest_first[:3]


def test_an_empty_list_has_one_empty_page(world: World) -> None:
    page = list_as("staff", page=5)
    assert (page.total, page.pages, page.page, page.rows) == (0, 1, 1, [])


@pytest.fixture
def assorted(world: World, frozen_clock: FrozenClock) -> dict[str, str]:
    """Six cases with known status, source, category, age and text (clock: 2026-04-10 10:00 local).

    Three were reported and dispatched five days ago (the SLA clock starts at dispatch): a sanitation case
    now past its 3 days, one resolved in time, and a dispute within its 15. One was reported five days ago
    and never dispatched: late in a sense, but no clock runs on it yet.
    """
    now = frozen_clock.current
    frozen_clock.set(now - timedelta(days=5))
    made = {
        "late": register(description="背街小巷卫生死角长期无人清理"),
        "late_but_resolved": register(description="下水道堵塞，污水外溢"),
        "dispute": register(category_id=world.categories["矛盾纠纷"], description="邻里因噪音问题发生争执"),
        "waiting": register(description="小区门口垃圾桶破损"),
    }
    with session_scope(write=True) as session:
        advance(session, "staff", made["late"], "accepted", "dispatched")
        advance(session, "staff", made["late_but_resolved"], "accepted", "dispatched", "in_progress", "resolved")
        advance(session, "staff", made["dispute"], "accepted", "dispatched", "in_progress")
    frozen_clock.set(now)
    made["hotline"] = register(source="hotline", reported_at=hours_ago(1), description="楼道私拉电线给电动车充电")
    made["rejected"] = register(reported_at=hours_ago(2), description="重复上报的楼道杂物")
    with session_scope(write=True) as session:
        advance(session, "staff", made["rejected"], "rejected", note="重复上报")
    return made


def test_filter_by_status(assorted: dict[str, str]) -> None:
    assert set(references(list_as("staff", CaseFilters(statuses=("received",))))) == {
        assorted["waiting"],
        assorted["hotline"],
    }
    both = list_as("staff", CaseFilters(statuses=("resolved", "rejected")))
    assert set(references(both)) == {assorted["late_but_resolved"], assorted["rejected"]}


def test_filter_by_source_and_category(world: World, assorted: dict[str, str]) -> None:
    assert references(list_as("staff", CaseFilters(source="hotline"))) == [assorted["hotline"]]
    assert references(list_as("staff", CaseFilters(category_id=world.categories["矛盾纠纷"]))) == [assorted["dispute"]]
    assert list_as("staff", CaseFilters(category_id=world.categories["安全隐患"])).total == 0


def test_overdue_means_open_and_past_due(assorted: dict[str, str]) -> None:
    # 环境卫生 is due 3 days after dispatch; the dispute has 15; the resolved and rejected ones are no longer
    # open; the waiting one was never dispatched, so no clock runs on it.
    overdue = list_as("staff", CaseFilters(overdue=True))
    assert references(overdue) == [assorted["late"]]
    flags = {row.reference: row.overdue for row in list_as("staff").rows}
    assert flags == {ref: name == "late" for name, ref in assorted.items()}


def test_red_amber_green_and_due_within_n_days(assorted: dict[str, str], frozen_clock: FrozenClock) -> None:
    sla = {row.reference: row.sla for row in list_as("staff").rows}
    assert sla == {
        assorted["late"]: "red",
        assorted["dispute"]: "green",  # 10 days left
        assorted["late_but_resolved"]: None,  # done: no clock
        assorted["waiting"]: None,  # not dispatched: no clock yet
        assorted["hotline"]: None,
        assorted["rejected"]: None,
    }
    assert references(list_as("staff", CaseFilters(due_within_days=10))) == [assorted["dispute"]]
    assert list_as("staff", CaseFilters(due_within_days=9)).total == 0
    frozen_clock.advance(days=9, hours=12)  # half a day left on the dispute
    assert {row.reference: row.sla for row in list_as("staff").rows}[assorted["dispute"]] == "amber"


def test_sorting_by_due_time_puts_the_most_urgent_first(assorted: dict[str, str]) -> None:
    by_due = references(list_as("staff", CaseFilters(sort="due")))
    assert by_due[:2] == [assorted["late"], assorted["dispute"]]  # the cases with a running clock, soonest first
    oldest = references(list_as("staff", CaseFilters(sort="oldest")))
    assert oldest[-2:] == [assorted["rejected"], assorted["hotline"]]


def test_search_finds_a_reference_in_any_case_and_a_phrase_of_the_description(assorted: dict[str, str]) -> None:
    reference = assorted["dispute"]
    assert references(list_as("staff", CaseFilters(search=reference))) == [reference]
    assert references(list_as("staff", CaseFilters(search=f"  {reference.lower()} "))) == [reference]
    assert references(list_as("staff", CaseFilters(search="下水道"))) == [assorted["late_but_resolved"]]
    assert set(references(list_as("staff", CaseFilters(search="楼道")))) == {assorted["hotline"], assorted["rejected"]}
    assert list_as("staff", CaseFilters(search="不存在的内容")).total == 0


def test_search_takes_percent_and_underscore_literally(world: World) -> None:
    literal = register(description="编号A_1的井盖缺失，占比100%")
    register(description="井盖缺失")
    assert references(list_as("staff", CaseFilters(search="_"))) == [literal]
    assert references(list_as("staff", CaseFilters(search="100%"))) == [literal]
    assert list_as("staff", CaseFilters(search="A%1")).total == 0


def test_day_filters_use_the_office_day(world: World, frozen_clock: FrozenClock) -> None:
    late_evening = register(reported_at=local(2026, 4, 8, 23, 30))
    just_after_midnight = register(reported_at=local(2026, 4, 9, 0, 10))  # still 8 April in UTC
    on_the_8th = list_as("staff", CaseFilters(date_from=date(2026, 4, 8), date_to=date(2026, 4, 8)))
    assert references(on_the_8th) == [late_evening]
    assert references(list_as("staff", CaseFilters(date_from=date(2026, 4, 9)))) == [just_after_midnight]


# --- The workflow -----------------------------------------------------------------------------------------


def test_a_grid_worker_takes_a_small_matter_from_report_to_close_and_every_step_is_in_the_history(
    world: World, frozen_clock: FrozenClock
) -> None:
    # "Small matters do not leave the grid": a grid-level case of their own grid, accepted, dispatched to
    # themselves, handled, resolved and closed after the follow-up visit, all by the grid worker.
    reference = register("grid")
    grid_worker = world.users["grid"]
    steps = [
        ("accepted", {}),
        ("dispatched", {"assignee_id": grid_worker}),
        ("in_progress", {}),
        ("resolved", {"note": "已协调环卫部门清运完毕"}),
        ("closed", {"satisfaction": "satisfied"}),
    ]
    for version, (status, extra) in enumerate(steps, start=1):
        frozen_clock.advance(hours=1)
        with session_scope(write=True) as session:
            case = workflow.transition_case(
                session=session,
                actor=actor_for(session, "grid"),
                reference=reference,
                to_status=status,
                expected_version=version,
                **extra,
            )
            assert (case.status, case.version) == (status, version + 1)

    detail = detail_as("staff", reference)
    assert detail.case.status == "closed"
    assert (detail.case.close_reason, detail.case.satisfaction) == ("resolved", "satisfied")
    assert detail.case.resolution == "已协调环卫部门清运完毕"
    assert detail.case.dispatched_at == datetime(2026, 4, 10, 4, 0, tzinfo=UTC)  # the second step, 2 h in
    assert detail.case.due_at == detail.case.dispatched_at + timedelta(days=3)  # 环境卫生: 3 SLA days from dispatch
    assert detail.case.resolved_at == datetime(2026, 4, 10, 6, 0, tzinfo=UTC)
    assert detail.case.closed_at == datetime(2026, 4, 10, 7, 0, tzinfo=UTC)
    assert detail.next_statuses == ()
    assert [(h.action, h.actor) for h in detail.history] == [("created", "王磊（郑家台一网格）")] + [
        ("status", "王磊（郑家台一网格）")
    ] * 5
    assert [h.changes["status"] for h in detail.history[1:]] == [
        ["received", "accepted"],
        ["accepted", "dispatched"],
        ["dispatched", "in_progress"],
        ["in_progress", "resolved"],
        ["resolved", "closed"],
    ]
    assert detail.history[2].changes["assignee"] == [None, "王磊（郑家台一网格）"]
    assert detail.history[4].note == "已协调环卫部门清运完毕"
    assert detail.history[4].changes["resolution"] == [None, "已协调环卫部门清运完毕"]
    assert detail.history[5].changes["satisfaction"] == [None, "satisfied"]


def test_reopening_a_resolved_case_clears_its_resolution_time(world: World) -> None:
    reference = register()
    with session_scope(write=True) as session:
        advance(session, "staff", reference, "accepted", "dispatched", "in_progress", "resolved")
    assert detail_as("staff", reference).case.resolved_at is not None
    with session_scope(write=True) as session:
        case = advance(session, "staff", reference, "in_progress")
    assert (case.status, case.resolved_at) == ("in_progress", None)
    assert detail_as("staff", reference).next_statuses == ("resolved", "closed")


def test_a_move_the_workflow_does_not_allow_is_refused(world: World, subtests: Subtests) -> None:
    for path, attempt in [
        ((), "resolved"),  # received must be accepted first
        ((), "closed"),
        ((), "in_progress"),
        (("accepted",), "in_progress"),  # dispatched first: someone must be handling it
        (("accepted",), "resolved"),
        (("accepted", "dispatched", "in_progress", "resolved", "closed"), "in_progress"),  # closed is final
        (("rejected",), "accepted"),  # rejected is final
        ((), "done"),  # not a status at all
    ]:
        with subtests.test(path=path, attempt=attempt):
            reference = register()
            with session_scope(write=True) as session:
                before = advance(session, "staff", reference, *path) if path else None
            version = before.version if before else 1
            status = before.status if before else "received"
            with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
                workflow.transition_case(
                    session=session,
                    actor=actor_for(session, "staff"),
                    reference=reference,
                    to_status=attempt,
                    expected_version=version,
                    note="说明",
                )
            assert set(refused.value.errors) == {"status"}
            after = detail_as("staff", reference)
            assert (after.case.status, after.case.version, len(after.history)) == (status, version, 1 + len(path))


@pytest.mark.parametrize(
    ("path", "target", "key"),
    [
        (("accepted", "dispatched", "in_progress"), "resolved", "error.resolution_required"),
        ((), "rejected", "error.reason_required"),
    ],
)
def test_resolving_needs_a_resolution_and_rejecting_needs_a_reason(
    world: World, path: tuple[str, ...], target: str, key: str
) -> None:
    reference = register()
    if path:
        with session_scope(write=True) as session:
            advance(session, "staff", reference, *path)
    version = 1 + len(path)
    for blank in ("", "   "):
        with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
            workflow.transition_case(
                session=session,
                actor=actor_for(session, "staff"),
                reference=reference,
                to_status=target,
                expected_version=version,
                note=blank,
            )
        assert refused.value.errors == {"note": (key, {})}
    assert detail_as("staff", reference).case.version == version

    with session_scope(write=True) as session:
        case = workflow.transition_case(
            session=session,
            actor=actor_for(session, "staff"),
            reference=reference,
            to_status=target,
            expected_version=version,
            note="  重复上报，已并入前案  ",
        )
    assert case.status == target
    assert detail_as("staff", reference).history[-1].note == "重复上报，已并入前案"


def test_a_leader_cannot_move_a_case(world: World) -> None:
    reference = register()
    with pytest.raises(PermissionDenied), session_scope(write=True) as session:
        workflow.transition_case(
            session=session,
            actor=actor_for(session, "leader"),
            reference=reference,
            to_status="accepted",
            expected_version=1,
        )
    assert detail_as("staff", reference).case.status == "received"
    assert detail_as("leader", reference).next_statuses == ()


def test_a_case_outside_scope_cannot_be_opened_or_moved(world: World, subtests: Subtests) -> None:
    for username, org in [
        ("gw.zhengjiatai-2", "郑家台社区第一网格"),
        ("gw.zhanjiaguaizi-1", "郑家台社区第一网格"),
        ("grid", "郑家台社区"),
        ("staff.zjt", "詹家拐子社区第一网格"),
        ("leader.zjt", "詹家拐子社区第一网格"),
    ]:
        with subtests.test(username=username, org=org):
            reference = register(org_id=world.nodes[org])
            with pytest.raises(NotFound):
                detail_as(username, reference)
            if username != "leader.zjt":
                with pytest.raises(NotFound), session_scope(write=True) as session:
                    workflow.transition_case(
                        session=session,
                        actor=actor_for(session, username),
                        reference=reference,
                        to_status="accepted",
                        expected_version=1,
                    )
            after = detail_as("staff", reference)
            assert (after.case.status, after.case.version, len(after.history)) == ("received", 1, 1)


def test_an_unknown_reference_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        detail_as("staff", "WG-20260410-999999")


# --- Two people on one case -------------------------------------------------------------------------------


def test_the_second_of_two_identical_moves_is_refused_naming_who_saved_first(
    world: World, frozen_clock: FrozenClock
) -> None:
    reference = register("staff")
    seen_by_staff = detail_as("staff", reference).case.version
    seen_by_grid = detail_as("grid", reference).case.version

    frozen_clock.set(local(2026, 4, 10, 10, 25))
    with session_scope(write=True) as session:
        workflow.transition_case(
            session=session,
            actor=actor_for(session, "grid"),
            reference=reference,
            to_status="accepted",
            expected_version=seen_by_grid,
        )
    frozen_clock.advance(minutes=3)
    with pytest.raises(Conflict) as refused, session_scope(write=True) as session:
        workflow.transition_case(
            session=session,
            actor=actor_for(session, "staff"),
            reference=reference,
            to_status="accepted",
            expected_version=seen_by_staff,
        )
    assert refused.value.params["who"] == "王磊（郑家台一网格）"
    assert "王磊（郑家台一网格）" in refused.value.message("zh")
    assert "2026-04-10 10:25" in refused.value.message("zh")  # office time, not UTC
    after = detail_as("staff", reference)
    assert (after.case.status, after.case.version) == ("accepted", 2)
    assert [(h.action, h.actor) for h in after.history] == [
        ("created", "张敏（综治中心）"),
        ("status", "王磊（郑家台一网格）"),
    ]


def test_a_stale_resolution_does_not_overwrite_the_other_users_change(world: World) -> None:
    reference = register("staff")
    with session_scope(write=True) as session:
        advance(session, "staff", reference, "accepted", "dispatched", assignee="grid")
    stale = detail_as("staff", reference).case.version
    with session_scope(write=True) as session:
        advance(session, "grid", reference, "in_progress")
    with pytest.raises(Conflict) as refused, session_scope(write=True) as session:
        workflow.transition_case(
            session=session,
            actor=actor_for(session, "staff"),
            reference=reference,
            to_status="resolved",
            expected_version=stale,
            note="已电话答复",
        )
    assert refused.value.params["who"] == "王磊（郑家台一网格）"
    after = detail_as("staff", reference)
    assert (after.case.status, after.case.version) == ("in_progress", stale + 1)
    assert (after.case.resolution, after.case.resolved_at) == (None, None)
    assert [h.actor for h in after.history][-1] == "王磊（郑家台一网格）"
    assert len(after.history) == 4


# --- The reporter's phone ---------------------------------------------------------------------------------


def test_the_reporters_phone_is_masked_for_leaders_and_in_lists(world: World) -> None:
    reference = register("grid", reporter_phone="13912345678")
    assert detail_as("leader", reference).reporter_phone == "139****5678"
    assert detail_as("leader.zjt", reference).reporter_phone == "139****5678"
    assert detail_as("staff", reference).reporter_phone == "13912345678"
    assert detail_as("grid", reference).reporter_phone == "13912345678"
    for username in ("staff", "grid", "leader"):
        (row,) = list_as(username).rows
        assert row.reporter_phone == "139****5678"


def test_a_landline_is_masked_too_and_no_phone_stays_empty(world: World) -> None:
    landline = register(reporter_phone="0931-8123456")
    nothing = register(reporter_phone="", reported_at=hours_ago(3))
    assert detail_as("staff", landline).reporter_phone == "0931-8123456"
    assert detail_as("leader", landline).reporter_phone == "093****3456"
    assert detail_as("leader", nothing).reporter_phone is None
    assert {row.reference: row.reporter_phone for row in list_as("staff").rows} == {
        landline: "093****3456",
        nothing: None,
    }
