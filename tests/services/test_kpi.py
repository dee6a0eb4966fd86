"""KPI figures: the article's numbers on the demo, and hand-counted numbers on small hand-built data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from pytest import Subtests
from sqlmodel import select

from db.models import Category
from db.session import session_scope
from portal import clock, periods
from portal.lowcode import records
from portal.services import activities, cases, kpi, workflow
from portal.services.errors import NotFound
from portal.services.kpi import KpiFilters
from tests.conftest import ROOT
from tests.helpers import actor_for, category, create_case
from tests.services.conftest import FrozenClock, World, advance, local

DEMO_FIGURES = ROOT / "portal" / "services" / "demo_figures.json"
SEED_FIGURES = ROOT.parent / "shared" / "seed" / "figures.json"


def summary_as(username: str, filters: KpiFilters | None = None) -> kpi.KpiSummary:
    with session_scope() as session:
        return kpi.kpi_summary(session=session, actor=actor_for(session, username), filters=filters or KpiFilters())


def units(summary: kpi.KpiSummary) -> list[tuple[str, int]]:
    return [(u.name, u.count) for u in summary.by_unit]


_CLOCK: list[FrozenClock | None] = []


@pytest.fixture(autouse=True)
def _clock_for_register(request: pytest.FixtureRequest) -> Iterator[None]:
    # Only tests that froze the clock themselves get their cases dispatched "at the report time".
    frozen = request.getfixturevalue("frozen_clock") if "frozen_clock" in request.fixturenames else None
    _CLOCK.append(frozen)
    yield
    _CLOCK.pop()


def register(world: World, org: str, reported_at: datetime, *statuses: str, **overrides: Any) -> str:
    """A case registered by the sub-district staff at `reported_at`, then moved through `statuses` at once
    (so a dispatch starts its SLA clock at the report time); the clock is put back afterwards."""
    clock_ = _CLOCK[-1]
    assert clock_ is not None, "register() moves the clock: the test must use the frozen_clock fixture"
    now = clock_.current
    clock_.set(reported_at)
    try:
        with session_scope(write=True) as session:
            if "category" in overrides:
                overrides["category_id"] = category(session, overrides.pop("category")).id
            reference = create_case(
                session, actor_for(session, "staff"), org_id=world.nodes[org], reported_at=reported_at, **overrides
            )
            if statuses:
                advance(session, "staff", reference, *statuses)
    finally:
        clock_.set(now)
    return reference


# --- The demo reproduces the article ----------------------------------------------------------------------


def test_the_demo_platform_figures_are_the_articles(demo_database: str) -> None:
    figures = json.loads(DEMO_FIGURES.read_text(encoding="utf-8"))
    shown = summary_as("leader", KpiFilters(source="xiaolan")).to_json()

    assert shown["cases_total"] == figures["platform_cases_total"] == 2660
    assert shown["cases_by_unit"] == figures["platform_cases_by_unit"]
    assert list(shown["cases_by_unit"]) == list(figures["platform_cases_by_unit"])  # root first, then communities
    assert shown["cases_by_category"] == figures["platform_cases_by_category"]
    assert shown["resolved_share"] == figures["platform_cases_resolved_share"] == 1.0
    assert shown["activities"] == figures["activities"]
    assert shown["activities"] == {
        "应急演练": 2,
        "联合应急救援演练": 9,
        "安全生产知识集中培训": 11,
        "安全生产五进宣传": 15,
    }


def test_the_leaders_default_period_shows_the_same_platform_figures(demo_database: str) -> None:
    figures = json.loads(DEMO_FIGURES.read_text(encoding="utf-8"))
    date_from, date_to = periods.resolve("last_12_months", clock.today())
    shown = summary_as("leader", KpiFilters(date_from=date_from, date_to=date_to, source="xiaolan")).to_json()
    assert shown["cases_by_unit"] == figures["platform_cases_by_unit"]
    assert shown["cases_by_category"] == figures["platform_cases_by_category"]


def test_the_demo_patrol_disputes_resolved_are_the_articles(demo_database: str) -> None:
    figures = json.loads(DEMO_FIGURES.read_text(encoding="utf-8"))
    with session_scope() as session:
        dispute = category(session, "矛盾纠纷").id
    shown = summary_as("leader", KpiFilters(source="patrol", category_id=dispute))
    assert shown.outcomes.concluded == figures["patrol_disputes_resolved"] == 505


def test_the_demo_figures_are_a_faithful_copy_of_the_seed() -> None:
    if not SEED_FIGURES.exists():
        pytest.skip(f"{SEED_FIGURES} is not on this machine; nothing to compare the copy with")
    seed = json.loads(SEED_FIGURES.read_text(encoding="utf-8"))
    assert json.loads(DEMO_FIGURES.read_text(encoding="utf-8")) == seed


# --- Hand-counted: units ----------------------------------------------------------------------------------


@pytest.fixture
def six_cases(world: World, frozen_clock: FrozenClock) -> World:
    """Six cases in March 2026: 2 + 1 in 郑家台's grids, 1 at 郑家台 itself, 1 at the sub-district, 1 in 詹家拐子."""
    register(world, "郑家台社区第一网格", local(2026, 3, 2, 9, 0), "accepted", "dispatched", "in_progress", "resolved")
    register(world, "郑家台社区第一网格", local(2026, 3, 3, 9, 0), category="矛盾纠纷")
    register(world, "郑家台社区第二网格", local(2026, 3, 4, 9, 0), "accepted")
    register(world, "郑家台社区", local(2026, 3, 5, 9, 0), "accepted", "dispatched", "in_progress")
    register(
        world, "皋兰路街道", local(2026, 3, 6, 9, 0), "accepted", "dispatched", "in_progress", "resolved", "closed"
    )
    register(world, "詹家拐子社区第一网格", local(2026, 3, 7, 9, 0), source="hotline")
    return world


