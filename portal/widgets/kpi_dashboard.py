"""The live part of a KPI page: headline cards, charts, early warnings; re-read every few seconds by itself."""

from __future__ import annotations

import time

import streamlit as st

from db.session import session_scope
from portal import clock, ui
from portal.config import get_settings
from portal.defaults import EARLY_WARNING_BASELINE_PERIODS, EARLY_WARNING_MIN_CASES, EARLY_WARNING_SIGMAS
from portal.i18n import t
from portal.kpi_frames import unit_name
from portal.kpi_links import KpiView, case_params, warning_filters
from portal.services.actor import Actor
from portal.services.cases import CaseFilters
from portal.services.kpi import KpiFilters
from portal.services.kpi_figures import HEADLINE
from portal.services.kpi_overview import Overview, kpi_overview
from portal.widgets import kpi_charts, kpi_filters, kpi_tables, table_download


@st.cache_data(ttl=3600, max_entries=500, show_spinner=False, hash_funcs=ui.CACHE_KEYS)
def cached_overview(actor: Actor, filters: KpiFilters, period: str, grain: str | None, bucket: int) -> Overview:
    # Keyed by the actor (its scope), the filters and a time bucket of half the refresh interval: a short TTL
    # that follows the setting. Workers and other sessions write the database too.
    with session_scope() as session:
        return kpi_overview(session=session, actor=actor, filters=filters, period=period, grain=grain)


def load(actor: Actor, view: KpiView) -> Overview:
    """The figures of a view, from the cache when they are fresh enough."""
    start, end = view.dates(clock.today())
    filters = KpiFilters(
        date_from=start, date_to=end, source=view.source, category_id=view.category_id, org_id=view.org_id
    )
    ttl = max(1.0, get_settings().kpi_refresh_seconds / 2)
    return cached_overview(actor, filters, view.period, view.grain, int(time.time() // ttl))


def live(actor: Actor, view: KpiView) -> None:
    """Draw the figures in a fragment that re-runs every PORTAL_KPI_REFRESH_SECONDS (filters stay as they are)."""
    st.fragment(run_every=get_settings().kpi_refresh_seconds)(_draw)(actor, view)


def _draw(actor: Actor, view: KpiView) -> None:
    grain = st.session_state.get(kpi_filters.CASE_GRAIN)
    view = KpiView(view.period, view.custom, view.org_id, view.source, view.category_id, grain or view.grain)
    with ui.reported_errors():
        overview = load(actor, view)
        _caption(overview)
        cards(overview)
        kpi_charts.draw(overview, base_filters(overview))
        kpi_tables.draw(overview)
        warnings(overview)


def base_filters(overview: Overview) -> CaseFilters:
    """The case-list filters of everything the page counts (each chart narrows them further)."""
    f = overview.filters
    return CaseFilters(
        date_from=overview.start, date_to=overview.end, org_id=f.org_id, category_id=f.category_id, source=f.source
    )


def _caption(overview: Overview) -> None:
    before = overview.previous
    st.caption(
        t(
            "kpi.view_line",
            scope=ui.inert(overview.scope_name),
            start=overview.start,
            end=overview.end,
            previous=f"{before[0]} – {before[1]}" if before else "—",
            tz=clock.local_tz().key,
            updated=ui.local(clock.now(), "%H:%M:%S"),
            every=int(get_settings().kpi_refresh_seconds),
        )
    )


def _value(kind: str, value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1%}" if kind == "rate" else f"{int(value):,}"


def _delta(kind: str, change: float | None) -> str | None:
    if change is None:
        return None
    if kind == "rate":
        return t("kpi.delta_points", points=f"{change * 100:+.1f}")
    return f"{int(change):+,}"


def cards(overview: Overview) -> None:
    """The headline figures, each with its change against the previous period of equal length."""
    current = overview.current
    for row in (HEADLINE[:5], HEADLINE[5:]):
        for column, (key, kind) in zip(st.columns(5), row, strict=True):
            column.metric(
                t(f"kpi.card.{key}"),
                _value(kind, current.value(key)),
                delta=_delta(kind, overview.change(key)),
                delta_color="inverse" if key == "overdue_now" else "normal",
                help=t(f"kpi.card.{key}.help"),
            )


def warnings(overview: Overview) -> None:
    """Units whose count in a category is well above their own baseline, each linking to its cases."""
    st.subheader(t("kpi.warnings"))
    st.caption(
        t(
            "kpi.warning_rule",
            periods=EARLY_WARNING_BASELINE_PERIODS,
            sigmas=f"{EARLY_WARNING_SIGMAS:g}",
            minimum=EARLY_WARNING_MIN_CASES,
        )
    )
    if overview.warnings is None:
        st.info(t("kpi.warning_period_too_long"))
        return
    if not overview.warnings:
        st.success(t("kpi.no_warnings"))
        return
    base = base_filters(overview)
    for warning in overview.warnings:
        name = unit_name(warning.org_name, warning.exact)
        st.page_link(
            "pages/cases.py",
            label=t(
                "kpi.warning_row",
                unit=ui.inert(name),
                category=ui.inert(warning.category_name),
                count=warning.count,
                mean=f"{warning.mean:.1f}",
                threshold=f"{warning.threshold:.1f}",
            ),
            icon=":material/warning:",
            query_params=case_params(warning_filters(warning, base)),
        )
    table_download.button(
        lambda: kpi_tables.warning_table(overview),
        title=t("kpi.warnings"),
        name="kpi-warnings",
        key="xlsx_kpi-warnings",
    )
