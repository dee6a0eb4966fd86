"""`portal kpi --json --page safety` prints exactly what the safety page shows for the same scope, period and unit:
read off the page (cards, charts, tables) and compared with the command, on the demo data and on a small
hand-built sub-district whose numbers tests/services/test_kpi_safety.py counts by hand."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from db.session import session_scope
from portal.cli import app
from portal.i18n import t
from portal.services.kpi_safety import KINDS
from tests.helpers import node
from tests.pages.conftest import _pages_folder_is_ours  # noqa: F401  (autouse: AppTest runs the router)
from tests.pages.test_kpi_page import charts
from tests.pages.test_kpi_safety_page import log_activities, open_safety
from tests.services.conftest import frozen_clock, world  # noqa: F401  (fixtures)
from tests.services.test_kpi_safety import ZJT, logged  # noqa: F401  (fixture)
from tests.test_cli import portal

runner = CliRunner()


def _none(value: Any) -> Any:
    return None if pd.isna(value) else value


def _days(span: str) -> tuple[str, str]:
    first, _, last = span.partition(" – ")
    return first, last or first


def shown(at: AppTest) -> dict[str, Any]:
    """The page's figures, read off its cards, charts and tables, in the shape of the command's JSON."""
    kind_of = {t(f"activity.{k}", "zh"): k for k in KINDS}
    metrics = {m.label: int(m.value.replace(",", "")) for m in at.metric}
    tables = [d.value for d in at.main.dataframe]
    per_kind = tables[0].set_index(t("table.kind", "zh")).rename(index=kind_of)
    units = tables[1]
    overdue = next((d for d in tables if t("corrective.description", "zh") in d.columns), None)
    drawn = charts(at)
    column = {
        name: t(f"safety.col.{name}", "zh")
        for name in ("count", "previous_count", "participants", "previous_participants", "hours", "previous_hours")
    }
    figures: dict[str, Any] = {
        "count": {k: metrics[t(f"activity.{k}", "zh")] for k in KINDS},
        **{key: {k: _none(per_kind.loc[k, label]) for k in KINDS} for key, label in column.items() if key != "count"},
        "table_count": {k: int(per_kind.loc[k, column["count"]]) for k in KINDS},
        "trend": {},
        "actions_open": metrics[t("safety.actions_open", "zh")],
        "actions_overdue": metrics[t("safety.actions_overdue", "zh")],
    }
    for kind in KINDS:
        chart = drawn[t("safety.trend", "zh", kind=t(f"activity.{kind}", "zh"))]
        figures["trend"][kind] = [
            {"from": _days(s)[0], "to": _days(s)[1], "count": int(c), "previous": _none(p)}
            for s, c, p in zip(chart["span"], chart["count"], chart["previous"], strict=True)
        ]
    target = next(chart for chart in drawn.values() if "done" in chart.columns)  # the year so far against target
    figures["year_to_date"] = {kind_of[k]: int(d) for k, d in zip(target["kind"], target["done"], strict=True)}
    figures["targets"] = {kind_of[k]: _none(v) for k, v in zip(target["kind"], target["target"], strict=True)}
    people = drawn[t("safety.participants", "zh")]
    figures["chart_participants"] = {
        kind_of[k]: int(n) for k, n in zip(people["kind"], people["participants"], strict=True)
    }
    venue_of = {t(f"venue.{v}", "zh"): v for v in ("enterprise", "rural", "community", "school", "family")}
    venue_of[t("safety.no_venue", "zh")] = None
    venues = drawn[t("safety.venues", "zh")]
    figures["venues"] = {venue_of[v]: int(n) for v, n in zip(venues["venue"], venues["count"], strict=True)}
    figures["by_unit"] = [
        [row.iloc[0], *(int(row[t(f"activity.{k}", "zh")]) for k in KINDS), int(row[column["participants"]])]
        for _, row in units.iterrows()
    ]
    figures["overdue"] = (
        []
        if overdue is None
        else [
            [d, str(due), int(n)]
            for d, due, n in zip(
                overdue[t("corrective.description", "zh")],
                overdue[t("corrective.due_on", "zh")],
                overdue[t("safety.col.days_overdue", "zh")],
                strict=True,
            )
        ]
    )
    return figures


def expected(data: dict[str, Any]) -> dict[str, Any]:
    """The command's JSON, cut to what the page shows (the same keys as `shown`)."""
    keys = ("count", "previous_count", "participants", "previous_participants", "hours", "previous_hours", "trend")
    return {
        **{key: data[key] for key in keys},
        "table_count": data["count"],
        "actions_open": data["actions_open"],
        "actions_overdue": data["actions_overdue"],
        "year_to_date": data["year_to_date"],
        "targets": data["targets"],
        "chart_participants": data["participants"],
        "venues": {None if v == "null" else v: n for v, n in data["venues"].items()},
        "by_unit": [
            [
                t("kpi.unit_itself", "zh", name=u["name"]) if u["exact"] else u["name"],
                *(u["count"][k] for k in KINDS),
                u["participants"],
            ]
            for u in data["by_unit"]
        ],
        "overdue": [[a["description"], a["due_on"], a["days_overdue"]] for a in data["overdue"]],
    }


