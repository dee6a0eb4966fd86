"""One case: its facts, what the user's role may do with it, and its whole history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.session import session_scope
from portal import ui
from portal.i18n import label, t
from portal.services import case_rules, cases, orgs
from portal.widgets import case_actions, mediation

actor = ui.require_page("case_detail")
reference = st.query_params.get("ref", "")
st.page_link("pages/cases.py", label=t("case.back"), icon=":material/arrow_back:")
if not reference:
    st.info(t("case.pick_one"))
    st.stop()

detail = None
with ui.reported_errors(), session_scope() as session:
    detail = cases.get_case(session=session, actor=actor, reference=reference)
    names = {
        "category_id": {c.id: c.name for c in cases.categories(session=session, active_only=False)},
        "org_id": {n.id: n.name for n in orgs.visible_nodes(session=session, actor=actor)},
    }
if detail is None:
    st.stop()
case = detail.case
seen = case_actions.seen_version(case)

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
    t("case.dispatched_at"): ui.local(case.dispatched_at),
    t("case.due_at"): ui.local(case.due_at),
    t("case.resolved_at"): ui.local(case.resolved_at),
    t("case.closed_at"): ui.local(case.closed_at),
    t("field.close_reason"): label("close_reason", case.close_reason) if case.close_reason else "",
    t("field.satisfaction"): label("satisfaction", case.satisfaction) if case.satisfaction else "",
    t("case.duplicate_of"): detail.duplicate_of or "",
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

panels = {
    "move": bool(detail.next_statuses),
    "escalate": detail.is_open and any(case_rules.may_escalate(actor.role, case.level, d) for d in (1, -1)),
    "assign": detail.is_open and actor.role in case_rules.STAFF,
    "edit": detail.editable,
}
shown = [key for key, allowed in panels.items() if allowed]
if shown:
    st.subheader(t("case.change_status"))
    for key, tab in zip(shown, st.tabs([t(f"case.panel.{key}") for key in shown]), strict=True):
        with tab:
            if key == "move":
                case_actions.move_panel(actor, case, detail.next_statuses, seen)
            elif key == "escalate":
                case_actions.escalate_panel(actor, case, seen)
            elif key == "assign":
                case_actions.assign_panel(actor, case, seen)
            else:
                case_actions.edit_panel(actor, case, seen)

mediation.render_mediation(actor, case.reference)  # draws nothing for a case that is not a dispute

st.subheader(t("case.history"))
names["assignee"] = {}
st.dataframe(
    pd.DataFrame(
        [
            {
                t("history.at"): ui.local(h.at),
                t("history.actor"): h.actor or t("history.system"),
                t("history.action"): label("action", h.action),
                t("history.changes"): case_actions.describe_changes(h.changes, names),
                t("history.note"): h.note or "",
            }
            for h in detail.history
        ]
    ),
    hide_index=True,
)
case_actions.remember_version(case)
