"""The KPI charts on a page, and the drill-down: a clicked bar, cell or point opens exactly its cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from portal.i18n import t
from portal.kpi_frames import Columns, columns
from portal.kpi_links import case_params, drill_filters
from portal.services.cases import CaseFilters
from portal.services.kpi_overview import Overview
from portal.widgets import kpi_filters, vega

Drill = Callable[[dict[str, Any]], CaseFilters]


def _show(
    builder: str,
    data: Columns,
    key: str,
    selection: str | None = None,
    drill: Drill | None = None,
    where: Any = st,
    **options: Any,
) -> None:
    point = vega.show(builder, data, key=key, selection=selection if drill else None, where=where, **options)
    if point is not None and drill is not None:
        st.switch_page("pages/cases.py", query_params=case_params(drill(point)))


def draw(overview: Overview, base: CaseFilters) -> None:
    """Every chart of the page; clicking one opens the case list filtered to the clicked cases."""
    data = columns(overview)
    exact = {int(u) for u, e in zip(data["units"]["unit_id"], data["units"]["exact"], strict=True) if e}
    handling = data["handling"]
    timed = [i for i, days in enumerate(handling["days"]) if days is not None]  # categories with a solved case

    def drill(chart: str) -> Drill:
        return lambda point: drill_filters(chart, point, base, exact)

    left, right = st.columns(2)
    _show(
        "count_bars",
        data["units"],
        "kpi_chart_units",
        "pick_unit",
        drill("unit"),
        left,
        category="unit",
        value="count",
        title=t("kpi.by_unit"),
        select_field="unit_id",
        sort=None,
    )
    _show(
        "count_bars",
        data["categories"],
        "kpi_chart_categories",
        "pick_category",
        drill("category"),
        right,
        category="category",
        value="count",
        title=t("kpi.by_category"),
        select_field="category_id",
    )
    kpi_filters.grain_control(kpi_filters.CASE_GRAIN, overview.grain)
    _show(
        "trend_lines",
        data["trend"],
        "kpi_chart_trend",
        "pick_span",
        drill("span"),
        title=t("kpi.trend"),
        current=t("kpi.this_period"),
        previous=t("kpi.previous_period"),
    )
    _show("heat_map", data["heat"], "kpi_chart_heat", "pick_cell", drill("cell"), title=t("kpi.heat_map"))
    left, right = st.columns(2)
    _show(
        "count_bars",
        data["funnel"],
        "kpi_chart_funnel",
        "pick_status",
        drill("status"),
        left,
        category="status",
        value="count",
        title=t("kpi.funnel"),
        select_field="code",
        sort=None,
    )
    _show(
        "count_bars",
        {name: [values[i] for i in timed] for name, values in handling.items()},
        "kpi_chart_handling",
        where=right,
        category="category",
        value="days",
        title=t("kpi.handling_days"),
        fmt=".1f",
    )
    _show(
        "against_target",
        data["activities"],
        "kpi_chart_activities",
        item="kind",
        done="done",
        target="target",
        title=t("kpi.activities"),
    )
    st.caption(t("kpi.target_note", year=overview.end.year, end=overview.end))
