"""A report's content from the demo data: its numbers are `portal kpi --json`'s, its lists are the right cases,
and a section with nothing to say is left out."""

from __future__ import annotations

from datetime import timedelta

from db.session import session_scope
from portal import clock
from portal.cli_kpi import kpi_figures
from portal.reports import period as periods
from portal.reports.compile import compile_content
from portal.reports.content import ReportContent
from portal.services import cases, workflow
from portal.services.cases import CaseFilters
from portal.services.kpi_figures import HEADLINE
from portal.services.orgs import load_tree
from tests.helpers import actor_for, create_case, node


def compiled(scope: str, chosen: periods.ReportPeriod) -> ReportContent:
    with session_scope() as session:
        node = load_tree(session=session).by_code_or_name(scope)
        return compile_content(session=session, scope_id=node.id or 0, period=chosen)


def test_every_headline_equals_portal_kpi_json_for_the_same_scope_and_period(demo_database: str) -> None:
    today = clock.today()
    for scope in ("gaolanlu", "zhengjiatai"):
        for chosen in (periods.last_week(today), periods.date_range(today - timedelta(days=89), today)):
            content = compiled(scope, chosen)
            figures = kpi_figures(
                period=None,
                source=None,
                date_from=chosen.start.isoformat(),
                date_to=chosen.end.isoformat(),
                org=scope,
                category=None,
                grain=None,
                as_user=None,
            )
            assert (figures["previous_from"], figures["previous_to"]) == (
                content.previous.start.isoformat(),
                content.previous.end.isoformat(),
            )
            shown = {h.key: (h.value, h.previous) for h in content.headlines}
            assert list(shown) == [key for key, _ in HEADLINE]
            for key, _ in HEADLINE:
                value, previous = shown[key]
                expected_previous = None if key == "overdue_now" else figures["previous"][key]
                assert value == figures["current"][key] or round(value, 4) == figures["current"][key], (scope, key)
                assert previous == expected_previous or round(previous, 4) == expected_previous, (scope, key)
            charted = {row["unit"]: row["count"] for row in next(c for c in content.charts if c.key == "by_unit").rows}
            assert sum(charted.values()) == figures["current"]["received"]


def test_the_lists_hold_the_overdue_and_the_escalated_cases(demo_database: str) -> None:
    today = clock.today()
    with session_scope(write=True) as session:
        staff = actor_for(session, "staff")
        reference = create_case(session, staff, org_id=node(session, "郑家台社区").id, description="跨部门占道经营")
    with session_scope(write=True) as session:
        workflow.escalate_case(
            session=session,
            actor=actor_for(session, "staff"),
            reference=reference,
            expected_version=1,
            direction=1,
            reason="涉及多个部门，需街道协调",
        )
    content = compiled("gaolanlu", periods.date_range(today - timedelta(days=6), today))
    tables = {table.key: table for table in content.tables}
    [escalated] = tables["escalated"].rows
    assert (escalated[0], escalated[2], escalated[5]) == (reference, "郑家台社区", "涉及多个部门，需街道协调")
    assert "escalated" not in {t.key for t in compiled("zhanjiaguaizi", content.period).tables}  # not theirs

    with session_scope() as session:
        overdue = cases.list_cases(
            session=session, actor=actor_for(session, "staff"), filters=CaseFilters(overdue=True), page_size=200
        )
    assert overdue.total > 0, "the demo has overdue cases"
    assert {row[0] for row in tables["overdue"].rows} == {row.reference for row in overdue.rows}


def test_sections_with_nothing_to_say_are_left_out(demo_database: str) -> None:
    future = periods.parse("2030-W10")  # no case is reported then
    content = compiled("zhengjiatai", future)
    assert content.charts == []
    assert {t.key for t in content.tables} <= {"overdue", "activities", "upcoming"}
    assert all(table.rows for table in content.tables)
