"""The KPI overview shows the service's numbers within the user's scope only; its filters live in the URL."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from db.session import session_scope
from portal import clock, periods, ui
from portal.config import reset_settings
from portal.i18n import t
from portal.kpi_links import case_filters, case_params, drill_filters
from portal.services.cases import CaseFilters
from portal.services.demo_data import FIGURES
from portal.services.kpi import KpiFilters
from portal.services.kpi_overview import Overview, kpi_overview
from tests.helpers import DEMO_PASSWORD, actor_for, category, create_case, edit_record, node
from tests.pages.conftest import follow_link, new_app, open_url, submit_login


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
    return next(m.value for m in at.metric if m.label == t(f"kpi.card.{key}", "zh"))


def delta(at: AppTest, key: str) -> str:
    return next(m.proto.delta for m in at.metric if m.label == t(f"kpi.card.{key}", "zh"))


def expected(username: str, period: str, custom: tuple[date, date] | None = None, **filters: object) -> Overview:
    start, end = periods.resolve(period, clock.today(), custom)
    with session_scope() as session:
        return kpi_overview(
            session=session,
            actor=actor_for(session, username),
            filters=KpiFilters(date_from=start, date_to=end, **filters),  # type: ignore[arg-type]
            period=period,
        )


def open_overview(logged_in: Callable[[str], AppTest], username: str, **params: str) -> AppTest:
    """A fresh browser session opening the overview's URL with `params`, then logging in (`logged_in`: the demo
    sub-district)."""
    return follow_link(username, **params)


def test_leader_lands_on_this_month_with_every_headline_figure_and_its_change(
    logged_in: Callable[[str], AppTest],
) -> None:
    at = open_overview(logged_in, "leader")
    shown = expected("leader", "this_month")
    assert metric(at, "received") == f"{shown.current.received:,}"
    assert metric(at, "concluded") == f"{shown.current.concluded:,}"
    assert metric(at, "solved") == f"{shown.current.solved:,}"
    assert metric(at, "overdue_now") == f"{shown.current.overdue_now:,}"
    assert shown.current.overdue_now and shown.current.overdue_now > 0
    for key in ("on_time_rate", "resolution_rate", "satisfaction_rate", "grid_share"):
        value = shown.current.value(key)
        assert metric(at, key) == ("—" if value is None else f"{value:.1%}")
    assert shown.before is not None
    assert delta(at, "received") == f"{shown.current.received - shown.before.received:+,}"
    assert at.query_params["period"] == "this_month"
    by_unit = charts(at)[t("kpi.by_unit", "zh")]
    assert list(by_unit["count"]) == [u.count for u in shown.by_unit]
    assert by_unit["unit"][0] == "皋兰路街道（本级）"


def test_the_url_sets_the_view_and_the_article_figures_come_back(logged_in: Callable[[str], AppTest]) -> None:
    at = open_overview(logged_in, "leader", period="last_12_months", source="xiaolan")
    assert at.selectbox(key="kpi_source").value == "xiaolan"
    assert metric(at, "received") == f"{FIGURES['platform_cases_total']:,}"
    drawn = charts(at)
    categories = drawn[t("kpi.by_category", "zh")]
    assert dict(zip(categories["category"], categories["count"], strict=True)) == FIGURES["platform_cases_by_category"]
    units = drawn[t("kpi.by_unit", "zh")]
    assert list(units["count"]) == list(FIGURES["platform_cases_by_unit"].values())
    assert metric(at, "resolution_rate") == "100.0%"


def test_changing_a_filter_changes_the_numbers_and_the_url(logged_in: Callable[[str], AppTest]) -> None:
    at = open_overview(logged_in, "staff")
    at.selectbox(key="kpi_period").set_value("this_year").run()
    with session_scope() as session:
        community = node(session, "耿家庄社区").id
    at.selectbox(key="kpi_org").set_value(community).run()
    shown = expected("staff", "this_year", org_id=community)
    assert metric(at, "received") == f"{shown.current.received:,}"
    assert at.query_params["period"] == "this_year"
    assert at.query_params["org"] == str(community)
    units = charts(at)[t("kpi.by_unit", "zh")]
    assert set(units["unit"]) == {"耿家庄社区（本级）"} | {u.name for u in shown.by_unit[1:]}


def test_a_community_leader_cannot_see_another_community_through_the_url(
    logged_in: Callable[[str], AppTest],
) -> None:
    with session_scope() as session:
        other, own = node(session, "耿家庄社区").id, node(session, "郑家台社区").id
    at = open_overview(logged_in, "leader.zjt", period="this_year", org=str(other))
    assert [w.value for w in at.warning] == [t("kpi.params_ignored", "zh", names="org")]
    assert at.selectbox(key="kpi_org").value == own
    assert "耿家庄社区" not in at.selectbox(key="kpi_org").options
    units = charts(at)[t("kpi.by_unit", "zh")]
    assert not any("耿家庄" in name for name in units["unit"])
    assert metric(at, "received") == f"{expected('leader.zjt', 'this_year').current.received:,}"
    assert at.query_params["org"] == str(own)


def test_a_drill_down_url_opens_the_case_list_with_as_many_cases_as_the_bar_showed(
    logged_in: Callable[[str], AppTest],
) -> None:
    shown = expected("leader", "this_year")
    root = shown.by_unit[0]
    assert root.exact and root.count > 0  # the sub-district's own cases: not the whole tree below it
    base = CaseFilters(date_from=shown.start, date_to=shown.end)
    bars = [
        ("unit", {"unit_id": root.id}),
        ("unit", {"unit_id": shown.by_unit[1].id}),
        ("cell", {"unit_id": shown.heat[-1].unit_id, "category_id": shown.heat[-1].category_id}),
        ("status", {"code": "closed"}),
    ]
    numbers = [root.count, shown.by_unit[1].count, shown.heat[-1].count, dict(shown.funnel)["closed"]]
    for (chart, point), number in zip(bars, numbers, strict=True):
        filters = drill_filters(chart, point, base, {root.id})
        at = open_case_list(logged_in("leader"), case_params(filters))
        counts = [c.value for c in at.caption if c.value.startswith("共 ")]
        assert counts and counts[0].startswith(f"共 {number} 件"), (chart, point, counts)


def open_case_list(at: AppTest, params: dict[str, str]) -> AppTest:
    """Follow a drill-down link (the KPI page's `st.switch_page` to the list with these query parameters)."""
    at.query_params.clear()
    at.query_params.update(params)
    at.switch_page("pages/cases.py").run()
    assert not at.exception, at.exception
    return at


def test_the_community_page_shows_one_community_with_its_grids_as_units(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("leader.zjt").switch_page("pages/kpi_community.py").run()
    assert at.selectbox(key="kpi_org").options == ["郑家台社区"]
    units = charts(at)[t("kpi.by_unit", "zh")]
    assert list(units["unit"])[0] == "郑家台社区（本级）"
    assert all(name.startswith("郑家台社区第") for name in list(units["unit"])[1:])
    assert metric(at, "received") == f"{expected('leader.zjt', 'this_month').current.received:,}"


def test_a_grid_worker_sees_their_grid_only(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("grid").switch_page("pages/kpi_overview.py").run()
    assert at.selectbox(key="kpi_org").options == ["郑家台社区第一网格"]
    units = charts(at)[t("kpi.by_unit", "zh")]
    assert list(units["unit"]) == ["郑家台社区第一网格（本级）"]
    assert metric(at, "received") == f"{expected('grid', 'this_month').current.received:,}"


def test_the_figures_refresh_by_themselves_and_pick_up_a_new_case(
    logged_in: Callable[[str], AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_KPI_REFRESH_SECONDS", "1")  # cached for half a second
    reset_settings()
    at = open_overview(logged_in, "leader")
    before = expected("leader", "this_month").current.received
    assert metric(at, "received") == f"{before:,}"
    with session_scope(write=True) as session:
        staff = actor_for(session, "staff")
        create_case(session, staff, org_id=node(session, "王家庄社区").id, reported_at=clock.now())
    time.sleep(1.1)
    at.run()  # what the fragment's timer does every PORTAL_KPI_REFRESH_SECONDS
    assert metric(at, "received") == f"{before + 1:,}"
    assert at.selectbox(key="kpi_period").value == "this_month"


def test_the_early_warning_panel_states_its_rule_and_links_each_rise_to_exactly_its_cases(
    logged_in: Callable[[str], AppTest],
) -> None:
    with session_scope(write=True) as session:
        staff, grid = actor_for(session, "staff"), node(session, "郑家台社区第一网格").id
        for _ in range(15):  # far above what one grid reports in one category in a month of the demo year
            create_case(session, staff, org_id=grid, reported_at=clock.now())
    st.cache_data.clear()  # as the case form does after a save (figures cached by earlier tests are stale)
    shown = expected("leader", "this_month")
    assert shown.warnings and "郑家台社区第一网格" in [w.org_name for w in shown.warnings]
    at = open_overview(logged_in, "leader")
    rule = t("kpi.warning_rule", "zh", periods=8, sigmas="2", minimum=5)
    assert rule in [c.value for c in at.caption]
    links = [link.proto for link in at.get("page_link") if link.proto.icon == ":material/warning:"]
    assert len(links) == len(shown.warnings)
    for link, warning in zip(links, shown.warnings, strict=True):
        assert f"{warning.org_name}" in link.label and warning.category_name in link.label
        assert str(warning.count) in link.label
        params = dict(item.split("=", 1) for item in link.query_string.split("&"))
        linked = case_filters(params)
        assert linked is not None and not (linked.source or linked.statuses)
        assert (linked.org_id, linked.org_exact, linked.category_id) == (
            warning.org_id,
            warning.exact,
            warning.category_id,
        )
        assert (linked.date_from, linked.date_to) == (warning.start, warning.end)
        listed = open_case_list(logged_in("leader"), params)
        counts = [c.value for c in listed.caption if c.value.startswith("共 ")]
        assert counts and counts[0].startswith(f"共 {warning.count} 件"), (warning, counts)
    button = next(b for b in at.get("download_button") if b.proto.id.endswith("-xlsx_kpi-warnings"))
    assert button.proto.deferred_file_id and not button.proto.url  # the table is made only when clicked


def test_a_bar_of_a_retired_category_opens_exactly_its_cases(logged_in: Callable[[str], AppTest]) -> None:
    with session_scope(write=True) as session:
        retired = category(session, "环境卫生")
        edit_record(session, actor_for(session, "admin"), "category", retired.id or 0, active=False)
    st.cache_data.clear()
    shown = expected("leader", "this_year")
    bar = next(c for c in shown.by_category if c.name == "环境卫生")
    assert 0 < bar.count < shown.current.received
    at = open_overview(logged_in, "leader", period="this_year")
    assert "环境卫生" in list(charts(at)[t("kpi.by_category", "zh")]["category"])  # its past cases still count
    base = CaseFilters(date_from=shown.start, date_to=shown.end)
    filters = drill_filters("category", {"category_id": bar.id}, base, {})
    listed = open_case_list(logged_in("leader"), case_params(filters))
    assert not listed.warning, [w.value for w in listed.warning]  # the category is not dropped as unknown
    counts = [c.value for c in listed.caption if c.value.startswith("共 ")]
    assert counts and counts[0].startswith(f"共 {bar.count} 件"), counts
    picker = listed.selectbox(key="cases_category")
    assert picker.value == bar.id and picker.format_func(bar.id) == "环境卫生（已停用）"


@pytest.mark.parametrize("page", ["kpi", "kpi_safety"])
def test_dates_off_the_calendar_in_the_url_are_ignored_with_a_warning(
    logged_in: Callable[[str], AppTest], page: str
) -> None:
    for start, end in (("0001-01-01", "0001-01-05"), ("2026-01-01", "9999-12-31")):
        at = new_app()
        at.query_params.update({"period": "custom", "from": start, "to": end})
        open_url(at, page)
        submit_login(at, "leader", DEMO_PASSWORD)
        assert not at.exception, at.exception
        assert [w.value for w in at.warning] == [t("kpi.params_ignored", "zh", names="from/to")]
        assert at.selectbox(key="kpi_period").value == "this_month"
        assert at.metric, "the page shows this month's figures instead"


def test_each_kpi_page_keeps_its_own_trend_grain_and_a_new_period_starts_at_its_natural_one(
    logged_in: Callable[[str], AppTest],
) -> None:
    at = open_overview(logged_in, "leader")
    days = len(expected("leader", "this_month").trend)
    assert at.session_state["kpi_grain"] == "day"
    open_url(at, "kpi_safety")
    assert at.session_state["kpi_safety_grain"] == "week"  # activities are too sparse to read by the day
    open_url(at, "kpi")
    assert at.session_state["kpi_grain"] == "day"
    assert len(charts(at)[t("kpi.trend", "zh")]) == days
    at.segmented_control(key="kpi_grain").set_value("week").run()
    assert at.query_params["grain"] == "week"
    at.selectbox(key="kpi_period").set_value("this_year").run()
    assert at.session_state["kpi_grain"] == "month"  # not this year by the week picked for the month
    assert len(charts(at)[t("kpi.trend", "zh")]) == clock.today().month


def test_a_grain_too_fine_for_a_long_period_is_drawn_coarser_and_the_page_says_so(
    logged_in: Callable[[str], AppTest],
) -> None:
    at = open_overview(logged_in, "leader", period="custom", **{"from": "2024-01-01", "to": "2026-06-30"}, grain="day")
    assert at.segmented_control(key="kpi_grain").value == "day"
    note = t("kpi.grain_coarsened", "zh", grain=t("kpi.grain.week", "zh"), points=periods.MAX_POINTS)
    assert note in [c.value for c in at.caption]
    trend = charts(at)[t("kpi.trend", "zh")]
    assert len(trend) == len(periods.buckets(date(2024, 1, 1), date(2026, 6, 30), "week"))
    received = expected("leader", "custom", (date(2024, 1, 1), date(2026, 6, 30))).current.received
    assert trend["count"].sum() == received


def test_names_people_typed_are_shown_as_typed_not_as_markdown(logged_in: Callable[[str], AppTest]) -> None:
    typed = "**郑家台**[社区](https://example.com)_1_"
    with session_scope(write=True) as session:
        community = node(session, "郑家台社区")
        edit_record(session, actor_for(session, "admin"), "org_node", community.id or 0, name=typed)
    st.cache_data.clear()
    at = open_overview(logged_in, "leader.zjt")
    line = next(c.value for c in at.caption if "统计期内上报的事件" in c.value)  # the view line under the filters
    assert ui.inert(typed) in line and typed not in line  # Markdown shows the escaped form as the typed text
    assert ui.inert(typed) == r"\*\*郑家台\*\*\[社区\]\(https\://example\.com\)\_1\_"
