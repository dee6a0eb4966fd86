"""The safety KPI page (pages/kpi_safety.py) shows the service's numbers for the user's scope, keeps its filters
in the URL, refuses another community's id in a link, and offers every table as an XLSX that holds what it shows."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from db.models import Role
from db.session import session_scope
from portal import clock, periods
from portal.config import reset_settings
from portal.i18n import t
from portal.lowcode import records
from portal.permissions import pages_for
from portal.services import activities
from portal.services.kpi_safety import SafetyOverview, kpi_safety
from portal.widgets import table_download
from tests.helpers import DEMO_PASSWORD, actor_for, node
from tests.pages.conftest import new_app, open_url, submit_login
from tests.pages.test_kpi_page import charts, open_overview

PAGE = "pages/kpi_safety.py"


def expected(username: str, period: str, org_id: int | None = None) -> SafetyOverview:
    start, end = periods.resolve(period, clock.today())
    assert start is not None and end is not None
    with session_scope() as session:
        return kpi_safety(
            session=session,
            actor=actor_for(session, username),
            date_from=start,
            date_to=end,
            org_id=org_id,
            period=period,
        )


def open_safety(username: str, **params: str) -> AppTest:
    """A fresh browser session following a link to /kpi_safety?<params>, then logging in (the link survives)."""
    at = new_app()
    for key, value in params.items():
        at.query_params[key] = value
    open_url(at, "kpi_safety")
    submit_login(at, username, DEMO_PASSWORD)
    assert not at.exception, at.exception
    assert at.title[0].value == t("page.kpi_safety", "zh")
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def open_tables(at: AppTest, key: str) -> AppTest:
    """Unfold a page's chart tables: they are made only while their expander is open."""
    count = len(at.main.dataframe)
    assert [e for e in at.expander if e.label == t("kpi.tables", "zh")]
    at.session_state[key] = True
    at.run()
    assert not at.exception, at.exception
    assert len(at.main.dataframe) > count
    return at


def download_button(at: AppTest, key: str) -> Any:
    """The XLSX button of a table; its file is made only when clicked (the browser test clicks one for real)."""
    button = next(b for b in at.get("download_button") if b.proto.id.endswith(f"-{key}"))
    assert button.proto.label == t("table.download_xlsx", "zh")
    assert button.proto.deferred_file_id and not button.proto.url  # nothing built while the page draws
    return button


def as_file(frame: pd.DataFrame, title: str) -> pd.DataFrame:
    """A shown table through the download's file maker, read back as Excel would."""
    sheet = openpyxl.load_workbook(io.BytesIO(table_download.xlsx(frame, title))).active
    header, *rows = list(sheet.values)
    return pd.DataFrame(rows, columns=header)


def log_activities(org: str) -> None:
    """This month in `org`: a drill with an overdue corrective action, a school publicity event; one deleted drill."""
    today = clock.today()
    with session_scope(write=True) as session:
        staff = actor_for(session, "staff")
        common = {"org_id": node(session, org).id, "organiser": "居委会", "location": '=HYPERLINK("x")', "hours": 2}
        day = today if today.day == 1 else today - timedelta(days=1)  # this month, whatever day the test runs
        start = clock.day_start(day) + timedelta(hours=9)
        drill = activities.create_activity(
            session=session,
            actor=staff,
            data={
                "kind": "emergency_drill",
                "title": "=1+1 消防演练",
                "starts_at": start,
                "participants": 77,
                **common,
            },
        )
        activities.create_activity(
            session=session,
            actor=staff,
            data={
                "kind": "publicity",
                "title": "进校园宣传",
                "starts_at": start,
                "participants": 300,
                "venue_type": "school",
                **common,
            },
        )
        gone = activities.create_activity(
            session=session,
            actor=staff,
            data={"kind": "emergency_drill", "title": "误录", "starts_at": start, "participants": 999, **common},
        )
        records.delete_record(session=session, actor=staff, kind="emergency_drill", record_id=gone.id or 0)
        records.create_record(
            session=session,
            actor=staff,
            kind="corrective_action",
            data={
                "activity_id": drill.id,
                "description": "-更换过期灭火器",
                "owner_id": actor_for(session, "leader.zjt").user_id,
                "due_on": today - timedelta(days=3),
                "status": "open",
                "done_on": None,
            },
        )


def test_the_page_is_in_the_menu_of_leaders_staff_and_admins_only(logged_in: Callable[[str], AppTest]) -> None:
    assert [r for r in Role if "kpi_safety" in pages_for(r)] == [Role.LEADER, Role.STAFF, Role.ADMIN]
    at = logged_in("grid")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)  # the router did not register it for a grid worker
    at = open_url(at, "kpi_safety")  # nor does its address open it
    assert at.title[0].value != t("page.kpi_safety", "zh")


