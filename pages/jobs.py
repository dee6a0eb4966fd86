"""Jobs: queue health, the scheduler, the last run of each scheduled job, notifications that failed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.session import session_scope
from jobs.reminders import send_overdue_reminders
from portal import queue, ui
from portal.i18n import label, t
from portal.permissions import can
from portal.services import job_status, notifications

actor = ui.require_page("jobs")
st.title(t("page.jobs"))
ui.show_flash()

health = job_status.queue_health()
if not health.reachable:
    st.error(t("jobs.redis_down", error=health.error or ""))
else:
    cols = st.columns(6)
    for col, (key, value) in zip(
        cols,
        [
            ("queued", health.queued),
            ("running", health.running),
            ("failed", health.failed),
            ("scheduled", health.scheduled),
            ("workers", health.workers),
            ("schedulers", health.schedulers),
        ],
        strict=True,
    ):
        col.metric(t(f"jobs.{key}"), value)
    if health.workers == 0:
        st.warning(t("jobs.no_worker"))
    if health.schedulers == 0:
        st.warning(t("jobs.no_scheduler"))

    st.subheader(t("jobs.scheduled_jobs"))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("jobs.name"): label("job", s.name),
                    t("jobs.cron"): s.cron,
                    t("jobs.next_run"): ui.local(s.next_run),
                    t("jobs.last_status"): label("job_status", s.last_status) if s.last_status else t("jobs.never"),
                    t("jobs.last_ended"): ui.local(s.last_ended_at),
                    t("jobs.last_error"): s.last_error or "",
                }
                for s in health.scheduled_jobs
            ]
        ),
        hide_index=True,
    )
    if st.button(t("jobs.run_reminders_now")):
        queue.enqueue(send_overdue_reminders)  # safe to run any number of times: one email per case per day
        ui.flash(t("jobs.enqueued"))
        st.rerun()

    if health.failed_jobs:
        st.subheader(t("jobs.failed_jobs"))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("jobs.id"): f.id,
                        t("jobs.function"): f.func,
                        t("jobs.last_error"): f.error,
                        t("jobs.last_ended"): ui.local(f.ended_at),
                    }
                    for f in health.failed_jobs
                ]
            ),
            hide_index=True,
        )
        if can(actor.role, "user.manage"):
            retry_id = st.selectbox(t("jobs.retry_pick"), [f.id for f in health.failed_jobs], index=None)
            if retry_id and st.button(t("jobs.retry")):
                queue.retry_failed_job(retry_id)
                ui.flash(t("jobs.enqueued"))
                st.rerun()

st.subheader(t("jobs.notifications"))
with session_scope() as session:
    counts = notifications.counts_by_status(session=session)
    recent = notifications.recent(session=session, limit=50)
    stuck = notifications.stuck_claims(session=session)
if stuck:
    st.warning(t("jobs.stuck_claims", count=stuck))
st.caption(" · ".join(f"{label('notification', k)}: {v}" for k, v in sorted(counts.items())) or t("jobs.none_yet"))
st.dataframe(
    pd.DataFrame(
        [
            {
                t("jobs.created"): ui.local(n.created_at),
                t("jobs.kind"): label("notification_kind", n.kind),
                t("jobs.target"): n.target,
                t("jobs.recipient"): n.recipient,
                t("jobs.status"): label("notification", n.status),
                t("jobs.error"): n.error or "",
            }
            for n in recent
        ]
    ),
    hide_index=True,
)
