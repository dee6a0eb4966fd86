"""The safety page's charts and their click-through: a clicked point or bar opens the generated list of that
activity kind filtered to exactly the activities it counts; the overdue count opens the overdue actions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from portal.i18n import t
from portal.lowcode import links
from portal.lowcode.ui import page_for
from portal.services.kpi_safety import KINDS, SafetyOverview
from portal.widgets import kpi_filters, vega

PUBLICITY = "publicity"


def kind_name(kind: str) -> str:
    return t(f"activity.{kind}")


def frames(overview: SafetyOverview) -> dict[str, pd.DataFrame]:
    """Each chart's data as plain tables, keyed by chart (trend_<kind> per kind)."""
    found = {
        f"trend_{kind}": pd.DataFrame(
            [
                {
                    "start": p.start.isoformat(),
                    "span": f"{p.start} – {p.end}" if p.end != p.start else str(p.start),
                    "count": p.count,
                    "previous": p.previous,
                }
                for p in points
            ],
            columns=["start", "span", "count", "previous"],
        )
        for kind, points in overview.trend.items()
    }
    found["target"] = pd.DataFrame(
        [
            {"kind": kind_name(a.kind), "done": a.count, "target": a.target, "code": a.kind}
            for a in overview.year_to_date
        ],
        columns=["kind", "done", "target", "code"],
    )
    found["participants"] = pd.DataFrame(
        [{"kind": kind_name(k.kind), "participants": k.participants, "code": k.kind} for k in overview.totals],
        columns=["kind", "participants", "code"],
    )
    found["venues"] = pd.DataFrame(
        [
            {"venue": t(f"venue.{v.venue}") if v.venue else t("safety.no_venue"), "count": v.count, "code": v.venue}
            for v in overview.venues
        ],
        columns=["venue", "count", "code"],
    )
    return found


def activity_link(
    chart: str, point: Mapping[str, Any], overview: SafetyOverview, kind: str | None = None
) -> tuple[str, dict[str, str]] | None:
    """The generated list (its url path and query) of exactly the activities behind one clicked point or bar.

    `chart`: span (a point of `kind`'s trend: `span`, "first – last" or one day), kind (a bar per kind over the
    period: `code`), year (a bar of the year so far: `code`), venue (a publicity venue bar: `code`; events logged
    without a venue type have no filter to show them by, so that bar opens nothing).
    """
    window: tuple[date, date] = (overview.start, overview.end)
    extra: dict[str, Any] = {}
    if chart == "span":
        first, _, last = str(point["span"]).partition(" – ")
        window = (date.fromisoformat(first), date.fromisoformat(last or first))
    elif chart in ("kind", "year"):
        kind = str(point["code"])
        if chart == "year":
            window = (date(overview.end.year, 1, 1), overview.end)
    elif chart == "venue":
        if not point.get("code"):
            return None
        kind, extra = PUBLICITY, {"venue_type": str(point["code"])}
    if kind not in KINDS:
        return None
    return kind, links.list_params({"starts_at": window, **extra}, within=overview.scope_org_id)


def overdue_link(overview: SafetyOverview) -> tuple[str, dict[str, str]]:
    """The corrective-action list showing exactly the overdue actions the page counts."""
    return "corrective_action", links.list_params(view="overdue", within=overview.scope_org_id)


def page(url_path: str) -> Any:
    """The navigation page of a generated list (st.switch_page and st.page_link find it by its url path)."""
    return st.Page(page_for(url_path), url_path=url_path)


def _open(target: tuple[str, dict[str, str]] | None) -> None:
    if target is not None:
        st.switch_page(page(target[0]), query_params=target[1])


def draw(overview: SafetyOverview) -> None:
    """The trends per kind, the year against target, participants and venues; each point and bar opens its list."""
    data = frames(overview)
    links.forget()  # a click opens its list even if the same list was opened from here before
    kpi_filters.grain_control(kpi_filters.SAFETY_GRAIN, overview.grain)
    st.caption(t("safety.drill_note"))
    for pair in (KINDS[:2], KINDS[2:]):
        for column, kind in zip(st.columns(2), pair, strict=True):
            point = vega.show(
                "trend_lines",
                data[f"trend_{kind}"],
                key=f"safety_chart_trend_{kind}",
                selection="pick_span",
                where=column,
                title=t("safety.trend", kind=kind_name(kind)),
                current=t("kpi.this_period"),
                previous=t("kpi.previous_period"),
            )
            if point is not None:
                _open(activity_link("span", point, overview, kind))
    picked = vega.show(
        "against_target",
        data["target"],
        key="safety_chart_target",
        selection="pick_year",
        item="kind",
        done="done",
        target="target",
        title=t("safety.year_to_date", year=overview.end.year, end=overview.end),
        select_field="code",
    )
    if picked is not None:
        _open(activity_link("year", picked, overview))
    left, right = st.columns(2)
    for where, chart, name, category, value, title in (
        (left, "kind", "participants", "kind", "participants", t("safety.participants")),
        (right, "venue", "venues", "venue", "count", t("safety.venues")),
    ):
        picked = vega.show(
            "count_bars",
            data[name],
            key=f"safety_chart_{name}",
            selection=f"pick_{chart}",
            where=where,
            category=category,
            value=value,
            title=title,
            select_field="code",
            sort=None,
        )
        if picked is not None:
            _open(activity_link(chart, picked, overview))