def test_the_figures_refresh_by_themselves_and_pick_up_a_new_activity(
    logged_in: Callable[[str], AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_KPI_REFRESH_SECONDS", "1")  # cached for half a second
    reset_settings()
    at = open_safety("leader")
    before = expected("leader", "this_month").totals[0].count
    assert metric(at, t("activity.emergency_drill", "zh")) == f"{before:,}"
    log_activities("王家庄社区")  # one emergency drill (and one deleted)
    time.sleep(1.1)
    at.run()  # what the fragment's timer does every PORTAL_KPI_REFRESH_SECONDS
    assert metric(at, t("activity.emergency_drill", "zh")) == f"{before + 1:,}"


def test_a_leader_sees_each_kind_against_last_period_and_the_overdue_actions(
    logged_in: Callable[[str], AppTest],
) -> None:
    log_activities("郑家台社区")
    at = open_safety("leader")
    shown = expected("leader", "this_month")
    for row in shown.totals:
        assert metric(at, t(f"activity.{row.kind}", "zh")) == f"{row.count:,}"
    assert metric(at, t("safety.actions_overdue", "zh")) == f"{shown.actions_overdue:,}"
    assert shown.actions_overdue >= 1
    drawn = charts(at)
    target = drawn[t("safety.year_to_date", "zh", year=shown.end.year, end=shown.end)]
    assert list(target["done"]) == [a.count for a in shown.year_to_date]
    assert list(target["target"]) == [a.target for a in shown.year_to_date]
    drills = drawn[t("safety.trend", "zh", kind=t("activity.emergency_drill", "zh"))]
    assert list(drills["count"]) == [p.count for p in shown.trend["emergency_drill"]]
    assert sum(drills["count"]) == shown.totals[0].count
    venues = drawn[t("safety.venues", "zh")]
    assert dict(zip(venues["venue"], venues["count"], strict=True))["进学校"] >= 1

    overdue = at.main.dataframe[-1].value
    assert list(overdue[t("corrective.description", "zh")]) == [a.description for a in shown.overdue]
    assert "-更换过期灭火器" in list(overdue[t("corrective.description", "zh")])
    assert "999" not in at.main.dataframe[0].value.to_string()  # the deleted drill counts nowhere
    assert at.query_params["period"] == "this_month"


def test_every_table_has_an_xlsx_download_holding_what_it_shows_with_formulas_kept_as_text(
    logged_in: Callable[[str], AppTest],
) -> None:
    log_activities("郑家台社区")
    at = open_tables(open_safety("staff"), "safety_tables_open")
    names = ["by-kind", "by-unit", "trend", "year-to-date", "venues", "overdue"]
    for name in names:
        download_button(at, f"xlsx_safety-{name}")
    assert len(at.get("download_button")) == len(at.main.dataframe) == len(names)
    shown = at.main.dataframe[-1].value
    file = as_file(shown, t("safety.overdue", "zh"))
    assert list(file.columns) == list(shown.columns)
    assert file.astype(str).to_numpy().tolist() == shown.astype(str).to_numpy().tolist()
    sheet = openpyxl.load_workbook(io.BytesIO(table_download.xlsx(shown, "x"))).active
    formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []  # "=1+1 消防演练" and "-更换过期灭火器" are text cells, never run by Excel
    assert "=1+1 消防演练" in list(file[t("corrective.activity", "zh")])


def test_a_community_leader_cannot_open_another_community_through_the_url(
    logged_in: Callable[[str], AppTest],
) -> None:
    log_activities("耿家庄社区")
    with session_scope() as session:
        other, own = node(session, "耿家庄社区").id, node(session, "郑家台社区").id
    at = open_safety("leader.zjt", period="this_year", org=str(other))
    assert [w.value for w in at.warning] == [t("kpi.params_ignored", "zh", names="org")]
    assert at.selectbox(key="kpi_org").value == own
    assert at.selectbox(key="kpi_period").value == "this_year"
    shown = expected("leader.zjt", "this_year")
    for row in shown.totals:
        assert metric(at, t(f"activity.{row.kind}", "zh")) == f"{row.count:,}"
    units = at.main.dataframe[1].value[t("table.unit", "zh")]
    assert not any("耿家庄" in name for name in units)
    assert at.query_params["org"] == str(own)


def test_changing_the_unit_and_period_changes_the_numbers_and_the_url(logged_in: Callable[[str], AppTest]) -> None:
    log_activities("郑家台社区")
    at = open_safety("leader")
    with session_scope() as session:
        community = node(session, "郑家台社区").id
    at.selectbox(key="kpi_period").set_value("this_year").run()
    at.selectbox(key="kpi_org").set_value(community).run()
    shown = expected("leader", "this_year", community)
    assert [metric(at, t(f"activity.{r.kind}", "zh")) for r in shown.totals] == [f"{r.count:,}" for r in shown.totals]
    assert (at.query_params["period"], at.query_params["org"]) == ("this_year", str(community))
    assert not [s for s in at.selectbox if s.key in ("kpi_source", "kpi_category")]  # no case filters here


def test_the_overview_offers_each_chart_table_as_xlsx(logged_in: Callable[[str], AppTest]) -> None:
    at = open_tables(open_overview(logged_in, "leader"), "kpi_tables_open")
    for name in ("units", "categories", "trend", "heat-map", "status", "handling-days", "activities"):
        download_button(at, f"xlsx_kpi-{name}")
    drawn = charts(at)
    units = at.main.dataframe[0].value
    assert list(units.columns) == [t("table.unit", "zh"), t("table.cases", "zh")]
    assert list(units[t("table.cases", "zh")]) == list(drawn[t("kpi.by_unit", "zh")]["count"])
    heat = at.main.dataframe[3].value
    assert heat.drop(columns=t("table.unit", "zh")).to_numpy().sum() == drawn[t("kpi.heat_map", "zh")]["count"].sum()


def test_the_community_page_offers_its_tables_as_xlsx(logged_in: Callable[[str], AppTest]) -> None:
    at = open_tables(logged_in("leader.zjt").switch_page("pages/kpi_community.py").run(), "kpi_tables_open")
    download_button(at, "xlsx_kpi-units")
    units = at.main.dataframe[0].value
    assert units[t("table.unit", "zh")][0] == "郑家台社区（本级）"
    assert list(units[t("table.cases", "zh")]) == list(charts(at)[t("kpi.by_unit", "zh")]["count"])