def test_grid_cases_count_under_their_community_and_sub_district_cases_under_the_root(six_cases: World) -> None:
    shown = summary_as("leader")
    assert shown.scope_name == "皋兰路街道"
    assert units(shown) == [("皋兰路街道", 1), ("郑家台社区", 4), ("詹家拐子社区", 1)]
    assert shown.cases_total == 6
    assert shown.outcomes.concluded == 2  # one resolved, one closed
    assert shown.resolved_share == pytest.approx(2 / 6)
    assert shown.to_json()["resolved_share"] == 0.3333
    # The retired category has no cases and is left out; the unused active one shows a zero.
    assert [(c.name, c.count) for c in shown.by_category] == [("环境卫生", 5), ("矛盾纠纷", 1), ("安全隐患", 0)]


def test_a_community_leader_sees_the_community_and_its_grids_only(six_cases: World) -> None:
    shown = summary_as("leader.zjt")
    assert shown.scope_name == "郑家台社区"
    assert units(shown) == [("郑家台社区", 1), ("郑家台社区第一网格", 2), ("郑家台社区第二网格", 1)]
    assert (shown.cases_total, shown.outcomes.concluded) == (4, 1)
    assert [(c.name, c.count) for c in shown.by_category] == [("环境卫生", 3), ("矛盾纠纷", 1), ("安全隐患", 0)]


def test_narrowing_to_a_node_inside_scope_reports_that_node_by_its_children(six_cases: World) -> None:
    community = summary_as("leader", KpiFilters(org_id=six_cases.nodes["郑家台社区"]))
    assert units(community) == units(summary_as("leader.zjt"))
    grid = summary_as("leader.zjt", KpiFilters(org_id=six_cases.nodes["郑家台社区第一网格"]))
    assert (grid.scope_name, units(grid), grid.outcomes.concluded) == (
        "郑家台社区第一网格",
        [("郑家台社区第一网格", 2)],
        1,
    )
    assert units(summary_as("grid")) == [("郑家台社区第一网格", 2)]


