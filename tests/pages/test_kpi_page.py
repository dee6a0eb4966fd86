"""The KPI overview draws the numbers the services compute, within the user's scope only."""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd
import pyarrow as pa
from streamlit.testing.v1 import AppTest

from db.session import session_scope
from portal import clock, periods
from portal.i18n import t
from portal.services.demo_data import FIGURES
from portal.services.kpi import KpiFilters, kpi_summary
from tests.helpers import actor_for, node


def charts(at: AppTest) -> dict[str, pd.DataFrame]:
    """Each Altair chart on the page by its title, with the data it plots."""
    found = {}
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        title = spec.get("title") or spec.get("layer", [{}])[0].get("title")
        data = element.proto.datasets[0].data.data
        found[str(title)] = pa.ipc.open_stream(data).read_pandas()
    return found


def metric(at: AppTest, key: str) -> str:
    return next(m.value for m in at.metric if m.label == t(key, "zh"))


def test_leader_sees_the_service_figures_for_the_last_twelve_months(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("leader").switch_page("pages/kpi_overview.py").run()
    with session_scope() as session:
        start, end = periods.resolve("last_12_months", clock.today())
        expected = kpi_summary(
            session=session, actor=actor_for(session, "leader"), filters=KpiFilters(date_from=start, date_to=end)
        )
    assert metric(at, "kpi.cases_total") == f"{expected.cases_total:,}"
    assert metric(at, "kpi.overdue_now") == f"{expected.overdue_now:,}"
    assert metric(at, "kpi.resolved_share") == f"{expected.resolved_share:.1%}"
    assert metric(at, "kpi.concluded_share") == f"{expected.concluded_share:.1%}"
    assert metric(at, "kpi.on_time_share") == f"{expected.on_time_share:.1%}"
    assert metric(at, "kpi.closed_at_grid_share") == f"{expected.closed_at_grid_share:.1%}"
    assert metric(at, "kpi.satisfaction_share") == f"{expected.satisfaction_share:.1%}"
    assert metric(at, "kpi.mediations") == f"{expected.outcomes.mediations:,}"
    assert expected.outcomes.mediations > 500  # the demo's dispute cases all have mediation records
    by_unit = charts(at)[t("kpi.by_unit", "zh")]
    assert dict(zip(by_unit["unit"], by_unit["count"], strict=True)) == {u.name: u.count for u in expected.by_unit}


def test_xiaolan_source_over_all_time_reproduces_the_article(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("leader")
    at.selectbox(key="kpi_period").set_value("all")
    at.selectbox(key="kpi_source").set_value("xiaolan")
    at.run()
    assert metric(at, "kpi.cases_total") == f"{FIGURES['platform_cases_total']:,}"
    drawn = charts(at)
    units = drawn[t("kpi.by_unit", "zh")]
    assert dict(zip(units["unit"], units["count"], strict=True)) == FIGURES["platform_cases_by_unit"]
    categories = drawn[t("kpi.by_category", "zh")]
    assert dict(zip(categories["category"], categories["count"], strict=True)) == FIGURES["platform_cases_by_category"]
    activities = drawn[t("kpi.activities", "zh")]
    assert dict(zip(activities["kind"], activities["done"], strict=True)) == FIGURES["activities"]
    assert metric(at, "kpi.resolved_share") == "100.0%"


def test_community_leader_sees_only_their_community(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("leader.zjt")
    with session_scope() as session:
        own = node(session, "郑家台社区")
    assert at.selectbox(key="kpi_org").options == ["郑家台社区"]
    at.selectbox(key="kpi_period").set_value("all").run()
    units = charts(at)[t("kpi.by_unit", "zh")]
    assert set(units["unit"]) <= {"郑家台社区"} | {f"郑家台社区第{n}网格" for n in "一二三四五六"}
    assert "耿家庄社区" not in set(units["unit"])
    with session_scope() as session:
        expected = kpi_summary(session=session, actor=actor_for(session, "leader.zjt"), filters=KpiFilters())
    assert expected.scope_org_id == own.id
    assert metric(at, "kpi.cases_total") == f"{expected.cases_total:,}"


def test_switching_period_changes_the_numbers(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("staff")
    year_total = metric(at, "kpi.cases_total")
    at.selectbox(key="kpi_period").set_value("this_week").run()
    with session_scope() as session:
        start, end = periods.resolve("this_week", clock.today())
        expected = kpi_summary(
            session=session, actor=actor_for(session, "staff"), filters=KpiFilters(date_from=start, date_to=end)
        )
    assert metric(at, "kpi.cases_total") == f"{expected.cases_total:,}"
    assert metric(at, "kpi.cases_total") != year_total
