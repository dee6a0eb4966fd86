"""Reports: compile one for a scope and a period (a worker does it, with progress), past reports, downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.models import ReportStatus
from db.session import session_scope
from portal import ui
from portal.i18n import label, t
from portal.permissions import can
from portal.services import reports
from portal.widgets import report_form

actor = ui.require_page("reports")
st.title(t("page.reports"))
st.caption(t("report.help"))
ui.show_flash()

report_form.chooser(actor)
if report_form.JOB_KEY in st.session_state:
    report_form.progress(actor)

with session_scope() as session:
    rows = reports.list_reports(session=session, actor=actor)
st.subheader(t("report.past"))
st.dataframe(
    pd.DataFrame(
        [
            {
                "#": r.id,
                t("report.scope"): r.scope,
                t("report.period"): r.period,
                t("report.kind"): t(f"report.kind.{r.kind}"),
                t("report.status"): label("report_status", r.status),
                t("report.created_by"): r.created_by,
                t("report.created_at"): ui.local(r.created_at),
            }
            for r in rows
        ]
    ),
    hide_index=True,
)
done = {r.id: f"#{r.id} {r.scope} · {r.period}" for r in rows if r.status == ReportStatus.DONE.value}
picked = st.selectbox(t("report.pick"), list(done), index=None, format_func=done.get, key="report_pick")
if picked is not None:
    report_form.downloads(actor, picked)
if can(actor.role, "mail.test"):
    report_form.test_email(actor)