def test_narrowing_to_a_node_outside_scope_is_not_found(six_cases: World, subtests: Subtests) -> None:
    for username, org in [
        ("leader.zjt", "詹家拐子社区"),
        ("leader.zjt", "皋兰路街道"),
        ("grid", "郑家台社区第二网格"),
        ("grid", "郑家台社区"),
        ("leader", None),
    ]:
        with subtests.test(username=username, org=org):
            with pytest.raises(NotFound):
                summary_as(username, KpiFilters(org_id=six_cases.nodes[org] if org else 987654))


def test_a_retired_category_still_shows_while_it_has_cases(six_cases: World) -> None:
    with session_scope(write=True) as session:
        dispute = session.exec(select(Category).where(Category.name == "矛盾纠纷")).one()
        dispute.active = False
        session.add(dispute)
    names = [(c.name, c.count) for c in summary_as("leader").by_category]
    assert names == [("环境卫生", 5), ("矛盾纠纷", 1), ("安全隐患", 0)]
    march_8_on = [c.name for c in summary_as("leader", KpiFilters(date_from=date(2026, 3, 8))).by_category]
    assert march_8_on == ["环境卫生", "安全隐患"]


def test_source_and_category_filters_narrow_every_figure(six_cases: World) -> None:
    hotline = summary_as("leader", KpiFilters(source="hotline"))
    assert units(hotline) == [("皋兰路街道", 0), ("郑家台社区", 0), ("詹家拐子社区", 1)]
    with session_scope() as session:
        dispute = category(session, "矛盾纠纷").id
    disputes = summary_as("leader", KpiFilters(category_id=dispute))
    assert (disputes.cases_total, disputes.outcomes.concluded, disputes.resolved_share) == (1, 0, 0.0)


def test_no_cases_means_no_resolved_share_and_zero_everywhere(world: World) -> None:
    shown = summary_as("leader")
    assert (shown.cases_total, shown.resolved_share, shown.overdue_now) == (0, None, 0)
    assert shown.to_json()["resolved_share"] is None
    assert units(shown) == [("皋兰路街道", 0), ("郑家台社区", 0), ("詹家拐子社区", 0)]
    assert [(c.name, c.count) for c in shown.by_category] == [("环境卫生", 0), ("矛盾纠纷", 0), ("安全隐患", 0)]
    assert [(a.kind, a.count, a.target) for a in shown.activities] == [
        ("emergency_drill", 0, None),
        ("joint_rescue_drill", 0, None),
        ("safety_training", 0, None),
        ("publicity", 0, None),
    ]


# --- Hand-counted: periods in office time -----------------------------------------------------------------


def log_activity(world: World, starts_at: datetime, kind: str = "safety_training") -> int:
    with session_scope(write=True) as session:
        return (
            activities.create_activity(
                session=session,
                actor=actor_for(session, "staff"),
                data={
                    "kind": kind,
                    "title": "安全生产知识集中培训",
                    "starts_at": starts_at,
                    "org_id": world.nodes["郑家台社区"],
                    "organiser": "郑家台社区居委会",
                    "location": "郑家台社区协商议事厅",
                    "participants": 40,
                },
            ).id
            or 0
        )


def test_period_edges_are_office_days(world: World, frozen_clock: FrozenClock) -> None:
    register(world, "郑家台社区第一网格", local(2026, 3, 31, 23, 30))  # last evening of March: inside
    register(world, "皋兰路街道", local(2026, 4, 1, 0, 10))  # 16:10 UTC on 31 March, yet April here: outside
    register(world, "詹家拐子社区第一网格", local(2026, 3, 1, 0, 10))  # first minutes of March: inside
    register(world, "皋兰路街道", local(2026, 2, 28, 23, 50))  # last minutes of February: outside
    log_activity(world, local(2026, 3, 31, 23, 30))
    log_activity(world, local(2026, 4, 1, 0, 10))
    log_activity(world, local(2026, 2, 28, 23, 50))

    march = summary_as("leader", KpiFilters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)))
    assert units(march) == [("皋兰路街道", 0), ("郑家台社区", 1), ("詹家拐子社区", 1)]
    assert {a.kind: a.count for a in march.activities}["safety_training"] == 1


