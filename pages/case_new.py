"""Register a case: found on patrol, phoned in, or brought to the office."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from db.models import CaseSource
from db.session import session_scope
from portal import clock, ui
from portal.i18n import label, t
from portal.services import cases, orgs

actor = ui.require_page("case_new")
st.title(t("page.case_new"))
ui.show_flash()
errors: dict[str, str] = st.session_state.setdefault("case_new_errors", {})
form_id = st.session_state.setdefault("case_new_form", 0)  # bumped after a save: a fresh, empty form
if errors:
    st.error(t("error.invalid_input", count=len(errors)))

with session_scope() as session:
    nodes = [(n.id or 0, n.name) for n in orgs.visible_nodes(session=session, actor=actor, active_only=True)]
    category_options = [(c.id or 0, c.name) for c in cases.categories(session=session)]

# Outside the form: the place decides who the case can be given to.
org_id = st.selectbox(t("case.org"), [n for n, _ in nodes], format_func=dict(nodes).get, key=f"new_org_{form_id}")
ui.field_error(errors, "org_id")
with session_scope() as session:
    assignees = [
        (u.id or 0, u.display_name) for u in cases.assignable_users(session=session, actor=actor, org_id=org_id)
    ]

now_local = clock.now().astimezone(clock.local_tz())
with st.form(f"case_new_{form_id}"):
    left, right = st.columns(2)
    source = left.selectbox(t("case.source"), [s.value for s in CaseSource], format_func=lambda s: label("source", s))
    ui.field_error(errors, "source")
    category_id = right.selectbox(
        t("case.category"), [c for c, _ in category_options], format_func=dict(category_options).get
    )
    ui.field_error(errors, "category_id")
    day = left.date_input(t("case.reported_day"), now_local.date(), max_value=now_local.date())
    at = right.time_input(t("case.reported_time"), now_local.time().replace(second=0, microsecond=0))
    ui.field_error(errors, "reported_at")
    reporter_name = left.text_input(t("case.reporter_name"), max_chars=64)
    ui.field_error(errors, "reporter_name")
    reporter_phone = right.text_input(t("case.reporter_phone"), help=t("case.phone_help"))
    ui.field_error(errors, "reporter_phone")
    description = st.text_area(t("case.description"), max_chars=2000, help=t("case.description_help"))
    ui.field_error(errors, "description")
    assignee_id = st.selectbox(
        t("case.assignee"),
        [None, *[u for u, _ in assignees]],
        format_func=lambda u: t("case.unassigned") if u is None else dict(assignees)[u],
    )
    ui.field_error(errors, "assignee_id")
    submitted = st.form_submit_button(t("case.register"), type="primary")

if submitted:
    data = {
        "source": source,
        "category_id": category_id,
        "org_id": org_id,
        "reported_at": datetime.combine(day, at, tzinfo=clock.local_tz()),
        "reporter_name": reporter_name,
        "reporter_phone": reporter_phone,
        "description": description,
        "assignee_id": assignee_id,
    }
    errors.clear()
    reference = None
    with ui.reported_errors(errors):  # field messages are drawn under their fields after the rerun
        with session_scope(write=True) as session:
            reference = cases.create_case(session=session, actor=actor, data=data).reference
    if reference:  # committed: now it is safe to rerun
        st.cache_data.clear()
        st.session_state["case_new_form"] = form_id + 1
        ui.flash(t("case.created", reference=reference))
        st.rerun()
    else:
        st.rerun()  # draw the form again with each message under its field
