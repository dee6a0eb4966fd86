"""Drill, training and publicity logs: enter one, list them."""

from __future__ import annotations

from datetime import datetime, time

import pandas as pd
import streamlit as st

from db.models import ActivityKind
from db.session import session_scope
from portal import clock, ui
from portal.defaults import PAGE_SIZE
from portal.i18n import label, t
from portal.permissions import can
from portal.services import activities, orgs

actor = ui.require_page("activities")
st.title(t("page.activities"))
ui.show_flash()
kinds = [k.value for k in ActivityKind]

with session_scope() as session:
    nodes = [(n.id or 0, n.name) for n in orgs.visible_nodes(session=session, actor=actor, active_only=True)]

if can(actor.role, "activity.create"):
    errors: dict[str, str] = st.session_state.setdefault("activity_errors", {})
    form_id = st.session_state.setdefault("activity_form", 0)
    with st.expander(t("activity.log_new"), expanded=bool(errors)):
        if errors:
            st.error(t("error.invalid_input", count=len(errors)))
        with st.form(f"activity_{form_id}"):
            left, right = st.columns(2)
            kind = left.selectbox(t("activity.kind"), kinds, format_func=lambda k: label("activity", k))
            org_id = right.selectbox(t("activity.org"), [n for n, _ in nodes], format_func=dict(nodes).get)
            ui.field_error(errors, "org_id")
            title = st.text_input(t("activity.title"), max_chars=200)
            ui.field_error(errors, "title")
            day = left.date_input(t("activity.day"), clock.today())
            start = right.time_input(t("activity.time"), time(9, 0))
            organiser = left.text_input(t("activity.organiser"), max_chars=100)
            ui.field_error(errors, "organiser")
            location = right.text_input(t("activity.location"), max_chars=200)
            ui.field_error(errors, "location")
            partners = st.text_input(t("activity.partners"), help=t("activity.partners_help"), max_chars=500)
            ui.field_error(errors, "partner_units")
            participants = st.number_input(t("activity.participants"), min_value=None, value=0, step=1)
            ui.field_error(errors, "participants")
            submitted = st.form_submit_button(t("activity.save"), type="primary")
        if submitted:
            errors.clear()
            saved = None
            data = {
                "kind": kind,
                "title": title,
                "org_id": org_id,
                "organiser": organiser,
                "location": location,
                "partner_units": partners,
                "participants": int(participants),
                "starts_at": datetime.combine(day, start, tzinfo=clock.local_tz()),
            }
            with ui.reported_errors(errors):
                with session_scope(write=True) as session:
                    saved = activities.create_activity(session=session, actor=actor, data=data).title
            if saved:
                st.cache_data.clear()
                st.session_state["activity_form"] = form_id + 1
                ui.flash(t("activity.saved", title=saved))
            st.rerun()

kind_filter = st.selectbox(
    t("activity.kind"),
    [None, *kinds],
    format_func=lambda k: t("filter.all") if k is None else label("activity", k),
    key="activity_kind_filter",
)
with session_scope() as session:
    rows, total = activities.list_activities(session=session, actor=actor, kind=kind_filter, page_size=PAGE_SIZE)
st.caption(t("activity.count", total=total, shown=len(rows)))
st.dataframe(
    pd.DataFrame(
        [
            {
                t("activity.day"): ui.local(r.starts_at),
                t("activity.kind"): label("activity", r.kind),
                t("activity.title"): r.title,
                t("activity.org"): r.org,
                t("activity.organiser"): r.organiser,
                t("activity.partners"): r.partner_units or "",
                t("activity.location"): r.location,
                t("activity.participants"): r.participants,
            }
            for r in rows
        ]
    ),
    hide_index=True,
)
