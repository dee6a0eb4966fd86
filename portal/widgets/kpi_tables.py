"""The numbers behind the KPI overview's charts, and its early warnings, as tables with an XLSX download each."""

from __future__ import annotations

import pandas as pd

from portal.i18n import t
from portal.kpi_frames import frames, unit_name
from portal.services.kpi_overview import Overview
from portal.widgets import table_download


def tables(overview: Overview) -> list[tuple[str, str, pd.DataFrame]]:
    """(file name, title, table) for each chart, in the page's order; headers as the page shows them."""
    data = frames(overview)
    unit, category, cases = t("table.unit"), t("table.category"), t("table.cases")
    heat = data["heat"]
    pivot = (
        heat.pivot_table(index="unit", columns="category", values="count", aggfunc="sum", sort=False)
        .reset_index()
        .rename(columns={"unit": unit})
    )
    pivot.columns.name = None
    trend = data["trend"][["span", "count", "previous"]]
    return [
        ("kpi-units", t("kpi.by_unit"), data["units"][["unit", "count"]].set_axis([unit, cases], axis=1)),
        (
            "kpi-categories",
            t("kpi.by_category"),
            data["categories"][["category", "count"]].set_axis([category, cases], axis=1),
        ),
        (
            "kpi-trend",
            t("kpi.trend"),
            trend.set_axis([t("table.span"), t("kpi.this_period"), t("kpi.previous_period")], axis=1),
        ),
        ("kpi-heat-map", t("kpi.heat_map"), pivot if len(heat) else pd.DataFrame(columns=[unit])),
        (
            "kpi-status",
            t("kpi.funnel"),
            data["funnel"][["status", "count"]].set_axis([t("table.status"), cases], axis=1),
        ),
        ("kpi-handling-days", t("kpi.handling_days"), data["handling"].set_axis([category, t("table.days")], axis=1)),
        (
            "kpi-activities",
            t("kpi.activities"),
            data["activities"].set_axis([t("table.kind"), t("table.done"), t("table.target")], axis=1),
        ),
    ]


def warning_table(overview: Overview) -> pd.DataFrame:
    """The early warnings as rows (empty when there are none or the period is too long for the rule)."""
    columns = [t("table.unit"), t("table.category"), t("table.cases"), t("table.baseline"), t("table.threshold")]
    rows = [
        [
            unit_name(w.org_name, w.exact),
            w.category_name,
            w.count,
            round(w.mean, 1),
            round(w.threshold, 1),
        ]
        for w in overview.warnings or []
    ]
    return pd.DataFrame(rows, columns=columns)


def draw(overview: Overview) -> None:
    """The chart tables, folded away under the charts (made when opened), each with its download button."""
    table_download.folded(t("kpi.tables"), key="kpi_tables_open", found=lambda: tables(overview))
