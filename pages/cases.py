"""Cases: filter, sort, page through, open one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.models import CaseSource, CaseStatus
from db.session import session_scope
from portal import clock, periods, ui
from portal.defaults import PAGE_SIZE
from portal.i18n import label, t
from portal.services import cases, orgs
from portal.services.cases import SORTS, CaseFilters
from portal.widgets import case_drill
from portal.widgets.case_export import export_panel

actor = ui.require_page("cases")
st.title(t("page.cases"))
SLA_MARK = {"red": "🔴", "amber": "🟠", "green": "🟢"}
DUE = ("any", "overdue", "1", "3", "7")

with session_scope() as session:
    nodes = [(n.id or 0, n.name) for n in orgs.visible_nodes(session=session, actor=actor)]
    # Retired categories too: their cases are still listed, and a KPI chart's bar may drill into them.
    category_options = [
        (c.id or 0, ui.category_label(c.name, c.active)) for c in cases.categories(session=session, active_only=False)
    ]
    handlers = [(u.id or 0, u.display_name) for u in cases.handlers_in_scope(session=session, actor=actor)]
case_drill.apply(actor, {n for n, _ in nodes}, {c for c, _ in category_options})  # from a KPI chart's click


def pick(column: st.delta_generator.DeltaGenerator, key: str, title: str, options: list[tuple[int, str]]) -> int | None:
    """A select with 'all' first; returns the chosen id."""
    names = dict(options)
    return column.selectbox(
        title, [None, *names], format_func=lambda v: t("filter.all") if v is None else names[v], key=key
    )


search_col, status_col, org_col = st.columns([2, 2, 2])
search = search_col.text_input(t("filter.search"), key="cases_search", placeholder=t("filter.search_hint"))
statuses = status_col.multiselect(
    t("filter.status"), [s.value for s in CaseStatus], format_func=lambda s: label("status", s), key="cases_status"
)
org_id = org_col.selectbox(t("filter.unit"), [n for n, _ in nodes], format_func=dict(nodes).get, key="cases_org")
org_exact = org_col.checkbox(t("cases.exact"), key="cases_exact")
cat_col, source_col, assignee_col = st.columns([2, 2, 2])
category_id = pick(cat_col, "cases_category", t("filter.category"), category_options)
source = source_col.selectbox(
    t("filter.source"),
    [None, *[s.value for s in CaseSource]],
    format_func=lambda s: t("filter.all") if s is None else label("source", s),
    key="cases_source",
)
assignee_id = pick(assignee_col, "cases_assignee", t("case.assignee"), handlers)
period_col, due_col, sort_col = st.columns([2, 2, 2])
period = period_col.selectbox(
    t("filter.period"),
    ["all", *[p for p in periods.PERIODS if p != "all"]],
    format_func=lambda p: t(f"period.{p}"),
    key="cases_period",
)
custom = None
if period == "custom":
    st.session_state.setdefault("cases_custom", case_drill.default_range())
    picked = period_col.date_input(t("filter.custom_range"), key="cases_custom")
    days = [d for d in (picked if isinstance(picked, tuple) else (picked,)) if d is not None]
    custom = (days[0], days[-1]) if days else case_drill.default_range()
due = due_col.selectbox(t("filter.due"), DUE, format_func=lambda d: t(f"filter.due.{d}"), key="cases_due")
sort = sort_col.selectbox(t("filter.sort"), SORTS, format_func=lambda s: t(f"filter.sort.{s}"), key="cases_sort")

date_from, date_to = periods.resolve(period, clock.today(), custom)
filters = CaseFilters(
    date_from=date_from,
    date_to=date_to,
    org_id=org_id,
    org_exact=org_exact,
    category_id=category_id,
    source=source,
    statuses=tuple(statuses),
    overdue=due == "overdue",
    due_within_days=int(due) if due.isdigit() else None,
    assignee_id=assignee_id,
    search=search,
    sort=sort,
)
page_number = st.session_state.get("cases_page", 1)
chosen_reference = None
result: cases.CasePage | None = None
with ui.reported_errors(), session_scope() as session:
    result = cases.list_cases(session=session, actor=actor, filters=filters, page=page_number, page_size=PAGE_SIZE)
    st.caption(t("cases.count", total=result.total, page=result.page, pages=result.pages))
    table = pd.DataFrame(
        [
            {
                t("case.sla"): f"{SLA_MARK[row.sla]} {label('sla', row.sla)}" if row.sla else "",
                t("case.reference"): row.reference,
                t("case.reported_at"): ui.local(row.reported_at),
                t("case.source"): label("source", row.source),
                t("case.category"): row.category,
                t("case.org"): row.org,
                t("case.status"): label("status", row.status),
                t("case.level"): label("level", row.level),
                t("case.assignee"): row.assignee or "",
                t("case.due_at"): ui.local(row.due_at),
                t("case.reporter_phone"): row.reporter_phone or "",
                t("case.description"): row.description[:60],
            }
            for row in result.rows
        ]
    )
    event = st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="single-row", key="cases_table")
    if st.session_state.get("cases_page", 1) > result.pages:  # the filters shrank the list
        st.session_state["cases_page"] = result.pages
    st.number_input(t("cases.page"), min_value=1, max_value=result.pages, step=1, key="cases_page")
    chosen = event.selection.rows if event is not None else []
    if chosen:
        chosen_reference = result.rows[chosen[0]].reference
    elif result.rows:
        chosen_reference = st.selectbox(
            t("cases.open"), [r.reference for r in result.rows], index=None, key="cases_open"
        )
if result is not None:
    export_panel(actor, filters, result.total)
if chosen_reference:
    st.switch_page("pages/case_detail.py", query_params={"ref": chosen_reference})