def test_a_deleted_activity_no_longer_counts(world: World, frozen_clock: FrozenClock) -> None:
    kept = log_activity(world, local(2026, 3, 10, 9, 0))
    deleted = log_activity(world, local(2026, 3, 12, 9, 0))
    march = KpiFilters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    assert {a.kind: a.count for a in summary_as("leader", march).activities}["safety_training"] == 2
    with session_scope(write=True) as session:
        records.delete_record(
            session=session, actor=actor_for(session, "staff"), kind="safety_training", record_id=deleted
        )
    assert {a.kind: a.count for a in summary_as("leader", march).activities}["safety_training"] == 1
    assert kept != deleted


def test_this_month_starts_at_midnight_office_time(world: World, frozen_clock: FrozenClock) -> None:
    # 00:30 on 1 April in the office is still 31 March in UTC; "this month" is April already.
    frozen_clock.set(local(2026, 4, 1, 0, 30))
    register(world, "郑家台社区第一网格", local(2026, 3, 31, 23, 30))
    register(world, "皋兰路街道", local(2026, 4, 1, 0, 10))
    date_from, date_to = periods.resolve("this_month", clock.today())
    assert (date_from, date_to) == (date(2026, 4, 1), date(2026, 4, 1))
    shown = summary_as("leader", KpiFilters(date_from=date_from, date_to=date_to))
    assert units(shown) == [("皋兰路街道", 1), ("郑家台社区", 0), ("詹家拐子社区", 0)]


# --- Hand-counted: overdue now ----------------------------------------------------------------------------


@pytest.fixture
def overdue_mix(world: World, frozen_clock: FrozenClock) -> World:
    """Clock: 10 April 2026, 10:00 office time. Three open cases are past due; two more are past due but done.

    Each case is dispatched when reported (the SLA clock starts at dispatch); one is never dispatched.
    """
    grid = "郑家台社区第一网格"
    sent = ("accepted", "dispatched")
    register(world, grid, local(2026, 2, 1, 9, 0), *sent)  # due 4 Feb: overdue (February)
    register(world, grid, local(2026, 4, 5, 10, 0), *sent, "in_progress", category="安全隐患")  # due 7 Apr
    register(world, grid, local(2026, 4, 9, 9, 0), *sent)  # due 12 Apr 09:00: not yet
    register(world, grid, local(2026, 2, 1, 9, 0), *sent, "in_progress", "resolved")  # past due but resolved
    register(world, grid, local(2026, 2, 1, 9, 0), "rejected")  # rejected
    register(world, grid, local(2026, 1, 15, 9, 0))  # never dispatched: no clock, never overdue
    register(world, "詹家拐子社区第一网格", local(2026, 3, 1, 9, 0), *sent)  # due 4 Mar: overdue
    return world


def test_overdue_now_counts_open_cases_past_due_whatever_the_period(overdue_mix: World) -> None:
    april = summary_as("leader", KpiFilters(date_from=date(2026, 4, 1), date_to=date(2026, 4, 30)))
    assert april.cases_total == 2  # the period narrows the totals ...
    assert april.overdue_now == 3  # ... but not what is overdue now
    assert summary_as("leader").overdue_now == 3
    assert summary_as("leader.zjt", KpiFilters(date_from=date(2026, 4, 1))).overdue_now == 2
    assert summary_as("gw.zhanjiaguaizi-1").overdue_now == 1
    assert summary_as("gw.zhengjiatai-2").overdue_now == 0


def test_overdue_now_follows_source_category_and_node(overdue_mix: World) -> None:
    with session_scope() as session:
        hazard = category(session, "安全隐患").id
    assert summary_as("leader", KpiFilters(category_id=hazard)).overdue_now == 1
    assert summary_as("leader", KpiFilters(source="hotline")).overdue_now == 0
    assert summary_as("leader", KpiFilters(org_id=overdue_mix.nodes["詹家拐子社区"])).overdue_now == 1


