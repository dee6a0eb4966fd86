"""One case: its fields, its history, and the workflow buttons the user's role allows."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.session import session_scope
from portal import ui
from portal.i18n import label, t
from portal.services import cases, workflow

actor = ui.require_page("case_detail")
reference = st.query_params.get("ref", "")
st.page_link("pages/cases.py", label=t("case.back"), icon=":material/arrow_back:")
if not reference:
    st.info(t("case.pick_one"))
    st.stop()

detail = None
with ui.reported_errors(), session_scope() as session:
    detail = cases.get_case(session=session, actor=actor, reference=reference)
if detail is None:
    st.stop()
case = detail.case

st.title(t("case.title", reference=case.reference))
ui.show_flash()
if detail.overdue:
    st.warning(t("case.is_overdue", due=ui.local(case.due_at)))
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("case.status"), label("status", case.status))
c2.metric(t("case.category"), detail.category)
c3.metric(t("case.org"), detail.org)
c4.metric(t("case.level"), label("level", case.level))
facts = {
    t("case.source"): label("source", case.source),
    t("case.reported_at"): ui.local(case.reported_at),
    t("case.due_at"): ui.local(case.due_at),
    t("case.resolved_at"): ui.local(case.resolved_at),
    t("case.assignee"): detail.assignee or "",
    t("case.reporter_name"): case.reporter_name or "",
    t("case.reporter_phone"): detail.reporter_phone or "",
}
st.dataframe(pd.DataFrame({t("case.field"): list(facts), t("case.value"): list(facts.values())}), hide_index=True)
st.subheader(t("case.description"))
st.text(case.description)  # user text: shown as text, never as Markdown or HTML
if case.resolution:
    st.subheader(t("case.resolution"))
    st.text(case.resolution)

# The version the user was looking at when they pressed Save is the one shown in the *previous* run:
# this run has already re-read the case, so its version would always look current.
seen_key = f"case_seen_version:{case.reference}"
seen_version = st.session_state.get(seen_key, case.version)
submitted = False
if detail.next_statuses:
    st.subheader(t("case.change_status"))
    with st.form(f"transition_{case.reference}"):
        to_status = st.radio(
            t("case.new_status"), detail.next_statuses, format_func=lambda s: label("status", s), horizontal=True
        )
        note = st.text_area(t("case.note"), help=t("case.note_help"), max_chars=2000)
        submitted = st.form_submit_button(t("case.save_status"), type="primary")
    if submitted:
        saved = False
        with ui.reported_errors():  # a Conflict (someone saved first) is shown here, nothing overwritten
            with session_scope(write=True) as session:
                workflow.transition_case(
                    session=session,
                    actor=actor,
                    reference=case.reference,
                    to_status=to_status,
                    expected_version=seen_version,
                    note=note,
                )
            saved = True
        if saved:  # rerun only after the commit: st.rerun() raises, and would roll the save back
            st.session_state.pop(seen_key, None)
            st.cache_data.clear()
            ui.flash(t("case.status_saved", status=label("status", to_status)))
            st.rerun()
if not submitted:
    st.session_state[seen_key] = case.version  # what is on screen now

st.subheader(t("case.history"))
st.dataframe(
    pd.DataFrame(
        [
            {
                t("history.at"): ui.local(h.at),
                t("history.actor"): h.actor or t("history.system"),
                t("history.action"): label("action", h.action),
                t("history.changes"): "; ".join(
                    f"{k}: {label('status', str(v[0])) if k == 'status' else v[0]} → "
                    f"{label('status', str(v[1])) if k == 'status' else v[1]}"
                    for k, v in h.changes.items()
                ),
                t("history.note"): h.note or "",
            }
            for h in detail.history
        ]
    ),
    hide_index=True,
)
