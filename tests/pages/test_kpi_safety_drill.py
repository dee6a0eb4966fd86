"""Click-through from the safety KPI page: every point and bar of its activity charts opens the generated list of
that kind filtered to exactly the activities it counts, and the overdue count opens the overdue corrective actions;
the count on the list equals the number on the page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.testing.v1 import AppTest

from db.session import session_scope
from portal.i18n import t
from portal.services.kpi_safety import KINDS, SafetyOverview
from portal.widgets.kpi_safety_charts import activity_link, frames, overdue_link
from tests.helpers import node
from tests.pages.conftest import open_url
from tests.pages.test_kpi_safety_page import expected, log_activities, metric, open_safety


def listed(at: AppTest, target: tuple[str, dict[str, str]]) -> int:
    """Follow a link from the page to a generated list; the total the list says it holds."""
    url_path, params = target
    at.query_params.clear()
    at.query_params.update(params)
    open_url(at, url_path)
    assert not at.exception, at.exception
    assert at.title[0].value == t(f"activity.{url_path}" if url_path in KINDS else "page.corrective_action", "zh")
    found = [int(m.group(1)) for c in at.caption if (m := re.match(r"共 (\d+) 条", c.value))]
    assert found, [c.value for c in at.caption]
    return found[0]


def points(overview: SafetyOverview) -> list[tuple[str, str | None, dict[str, Any], int]]:
    """(chart, kind, clicked point, the number the page shows for it) for every point worth clicking."""
    data = frames(overview)
    found: list[tuple[str, str | None, dict[str, Any], int]] = []
    for kind in KINDS:
        found += [
            ("span", kind, {"span": s}, int(n))
            for s, n in zip(data[f"trend_{kind}"]["span"], data[f"trend_{kind}"]["count"], strict=True)
            if n
        ]
    found += [("year", None, {"code": a.kind}, a.count) for a in overview.year_to_date]
    found += [("kind", None, {"code": k.kind}, k.count) for k in overview.totals]  # its bar: the kind's card number
    found += [("venue", None, {"code": v.venue}, v.count) for v in overview.venues if v.venue and v.count]
    return found


def test_every_point_and_bar_opens_the_list_of_exactly_its_activities(logged_in: Callable[[str], AppTest]) -> None:
    log_activities("郑家台社区")
    st.cache_data.clear()
    with session_scope() as session:
        community = node(session, "郑家台社区").id
    for username, params in (
        ("leader", {"period": "this_year"}),
        ("leader", {"period": "this_month", "org": str(community)}),  # a unit picked: it and its grids
        ("leader.zjt", {"period": "this_year"}),
    ):
        at = open_safety(username, **params)
        shown = expected(username, params["period"], int(params["org"]) if "org" in params else None)
        assert shown.scope_org_id == (community if "org" in params else shown.scope_org_id)
        assert metric(at, t("activity.publicity", "zh")) == f"{shown.totals[3].count:,}"
        clicked = points(shown)
        assert any(c == "span" for c, *_ in clicked) and any(c == "venue" for c, *_ in clicked)
        for chart, kind, point, number in clicked:
            target = activity_link(chart, point, shown, kind)
            assert target is not None
            assert listed(at, target) == number, (username, chart, kind, point)


def test_the_overdue_count_opens_the_overdue_actions(logged_in: Callable[[str], AppTest]) -> None:
    log_activities("郑家台社区")  # one overdue action, on a drill
    st.cache_data.clear()
    for username in ("leader", "leader.zjt", "staff"):
        at = open_safety(username)
        shown = expected(username, "this_month")
        number = int(metric(at, t("safety.actions_overdue", "zh")).replace(",", ""))
        assert number == shown.actions_overdue >= 1
        link = next(e for e in at.get("page_link") if e.proto.label == t("safety.overdue_link", "zh", count=number))
        assert link.proto.page.endswith("corrective_action")
        url_path, params = overdue_link(shown)
        assert link.proto.query_string == "&".join(f"{k}={v}" for k, v in params.items())
        on_list = listed(at, (url_path, params))
        assert on_list == number, username
        assert at.selectbox(key="lc_corrective_action_view").value == "overdue"


def test_a_venue_without_a_type_opens_nothing_and_a_list_url_cannot_widen_the_scope(
    logged_in: Callable[[str], AppTest],
) -> None:
    log_activities("耿家庄社区")
    st.cache_data.clear()
    shown = expected("leader.zjt", "this_year")
    assert activity_link("venue", {"code": None}, shown) is None
    with session_scope() as session:
        other = node(session, "耿家庄社区").id
    link = activity_link("kind", {"code": "publicity"}, shown)
    assert link is not None
    params = dict(link[1], within=str(other))  # another community's activities, asked for by hand
    assert listed(open_safety("leader.zjt"), (link[0], params)) == 0
    assert listed(open_safety("leader"), (link[0], params)) >= 1  # the sub-district leader may see them