def test_a_case_becomes_overdue_when_its_due_time_passes(overdue_mix: World, frozen_clock: FrozenClock) -> None:
    frozen_clock.set(local(2026, 4, 12, 8, 59))
    assert summary_as("leader").overdue_now == 3
    frozen_clock.set(local(2026, 4, 12, 9, 1))
    assert summary_as("leader").overdue_now == 4


# --- Activities against targets ---------------------------------------------------------------------------


def test_activity_targets_are_those_of_the_scope_and_year(world: World, frozen_clock: FrozenClock) -> None:
    with session_scope(write=True) as session:
        activities.set_target(
            session=session, year=2026, kpi="safety_training", org_id=world.nodes["皋兰路街道"], value=12
        )
        activities.set_target(
            session=session, year=2026, kpi="safety_training", org_id=world.nodes["郑家台社区"], value=3
        )
    log_activity(world, local(2026, 3, 10, 9, 0))
    targets = {a.kind: (a.count, a.target) for a in summary_as("leader").activities}
    assert targets["safety_training"] == (1, 12)
    assert targets["emergency_drill"] == (0, None)
    assert {a.kind: a.target for a in summary_as("leader.zjt").activities}["safety_training"] == 3
    last_year = summary_as("leader", KpiFilters(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31)))
    assert {a.kind: (a.count, a.target) for a in last_year.activities}["safety_training"] == (0, None)


def test_concluded_resolved_on_time_grid_share_and_satisfaction_counted_by_hand(
    world: World, frozen_clock: FrozenClock
) -> None:
    grid, community = "郑家台社区第一网格", "郑家台社区"
    sent = ("accepted", "dispatched", "in_progress")
    # A: a grid-level small matter, resolved at once and closed after the visit: satisfied.
    register(world, grid, local(2026, 3, 2, 9, 0), *sent, "resolved", "closed")
    # B: closed at the grid level without a resolution (no action needed): concluded, not resolved.
    b = register(world, grid, local(2026, 3, 3, 9, 0), "accepted")
    # C: a community-level case resolved two days after its 3-day SLA: resolved, but late.
    c = register(world, community, local(2026, 3, 4, 9, 0), *sent)
    # D: still in progress.
    register(world, community, local(2026, 3, 5, 9, 0), *sent)
    # E: escalated from the grid to the community, then resolved and closed: the resident was dissatisfied.
    e = register(world, grid, local(2026, 3, 6, 9, 0), "accepted")
    with session_scope(write=True) as session:
        staff = actor_for(session, "staff")
        version = cases.get_case(session=session, actor=staff, reference=b).case.version
        workflow.transition_case(
            session=session,
            actor=staff,
            reference=b,
            to_status="closed",
            expected_version=version,
            close_reason="no_action_needed",
        )
        version = cases.get_case(session=session, actor=staff, reference=e).case.version
        workflow.escalate_case(
            session=session, actor=staff, reference=e, expected_version=version, direction=1, reason="涉及多个网格"
        )
        advance(session, "staff", e, "dispatched", "in_progress", "resolved")
        advance(session, "staff", e, "closed", satisfaction="dissatisfied")
    frozen_clock.set(local(2026, 3, 9, 9, 0))  # C was due 7 March 09:00
    with session_scope(write=True) as session:
        advance(session, "staff", c, "resolved")

    shown = summary_as("leader")
    assert shown.outcomes.total == 5
    assert (shown.outcomes.concluded, shown.outcomes.resolved, shown.outcomes.closed) == (4, 3, 3)
    assert shown.concluded_share == pytest.approx(4 / 5)  # 办结率
    assert shown.resolved_share == pytest.approx(3 / 5)  # 解决率: B was closed without being solved
    assert shown.on_time_share == pytest.approx(2 / 3)  # C was late
    assert shown.closed_at_grid_share == pytest.approx(2 / 3)  # A and B; E was closed at the community level
    assert shown.satisfaction_share == pytest.approx(1 / 2)  # A satisfied, E not
    as_json = shown.to_json()
    assert (as_json["concluded_share"], as_json["resolved_share"], as_json["on_time_share"]) == (0.8, 0.6, 0.6667)
