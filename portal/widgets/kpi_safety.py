"""The live part of the safety KPI page: activity cards, charts over time and against target, tables with XLSX
downloads, corrective actions open and overdue; re-read every few seconds by itself."""

from __future__ import annotations

import time
from datetime import date

import pandas as pd
import streamlit as st

from db.session import session_scope
from portal import clock, ui
from portal.config import get_settings
from portal.i18n import t
from portal.kpi_links import KpiView
from portal.services.actor import Actor
from portal.services.kpi_safety import KINDS, SafetyOverview, kpi_safety
from portal.widgets import kpi_filters, kpi_safety_charts, table_download
from portal.widgets.kpi_safety_charts import frames, kind_name


@st.cache_data(ttl=3600, max_entries=500, show_spinner=False, hash_funcs=ui.CACHE_KEYS)
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
    grain = st.session_state.get(kpi_filters.SAFETY_GRAIN) or view.grain
    view = KpiView(view.period, view.custom, view.org_id, grain=grain)
    with ui.reported_errors():
        overview = load(actor, view)
        before = overview.previous
        st.caption(
            t(
                "safety.view_line",
                scope=ui.inert(overview.scope_name),
                start=overview.start,
                end=overview.end,
                previous=f"{before[0]} – {before[1]}" if before else "—",
                updated=ui.local(clock.now(), "%H:%M:%S"),
                every=int(get_settings().kpi_refresh_seconds),
            )
        )
        cards(overview)
        kpi_safety_charts.draw(overview)
        draw_tables(overview)
        overdue(overview)


def cards(overview: SafetyOverview) -> None:
    """Activities of each kind with the change against the previous period; corrective actions open and overdue."""
    columns = st.columns(len(KINDS) + 2)
    for column, row in zip(columns, overview.totals, strict=False):
        change = None if row.previous_count is None else f"{row.count - row.previous_count:+,}"
        column.metric(kind_name(row.kind), f"{row.count:,}", delta=change, help=t("safety.card_help"))
    columns[-2].metric(t("safety.actions_open"), f"{overview.actions_open:,}", help=t("safety.actions_help"))
    columns[-1].metric(t("safety.actions_overdue"), f"{overview.actions_overdue:,}", help=t("safety.actions_help"))


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
            data["target"][["kind", "done", "target"]].set_axis(
                [t("table.kind"), t("table.done"), t("table.target")], axis=1
            ),
        ),
        (
            "safety-venues",
            t("safety.venues"),
            data["venues"][["venue", "count"]].set_axis([t("activity.venue_type"), t("safety.col.count")], axis=1),
        ),
    ]


def draw_tables(overview: SafetyOverview) -> None:
    found = tables(overview)
    table_download.tables(found[:2])  # per kind and per unit: read at a glance
    table_download.folded(t("kpi.tables"), key="safety_tables_open", found=lambda: found[2:])


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
    url_path, params = kpi_safety_charts.overdue_link(overview)
    st.page_link(
        kpi_safety_charts.page(url_path),
        label=t("safety.overdue_link", count=overview.actions_overdue),
        icon=":material/open_in_new:",
        query_params=params,
    )
    frame = overdue_table(overview)
    st.dataframe(frame, hide_index=True, width="stretch")
    table_download.button(frame, title=t("safety.overdue"), name="safety-overdue-actions", key="xlsx_safety-overdue")
