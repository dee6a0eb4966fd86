"""The live part of the safety KPI page: activity cards, charts over time and against target, tables with XLSX
downloads, corrective actions open and overdue; re-read every few seconds by itself."""

from __future__ import annotations

import time
from datetime import date

import pandas as pd
import streamlit as st

from db.session import session_scope
from portal import charts, clock, ui
from portal.config import get_settings
from portal.i18n import t
from portal.kpi_links import KpiView
from portal.periods import GRAINS
from portal.services.actor import Actor
from portal.services.kpi_safety import KINDS, SafetyOverview, kpi_safety
from portal.widgets import table_download


@st.cache_data(ttl=3600, max_entries=500, show_spinner=False)
def cached(
    actor: Actor, start: date, end: date, org_id: int | None, period: str, grain: str | None, bucket: int
) -> SafetyOverview:
    # Keyed by the actor (its scope), the view and a time bucket of half the refresh interval, as the overview.
    with session_scope() as session:
        return kpi_safety(
            session=session, actor=actor, date_from=start, date_to=end, org_id=org_id, period=period, grain=grain
        )


def load(actor: Actor, view: KpiView) -> SafetyOverview:
    """The figures of a view, from the cache when they are fresh enough."""
    start, end = view.dates(clock.today())
    assert start is not None and end is not None  # every period the page offers is bounded
    ttl = max(1.0, get_settings().kpi_refresh_seconds / 2)
    return cached(actor, start, end, view.org_id, view.period, view.grain, int(time.time() // ttl))


def live(actor: Actor, view: KpiView) -> None:
    """Draw the figures in a fragment that re-runs every PORTAL_KPI_REFRESH_SECONDS (filters stay as they are)."""
    st.fragment(run_every=get_settings().kpi_refresh_seconds)(_draw)(actor, view)


def _draw(actor: Actor, view: KpiView) -> None:
    view = KpiView(view.period, view.custom, view.org_id, grain=st.session_state.get("kpi_grain") or view.grain)
    with ui.reported_errors():
        overview = load(actor, view)
        before = overview.previous
        st.caption(
            t(
                "safety.view_line",
                scope=overview.scope_name,
                start=overview.start,
                end=overview.end,
                previous=f"{before[0]} – {before[1]}" if before else "—",
                updated=ui.local(clock.now(), "%H:%M:%S"),
                every=int(get_settings().kpi_refresh_seconds),
            )
        )
        cards(overview)
        draw_charts(overview)
        draw_tables(overview)
        overdue(overview)


def kind_name(kind: str) -> str:
    return t(f"activity.{kind}")


def cards(overview: SafetyOverview) -> None:
    """Activities of each kind with the change against the previous period; corrective actions open and overdue."""
    columns = st.columns(len(KINDS) + 2)
    for column, row in zip(columns, overview.totals, strict=False):
        change = None if row.previous_count is None else f"{row.count - row.previous_count:+,}"
        column.metric(kind_name(row.kind), f"{row.count:,}", delta=change, help=t("safety.card_help"))
    columns[-2].metric(t("safety.actions_open"), f"{overview.actions_open:,}", help=t("safety.actions_help"))
    columns[-1].metric(t("safety.actions_overdue"), f"{overview.actions_overdue:,}", help=t("safety.actions_help"))


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
        [{"kind": kind_name(a.kind), "done": a.count, "target": a.target} for a in overview.year_to_date],
        columns=["kind", "done", "target"],
    )
    found["participants"] = pd.DataFrame(
        [{"kind": kind_name(k.kind), "participants": k.participants} for k in overview.totals],
        columns=["kind", "participants"],
    )
    found["venues"] = pd.DataFrame(
        [
            {"venue": t(f"venue.{v.venue}") if v.venue else t("safety.no_venue"), "count": v.count}
            for v in overview.venues
        ],
        columns=["venue", "count"],
    )
    return found


def draw_charts(overview: SafetyOverview) -> None:
    data = frames(overview)
    if st.session_state.get("kpi_grain") is None:
        st.session_state["kpi_grain"] = overview.grain  # the period's natural grain until the user picks one
    st.segmented_control(t("kpi.grain"), GRAINS, format_func=lambda g: t(f"kpi.grain.{g}"), key="kpi_grain")
    for pair in (KINDS[:2], KINDS[2:]):
        for column, kind in zip(st.columns(2), pair, strict=True):
            chart = charts.trend_lines(
                data[f"trend_{kind}"],
                title=t("safety.trend", kind=kind_name(kind)),
                current=t("kpi.this_period"),
                previous=t("kpi.previous_period"),
            )
            column.altair_chart(chart, width="stretch", key=f"safety_chart_trend_{kind}")
    title = t("safety.year_to_date", year=overview.end.year, end=overview.end)
    target = charts.against_target(data["target"], item="kind", done="done", target="target", title=title)
    st.altair_chart(target, width="stretch", key="safety_chart_target")
    left, right = st.columns(2)
    people = charts.count_bars(
        data["participants"], category="kind", value="participants", title=t("safety.participants"), sort=None
    )
    left.altair_chart(people, width="stretch", key="safety_chart_participants")
    venues = charts.count_bars(data["venues"], category="venue", value="count", title=t("safety.venues"), sort=None)
    right.altair_chart(venues, width="stretch", key="safety_chart_venues")


def tables(overview: SafetyOverview) -> list[tuple[str, str, pd.DataFrame]]:
    """(file name, title, table) of every table the page shows, headers as shown."""
    kinds = [kind_name(k) for k in KINDS]
    per_kind = pd.DataFrame(
        [
            [
                kind_name(k.kind),
                k.count,
                k.previous_count,
                k.participants,
                k.previous_participants,
                k.hours,
                k.previous_hours,
            ]
            for k in overview.totals
        ],
        columns=[
            t("table.kind"),
            t("safety.col.count"),
            t("safety.col.previous_count"),
            t("safety.col.participants"),
            t("safety.col.previous_participants"),
            t("safety.col.hours"),
            t("safety.col.previous_hours"),
        ],
    )
    units = pd.DataFrame(
        [
            [t("kpi.unit_itself", name=u.name) if u.exact else u.name, *(u.counts[k] for k in KINDS), u.participants]
            for u in overview.by_unit
        ],
        columns=[t("table.unit"), *kinds, t("safety.col.participants")],
    )
    data = frames(overview)
    first = data[f"trend_{KINDS[0]}"]
    trend = pd.DataFrame({t("table.span"): first["span"]})
    for kind in KINDS:
        trend[kind_name(kind)] = data[f"trend_{kind}"]["count"]
        trend[t("safety.col.previous_of", kind=kind_name(kind))] = data[f"trend_{kind}"]["previous"]
    return [
        ("safety-by-kind", t("safety.by_kind"), per_kind),
        ("safety-by-unit", t("safety.by_unit"), units),
        ("safety-trend", t("safety.trend_table"), trend),
        (
            "safety-year-to-date",
            t("safety.year_to_date", year=overview.end.year, end=overview.end),
            data["target"].set_axis([t("table.kind"), t("table.done"), t("table.target")], axis=1),
        ),
        (
            "safety-venues",
            t("safety.venues"),
            data["venues"].set_axis([t("activity.venue_type"), t("safety.col.count")], axis=1),
        ),
    ]


def draw_tables(overview: SafetyOverview) -> None:
    found = tables(overview)
    for name, title, frame in found[:2]:  # per kind and per unit: read at a glance
        table_download.table(frame, title=title, name=name, key=f"xlsx_{name}")
    with st.expander(t("kpi.tables")):
        for name, title, frame in found[2:]:
            table_download.table(frame, title=title, name=name, key=f"xlsx_{name}")


def overdue_table(overview: SafetyOverview) -> pd.DataFrame:
    """The overdue corrective actions, longest overdue first."""
    return pd.DataFrame(
        [
            [a.description, a.activity, a.unit, a.owner, a.due_on, a.days_overdue, t(f"action_status.{a.status}")]
            for a in overview.overdue
        ],
        columns=[
            t("corrective.description"),
            t("corrective.activity"),
            t("table.unit"),
            t("corrective.owner"),
            t("corrective.due_on"),
            t("safety.col.days_overdue"),
            t("corrective.status"),
        ],
    )


def overdue(overview: SafetyOverview) -> None:
    st.subheader(t("safety.overdue"))
    st.caption(t("safety.actions_help"))
    if not overview.overdue:
        st.success(t("safety.none_overdue"))
        return
    if overview.actions_overdue > len(overview.overdue):
        st.caption(t("safety.overdue_cut", shown=len(overview.overdue), total=overview.actions_overdue))
    frame = overdue_table(overview)
    st.dataframe(frame, hide_index=True, width="stretch")
    table_download.button(frame, title=t("safety.overdue"), name="safety-overdue-actions", key="xlsx_safety-overdue")
