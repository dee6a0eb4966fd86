"""KPI overview: the leaders' landing page."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from db.models import CaseSource
from db.session import session_scope
from portal import charts, clock, periods, ui
from portal.defaults import KPI_CACHE_TTL_SECONDS
from portal.i18n import label, t
from portal.services import orgs
from portal.services.actor import Actor
from portal.services.kpi import KpiFilters, KpiSummary, kpi_summary

actor = ui.require_page("kpi")
st.title(t("page.kpi"))


@st.cache_data(ttl=KPI_CACHE_TTL_SECONDS, show_spinner=False)
def _summary(actor: Actor, filters: KpiFilters) -> KpiSummary:
    # Keyed by the actor (its scope) and the filters; workers write the database too, hence the short TTL.
    with session_scope() as session:
        return kpi_summary(session=session, actor=actor, filters=filters)


@st.cache_data(ttl=300, show_spinner=False)
def _nodes(actor: Actor) -> list[tuple[int, str]]:
    with session_scope() as session:
        return [(n.id or 0, n.name) for n in orgs.visible_nodes(session=session, actor=actor) if n.kind != "grid"]


today = clock.today()
left, middle, right = st.columns(3)
period = left.selectbox(t("filter.period"), periods.PERIODS, format_func=lambda p: t(f"period.{p}"), key="kpi_period")
custom: tuple[date, date] | None = None
if period == "custom":
    picked = left.date_input(t("filter.custom_range"), (today.replace(day=1), today), key="kpi_custom")
    custom = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (today, today)
source = middle.selectbox(
    t("filter.source"),
    [None, *[s.value for s in CaseSource]],
    format_func=lambda s: t("filter.all") if s is None else label("source", s),
    key="kpi_source",
)
nodes = _nodes(actor)
org_id = right.selectbox(t("filter.unit"), [n for n, _ in nodes], format_func=dict(nodes).get, key="kpi_org")
date_from, date_to = periods.resolve(period, today, custom)
summary = _summary(actor, KpiFilters(date_from=date_from, date_to=date_to, source=source, org_id=org_id))

st.caption(
    t(
        "kpi.scope_line",
        scope=summary.scope_name,
        period=t(f"period.{period}"),
        start=date_from or "—",
        end=date_to or "—",
        tz=clock.local_tz().key,
    )
)


def share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


row1 = st.columns(5)
row1[0].metric(t("kpi.cases_total"), f"{summary.cases_total:,}")
row1[1].metric(t("kpi.concluded_share"), share(summary.concluded_share), help=t("kpi.concluded_help"))
row1[2].metric(t("kpi.resolved_share"), share(summary.resolved_share), help=t("kpi.resolved_help"))
row1[3].metric(t("kpi.on_time_share"), share(summary.on_time_share), help=t("kpi.on_time_help"))
row1[4].metric(t("kpi.overdue_now"), f"{summary.overdue_now:,}", help=t("kpi.overdue_help"))
row2 = st.columns(5)
row2[0].metric(t("kpi.closed_at_grid_share"), share(summary.closed_at_grid_share), help=t("kpi.closed_at_grid_help"))
row2[1].metric(t("kpi.satisfaction_share"), share(summary.satisfaction_share), help=t("kpi.satisfaction_help"))
row2[2].metric(t("kpi.mediations"), f"{summary.outcomes.mediations:,}")
row2[3].metric(t("kpi.mediation_success_share"), share(summary.mediation_success_share))
row2[4].metric(t("kpi.activities_total"), f"{sum(a.count for a in summary.activities):,}")

unit_col, cat_col = st.columns(2)
units = pd.DataFrame([{"unit": u.name, "count": u.count} for u in summary.by_unit])
unit_col.altair_chart(charts.count_bars(units, category="unit", value="count", title=t("kpi.by_unit")), width="stretch")
categories = pd.DataFrame([{"category": c.name, "count": c.count} for c in summary.by_category])
cat_col.altair_chart(
    charts.count_bars(categories, category="category", value="count", title=t("kpi.by_category")), width="stretch"
)

activity = pd.DataFrame(
    [{"kind": t(f"activity.{a.kind}"), "done": a.count, "target": a.target} for a in summary.activities]
)
st.altair_chart(
    charts.progress_against_target(activity, item="kind", done="done", target="target", title=t("kpi.activities")),
    width="stretch",
)
st.caption(t("kpi.target_note", year=(date_to or today).year))
