"""Cases: filter, page through, open one."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.models import CaseSource, CaseStatus
from db.session import session_scope
from portal import ui
from portal.defaults import PAGE_SIZE
from portal.i18n import label, t
from portal.services import cases, orgs
from portal.services.cases import CaseFilters

actor = ui.require_page("cases")
st.title(t("page.cases"))

with session_scope() as session:
    nodes = [(n.id or 0, n.name) for n in orgs.visible_nodes(session=session, actor=actor)]
    category_options = [(c.id or 0, c.name) for c in cases.categories(session=session)]

search_col, status_col, org_col = st.columns([2, 2, 2])
search = search_col.text_input(t("filter.search"), key="cases_search", placeholder=t("filter.search_hint"))
statuses = status_col.multiselect(
    t("filter.status"), [s.value for s in CaseStatus], format_func=lambda s: label("status", s), key="cases_status"
)
org_id = org_col.selectbox(t("filter.unit"), [n for n, _ in nodes], format_func=dict(nodes).get, key="cases_org")
cat_col, source_col, overdue_col = st.columns([2, 2, 2])
category_id = cat_col.selectbox(
    t("filter.category"),
    [None, *[c for c, _ in category_options]],
    format_func=lambda c: t("filter.all") if c is None else dict(category_options)[c],
    key="cases_category",
)
source = source_col.selectbox(
    t("filter.source"),
    [None, *[s.value for s in CaseSource]],
    format_func=lambda s: t("filter.all") if s is None else label("source", s),
    key="cases_source",
)
overdue = overdue_col.checkbox(t("filter.overdue_only"), key="cases_overdue")

filters = CaseFilters(
    org_id=org_id, category_id=category_id, source=source, statuses=tuple(statuses), overdue=overdue, search=search
)
page_number = st.session_state.get("cases_page", 1)
with ui.reported_errors(), session_scope() as session:
    result = cases.list_cases(session=session, actor=actor, filters=filters, page=page_number, page_size=PAGE_SIZE)
    st.caption(t("cases.count", total=result.total, page=result.page, pages=result.pages))
    table = pd.DataFrame(
        [
            {
                t("case.reference"): row.reference,
                t("case.reported_at"): ui.local(row.reported_at),
                t("case.source"): label("source", row.source),
                t("case.category"): row.category,
                t("case.org"): row.org,
                t("case.status"): label("status", row.status),
                t("case.assignee"): row.assignee or "",
                t("case.due_at"): ui.local(row.due_at),
                t("case.overdue"): "⚠" if row.overdue else "",
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
        st.switch_page("pages/case_detail.py", query_params={"ref": result.rows[chosen[0]].reference})
    if result.rows:
        reference = st.selectbox(t("cases.open"), [r.reference for r in result.rows], index=None, key="cases_open")
        if reference:
            st.switch_page("pages/case_detail.py", query_params={"ref": reference})
