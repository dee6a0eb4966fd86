"""Every number on the KPI overview equals `portal kpi --json` for the same user, period and filters: for the demo
data, and for a small hand-built sub-district whose figures are counted by hand (tests/services)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from db.session import session_scope
from portal.cli import app
from portal.i18n import t
from portal.kpi_frames import unit_name
from portal.services.kpi_figures import HEADLINE
from tests.helpers import category, node
from tests.pages.conftest import (  # _pages_folder_is_ours: autouse, AppTest runs the router
    _pages_folder_is_ours,  # noqa: F401
    follow_link,
)
from tests.pages.test_kpi_page import charts
from tests.services.conftest import frozen_clock, world  # noqa: F401  (fixtures)
from tests.services.test_kpi_overview import april  # noqa: F401  (fixture)

runner = CliRunner()


def _number(text: str) -> float | None:
    """A card's value as a number: counts "1,234", rates "12.5%" (as 0.125), "—" for none."""
    if text == "—":
        return None
    return float(text.rstrip("%")) / 100 if text.endswith("%") else float(text.replace(",", ""))


def _none(value: Any) -> Any:
    return None if pd.isna(value) else value


def page_figures(at: AppTest) -> dict[str, Any]:
    """What the page shows, read off its cards and the data of its charts."""
    cards = {
        key: _number(next(m.value for m in at.metric if m.label == t(f"kpi.card.{key}", "zh"))) for key, _ in HEADLINE
    }
    drawn = charts(at)
    units, heat = drawn[t("kpi.by_unit", "zh")], drawn[t("kpi.heat_map", "zh")]
    categories, funnel = drawn[t("kpi.by_category", "zh")], drawn[t("kpi.funnel", "zh")]
    trend, handling = drawn[t("kpi.trend", "zh")], drawn[t("kpi.handling_days", "zh")]
    activities = drawn[t("kpi.activities", "zh")]
    spans = [s.partition(" – ") for s in trend["span"]]
    return {
        "cards": cards,
        "units": list(zip(units["unit"], units["count"], strict=True)),
        "categories": dict(zip(categories["category"], categories["count"], strict=True)),
        "heat": list(zip(heat["unit"], heat["category"], heat["count"], strict=True)),
        "funnel": dict(zip(funnel["code"], funnel["count"], strict=True)),
        "trend": [
            [a, c or a, n, _none(p)] for (a, _, c), n, p in zip(spans, trend["count"], trend["previous"], strict=True)
        ],
        "handling": {c: _none(d) for c, d in zip(handling["category"], handling["days"], strict=True)},
        "activities": {
            k: (int(d), _none(g)) for k, d, g in zip(*(activities[c] for c in ("kind", "done", "target")), strict=True)
        },
    }


def command_figures(data: dict[str, Any], units_shown: list[str]) -> dict[str, Any]:
    """The command's JSON in the page's shape (the page marks the scope node's own bar "（本级）")."""
    labels = {
        name: next(label for label in units_shown if label in (name, unit_name(name, True)))
        for name in data["cases_by_unit"]
    }
    current = data["current"]
    return {
        "cards": {key: None if current[key] is None else round(current[key], 3) for key, _ in HEADLINE},
        "units": [(labels[name], n) for name, n in data["cases_by_unit"].items()],
        "categories": data["cases_by_category"],
        "heat": [(labels[u], c, n) for u, c, n in data["heat_map"]],
        "funnel": data["funnel"],
        "trend": data["trend"],
        # days to 2 decimals (the chart: 1); the chart leaves out categories without a solved case
        "handling": {c: d for c, d in data["handling_days"].items() if d is not None},
        "activities": {k: (n, data["activity_targets"][k]) for k, n in data["activities_year_to_date"].items()},
    }


def assert_page_equals_command(username: str, params: dict[str, str], args: list[str]) -> dict[str, Any]:
    st.cache_data.clear()
    at = follow_link(username, **params)  # leaders land on the overview
    result = runner.invoke(app, ["kpi", "--json", "--as", username, *args])
    assert result.exit_code == 0, result.output
    data = dict(json.loads(result.stdout))
    page = page_figures(at)
    expected = command_figures(data, units_shown=[unit for unit, _ in page["units"]])
    cards, wanted = page.pop("cards"), expected.pop("cards")
    for key, value in wanted.items():  # rates are shown to a tenth of a percent
        assert (cards[key] is None) == (value is None), (key, cards[key], value)
        assert value is None or abs(cards[key] - value) <= 0.0005 + 1e-9, (key, cards[key], value)
    days, wanted_days = page.pop("handling"), expected.pop("handling")
    assert days.keys() == wanted_days.keys()
    for name, value in wanted_days.items():
        assert abs(days[name] - value) <= 0.05 + 0.005 + 1e-9, (name, days[name], value)
    assert page == expected, (username, params)
    return data


def test_each_number_on_the_overview_is_the_commands_for_the_demo_data(demo_database: str) -> None:
    with session_scope() as session:
        community, noise = node(session, "耿家庄社区").id, category(session, "环境卫生").id
    scenarios = [
        ("leader", {}, ["--period", "this_month"]),  # the page lands on this month, the command on all days
        ("leader", {"period": "this_week"}, ["--period", "this_week"]),
        ("leader", {"period": "last_week"}, ["--period", "last_week"]),
        (
            "leader",
            {"period": "custom", "from": "2026-03-01", "to": "2026-05-31"},
            ["--from", "2026-03-01", "--to", "2026-05-31"],
        ),
        (
            "leader",
            {"period": "this_year", "source": "xiaolan", "cat": str(noise)},
            ["--period", "this_year", "--source", "xiaolan", "--category", "环境卫生"],
        ),
        ("staff", {"period": "this_year", "org": str(community)}, ["--period", "this_year", "--org", "耿家庄社区"]),
        ("leader.zjt", {"period": "last_12_months"}, ["--period", "last_12_months"]),
    ]
    for username, params, args in scenarios:
        data = assert_page_equals_command(username, params, args)
        assert data["cases_total"] > 0, (username, params)


@pytest.mark.parametrize(
    ("username", "params", "args"),
    [
        ("leader", {"period": "this_month"}, ["--period", "this_month"]),
        (
            "leader",
            {"period": "custom", "from": "2026-03-01", "to": "2026-04-10"},
            ["--from", "2026-03-01", "--to", "2026-04-10"],
        ),
        ("leader", {"period": "this_month", "source": "hotline"}, ["--period", "this_month", "--source", "hotline"]),
        ("leader.zjt", {"period": "this_month"}, ["--period", "this_month"]),
    ],
)
@pytest.mark.usefixtures("april")
def test_each_number_on_the_overview_is_the_commands_for_a_hand_built_sub_district(
    username: str, params: dict[str, str], args: list[str]
) -> None:
    data = assert_page_equals_command(username, params, args)
    if username == "leader" and params == {"period": "this_month"}:  # 1-10 April 2026, counted by hand:
        # four cases (1 April closed, 2 April in progress, 3 April rejected, 10 April new); 1-10 March: two
        assert (data["cases_total"], data["current"]["concluded"], data["previous"]["received"]) == (4, 1, 2)
