"""The KPI pages' figures, counted by hand on small hand-built data: the period against the one before, the rollup
kept in step with every write, drill-down counts equal to chart numbers, early warnings, scope."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pytest import Subtests
from sqlalchemy import func, select, text
from sqlmodel import Session

from db.models import Case
from db.session import get_engine, session_scope
from portal import periods
from portal.kpi_links import drill_filters
from portal.services import case_rollup, cases, kpi_rollup, workflow
from portal.services.cases import CaseFilters
from portal.services.errors import NotFound
from portal.services.kpi import KpiFilters, kpi_summary
from portal.services.kpi_overview import Overview, kpi_overview
from tests.helpers import actor_for, category, create_case
from tests.services.conftest import FrozenClock, World, advance, local

GRID, GRID2, COMMUNITY, ROOT, OTHER = (
    "郑家台社区第一网格",
    "郑家台社区第二网格",
    "郑家台社区",
    "皋兰路街道",
    "詹家拐子社区第一网格",
)


def report(clock_: FrozenClock, world: World, org: str, at: datetime, *statuses: str, **overrides: Any) -> str:
    """A case reported at `at` by the sub-district staff and moved through `statuses` then; the clock goes back."""
    now = clock_.current
    clock_.set(at)
    satisfaction = overrides.pop("satisfaction", "satisfied")
    try:
        with session_scope(write=True) as session:
            if "category" in overrides:
                overrides["category_id"] = category(session, overrides.pop("category")).id
            reference = create_case(
                session, actor_for(session, "staff"), org_id=world.nodes[org], reported_at=at, **overrides
            )
            if statuses:
                advance(session, "staff", reference, *statuses, satisfaction=satisfaction)
    finally:
        clock_.set(now)
    return reference


def overview(username: str, start: date | None, end: date | None, period: str = "custom", **kw: Any) -> Overview:
    with session_scope() as session:
        return kpi_overview(
            session=session,
            actor=actor_for(session, username),
            filters=KpiFilters(date_from=start, date_to=end, **kw),
            period=period,
        )


SENT = ("accepted", "dispatched", "in_progress")


@pytest.fixture
def april(world: World, frozen_clock: FrozenClock) -> World:
    """Clock: 10 April 2026, 10:00. April 1-10: four cases; March 1-10: two; March 11-31: three (not compared)."""
    c = frozen_clock
    report(c, world, GRID, local(2026, 4, 1, 9), *SENT, "resolved", "closed")  # solved on time, satisfied
    report(c, world, GRID, local(2026, 4, 2, 9), *SENT)
    report(c, world, COMMUNITY, local(2026, 4, 3, 9), "rejected")
    report(c, world, OTHER, local(2026, 4, 10, 8), source="hotline", category="矛盾纠纷")
    report(c, world, GRID2, local(2026, 3, 2, 9), *SENT, "resolved", "closed", satisfaction="dissatisfied")
    report(c, world, ROOT, local(2026, 3, 10, 23, 50))  # the last minutes of 10 March: still compared
    for day in (11, 20, 31):
        report(c, world, GRID, local(2026, 3, day, 9))
    return world


def test_this_month_is_compared_with_the_same_days_of_last_month(april: World) -> None:
    shown = overview("leader", date(2026, 4, 1), date(2026, 4, 10), "this_month")
    assert shown.previous == (date(2026, 3, 1), date(2026, 3, 10))
    now, before = shown.current, shown.before
    assert before is not None
    assert (now.received, before.received) == (4, 2)  # not the five March cases of 11-31 March
    assert shown.change("received") == 2
    assert (now.concluded, now.solved, before.concluded, before.solved) == (1, 1, 1, 1)
    assert now.resolution_rate == pytest.approx(1 / 4) and before.resolution_rate == pytest.approx(1 / 2)
    assert shown.change("resolution_rate") == pytest.approx(1 / 4 - 1 / 2)
    assert (now.satisfaction_rate, before.satisfaction_rate) == (1.0, 0.0)
    assert now.grid_share == 1.0 and now.on_time_rate == 1.0
    assert shown.change("overdue_now") is None  # a figure of now has no previous period


def test_units_categories_heat_map_funnel_and_trend_count_the_same_cases(april: World) -> None:
    shown = overview("leader", date(2026, 4, 1), date(2026, 4, 10), "this_month")
    assert [(u.name, u.count, u.exact) for u in shown.by_unit] == [
        (ROOT, 0, True),
        (COMMUNITY, 3, False),
        ("詹家拐子社区", 1, False),
    ]
    assert [(c.name, c.count) for c in shown.by_category] == [("环境卫生", 3), ("矛盾纠纷", 1), ("安全隐患", 0)]
    assert {(c.unit, c.category): c.count for c in shown.heat if c.count} == {
        (COMMUNITY, "环境卫生"): 3,
        ("詹家拐子社区", "矛盾纠纷"): 1,
    }
    assert dict(shown.funnel) == {
        "received": 1,
        "accepted": 0,
        "dispatched": 0,
        "in_progress": 1,
        "resolved": 0,
        "closed": 1,
        "rejected": 1,
    }
    assert shown.grain == "day" and len(shown.trend) == 10
    assert [(p.count, p.previous) for p in shown.trend[:3]] == [(1, 0), (1, 1), (1, 0)]
    assert (shown.trend[-1].count, shown.trend[-1].previous) == (1, 1)  # 10 April against 10 March


def test_every_chart_number_is_the_count_of_the_case_list_it_opens(april: World, subtests: Subtests) -> None:
    for username in ("leader", "leader.zjt"):
        shown = overview(username, date(2026, 4, 1), date(2026, 4, 10), "this_month")
        base = CaseFilters(date_from=shown.start, date_to=shown.end)
        exact = {u.id for u in shown.by_unit if u.exact}
        points: list[tuple[str, dict[str, Any], int]] = []
        points += [("unit", {"unit_id": u.id}, u.count) for u in shown.by_unit]
        points += [("category", {"category_id": c.id}, c.count) for c in shown.by_category]
        points += [("cell", {"unit_id": c.unit_id, "category_id": c.category_id}, c.count) for c in shown.heat]
        points += [("status", {"code": s}, n) for s, n in shown.funnel]
        points += [("span", {"span": f"{p.start} – {p.end}"}, p.count) for p in shown.trend]
        with session_scope() as session:
            actor = actor_for(session, username)
            for chart, point, number in points:
                with subtests.test(username=username, chart=chart, point=point):
                    filters = drill_filters(chart, point, base, exact)
                    assert cases.list_cases(session=session, actor=actor, filters=filters).total == number


def test_the_rollup_follows_every_kind_of_write(april: World, frozen_clock: FrozenClock) -> None:
    with session_scope(write=True) as session:
        staff = actor_for(session, "staff")
        reference = create_case(session, staff, reported_at=local(2026, 4, 9, 9))
        detail = cases.get_case(session=session, actor=staff, reference=reference)
        workflow.update_case(
            session=session,
            actor=staff,
            reference=reference,
            expected_version=detail.case.version,
            data={"category_id": category(session, "安全隐患").id, "org_id": april.nodes[GRID2]},
        )
        advance(session, "staff", reference, "accepted")
        version = cases.get_case(session=session, actor=staff, reference=reference).case.version
        workflow.escalate_case(
            session=session, actor=staff, reference=reference, expected_version=version, direction=1, reason="跨网格"
        )
        advance(session, "staff", reference, "dispatched", "in_progress", "resolved", "closed")
    with session_scope() as session:
        assert case_rollup.differences(session) == []
    shown = overview("leader", date(2026, 4, 1), date(2026, 4, 10), "this_month", category_id=None)
    assert [(c.name, c.count) for c in shown.by_category][2] == ("安全隐患", 1)
    grids = overview("leader", date(2026, 4, 9), date(2026, 4, 9), org_id=april.nodes[COMMUNITY]).by_unit
    assert [(u.name, u.count) for u in grids] == [(COMMUNITY, 0), (GRID, 0), (GRID2, 1)]


def test_the_overview_agrees_with_the_case_table_summary(april: World) -> None:
    for username, start in (("leader", date(2026, 3, 1)), ("leader.zjt", date(2026, 4, 1)), ("grid", None)):
        shown = overview(username, start, date(2026, 4, 10))
        with session_scope() as session:
            filters = KpiFilters(date_from=start, date_to=date(2026, 4, 10))
            raw = kpi_summary(session=session, actor=actor_for(session, username), filters=filters)
        assert shown.current.received == raw.cases_total
        assert [(u.name, u.count) for u in shown.by_unit] == [(u.name, u.count) for u in raw.by_unit]
        assert (shown.current.resolution_rate, shown.current.on_time_rate) == (raw.resolved_share, raw.on_time_share)
        assert shown.current.overdue_now == raw.overdue_now


def test_a_community_leader_cannot_ask_for_another_community(april: World) -> None:
    with pytest.raises(NotFound):
        overview("leader.zjt", date(2026, 4, 1), date(2026, 4, 10), org_id=april.nodes["詹家拐子社区"])
    with pytest.raises(NotFound):
        overview("grid", date(2026, 4, 1), date(2026, 4, 10), org_id=april.nodes[COMMUNITY])
    own = overview("leader.zjt", date(2026, 4, 1), date(2026, 4, 10))
    assert [u.name for u in own.by_unit] == [COMMUNITY, GRID, GRID2]
    assert own.current.received == 3


def test_early_warning_flags_a_rise_well_above_the_units_own_baseline(world: World, frozen_clock: FrozenClock) -> None:
    # One sanitation case a week in the first grid for the eight weeks before 4-10 April, then five that week.
    for week in range(1, 9):
        day = date(2026, 4, 5) - timedelta(days=7 * week)
        report(frozen_clock, world, GRID, local(day.year, day.month, day.day, 9))
    shown = overview("leader", date(2026, 4, 4), date(2026, 4, 10))
    assert shown.warnings == []  # nothing this week yet
    for day in (4, 5, 6, 7):
        report(frozen_clock, world, GRID, local(2026, 4, day, 9))
    assert overview("leader", date(2026, 4, 4), date(2026, 4, 10)).warnings == []  # four: under the minimum
    report(frozen_clock, world, GRID, local(2026, 4, 8, 9))
    warned = overview("leader", date(2026, 4, 4), date(2026, 4, 10)).warnings
    assert warned is not None
    assert [(w.org_name, w.category_name, w.count) for w in warned] == [
        (COMMUNITY, "环境卫生", 5),
        (GRID, "环境卫生", 5),
    ]
    assert overview("leader", date(2026, 1, 1), date(2026, 4, 10)).warnings is None  # a longer period has no rule


def test_the_early_warning_read_runs_on_a_second_connection_and_fails_loudly(world: World) -> None:
    with session_scope() as session:
        mine = session.connection().connection.dbapi_connection
        seen: dict[str, Any] = {}

        def count(side: Any) -> int:
            seen["connection"] = side.connection().connection.dbapi_connection
            return int(side.execute(select(func.count()).select_from(Case)).scalar_one())

        waiting = kpi_rollup.beside(session, count)
        inline = int(session.execute(select(func.count()).select_from(Case)).scalar_one())
        assert waiting() == inline
        assert seen["connection"] is not mine

        failing = kpi_rollup.beside(session, lambda side: side.execute(text("SELECT * FROM no_such_table")).all())
        with pytest.raises(Exception, match="no_such_table"):
            failing()

    with get_engine().connect() as connection, Session(bind=connection) as bound:
        seen.clear()  # bound to one connection: nothing to run beside it on
        assert kpi_rollup.beside(bound, count)() == inline
        assert seen["connection"] is connection.connection.dbapi_connection


def test_a_long_period_by_the_day_is_drawn_by_the_week_or_the_month_with_every_case_counted(april: World) -> None:
    # The last bucket: the week of 6-10 April (the case of 10 April), or 1-10 April (its four cases).
    for start, drawn, last in ((date(2024, 4, 11), "week", 1), (date(2000, 1, 1), "month", 4)):
        with session_scope() as session:
            shown = kpi_overview(
                session=session,
                actor=actor_for(session, "leader"),
                filters=KpiFilters(date_from=start, date_to=date(2026, 4, 10)),
                grain="day",
            )
        assert shown.grain == drawn
        assert len(shown.trend) == len(periods.buckets(start, date(2026, 4, 10), drawn)) <= periods.MAX_POINTS
        assert sum(p.count for p in shown.trend) == shown.current.received == 9
        assert shown.trend[-1].count == last