def command(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["kpi", "--json", "--page", "safety", *args])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_the_command_prints_what_the_safety_page_shows_for_the_demo_data(demo_database: str) -> None:
    log_activities("郑家台社区")  # this month: a drill with an overdue action, a publicity event at a school
    st.cache_data.clear()
    for username, params in (("leader", {}), ("leader", {"period": "this_year"}), ("leader.zjt", {})):
        at = open_safety(username, **params)
        result = portal(
            "kpi", "--json", "--page", "safety", "--as", username, *(f"--{k}={v}" for k, v in params.items())
        )
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert shown(at) == expected(data), (username, params)
        assert data["actions_overdue"] >= 1 and data["count"]["publicity"] >= 1


@pytest.mark.parametrize(
    ("username", "params", "args"),
    [
        ("leader", {}, []),
        ("leader", {"period": "this_year"}, ["--period", "this_year"]),
        (
            "leader",
            {"period": "custom", "from": "2026-03-01", "to": "2026-04-10"},
            ["--from", "2026-03-01", "--to", "2026-04-10"],
        ),
        ("leader.zjt", {}, []),
    ],
)
@pytest.mark.usefixtures("logged")
def test_the_command_prints_what_the_safety_page_shows_for_a_hand_built_sub_district(
    username: str, params: dict[str, str], args: list[str]
) -> None:
    st.cache_data.clear()
    at = open_safety(username, **params)
    data = command("--as", username, *args)
    assert shown(at) == expected(data)
    if username == "leader" and not params:  # this month, 1-10 April 2026: the hand-counted figures
        assert data["count"] == {"emergency_drill": 2, "joint_rescue_drill": 1, "safety_training": 1, "publicity": 3}
        assert data["previous"] == {"from": "2026-03-01", "to": "2026-03-10"}
        assert (data["actions_open"], data["actions_overdue"]) == (4, 3)
        assert [a["days_overdue"] for a in data["overdue"]] == [21, 5, 1]


@pytest.mark.usefixtures("logged")
def test_a_unit_picked_on_the_page_is_the_org_option() -> None:
    st.cache_data.clear()
    with session_scope() as session:
        community = node(session, ZJT).id
    at = open_safety("leader", org=str(community))
    assert shown(at) == expected(command("--org", ZJT))
    assert command("--org", ZJT) == command("--as", "leader.zjt")  # the community's own leader sees the same
    assert command()["from"] == date(2026, 4, 1).isoformat()  # the page's landing period: this month


@pytest.mark.usefixtures("logged")
def test_bad_arguments_are_refused_with_a_reason() -> None:
    for args, reason in (
        (["--source", "hotline"], "do not apply"),
        (["--period", "all"], "unknown period"),
        (["--from", "2026-04-01"], "both --from and --to"),
        (["--grain", "hour"], "unknown grain"),
    ):
        result = runner.invoke(app, ["kpi", "--json", "--page", "safety", *args])
        assert result.exit_code == 2 and reason in result.stderr, (args, result.output)
    unknown = runner.invoke(app, ["kpi", "--page", "cases"])
    assert unknown.exit_code == 2 and "unknown page" in unknown.stderr


@pytest.mark.usefixtures("logged")
@pytest.mark.parametrize("page", ["overview", "safety"])
def test_dates_off_the_calendar_are_refused_with_the_range_that_is_read(page: str) -> None:
    for start, end in (("0001-01-01", "0001-01-05"), ("2026-01-01", "9999-12-31")):
        result = runner.invoke(app, ["kpi", "--json", "--page", page, "--from", start, "--to", end])
        assert result.exit_code == 2, result.output
        assert "dates must lie between 2000-01-01 and 2099-12-31" in result.stderr
