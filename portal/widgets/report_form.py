"""The Reports page's parts: choose a scope and a period, follow the compile, download, send a test email."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from db.models import CaseSource, ReportStatus
from db.session import session_scope
from portal import clock, mailer, ui
from portal.i18n import label, t
from portal.reports import period as periods
from portal.reports.period import ReportPeriod
from portal.services import cases, delivery, orgs, reports
from portal.services.actor import Actor
from portal.services.file_jobs import queue_problem

JOB_KEY = "reports_compiling"
WEEKS_OFFERED = 12


def chooser(actor: Actor) -> None:
    """Scope, period and filters; the button records the report and hands it to a worker."""
    with session_scope() as session:
        nodes = [(n.id or 0, n.name) for n in orgs.visible_nodes(session=session, actor=actor)]
        categories = [(c.id or 0, c.name) for c in cases.categories(session=session)]
    today = clock.today()
    left, middle, right = st.columns(3)
    names_of = dict(nodes)
    scope: int = left.selectbox(
        t("report.scope"), list(names_of), format_func=lambda n: names_of[n], key="report_scope"
    )
    kind = middle.radio(
        t("report.kind"), ("week", "month", "range"), format_func=lambda k: t(f"report.kind.{k}"), key="report_kind"
    )
    chosen = _period(right, kind, today)
    source_col, category_col = st.columns(2)
    source = source_col.selectbox(
        t("filter.source"),
        [None, *[s.value for s in CaseSource]],
        format_func=lambda s: t("filter.all") if s is None else label("source", s),
        key="report_source",
    )
    names = dict(categories)
    category_id = category_col.selectbox(
        t("filter.category"),
        [None, *names],
        format_func=lambda c: t("filter.all") if c is None else names[c],
        key="report_category",
    )
    if st.button(t("report.compile"), type="primary", disabled=chosen is None or JOB_KEY in st.session_state):
        assert chosen is not None
        report_id = None
        with ui.reported_errors():
            with session_scope(write=True) as session:
                report = reports.request_report(
                    session=session, actor=actor, scope_id=scope, period=chosen, source=source, category_id=category_id
                )
                report_id = report.id
        if report_id is not None:
            if queue_problem() is None:
                reports.enqueue_report(report_id)
                st.session_state[JOB_KEY] = report_id
            else:  # no queue: compile here (a few seconds) rather than leave the request waiting
                with st.spinner(t("report.compiling_here")), ui.reported_errors():
                    reports.compile_report(report_id)
                st.rerun()


def _period(where: st.delta_generator.DeltaGenerator, kind: str, today: date) -> ReportPeriod | None:
    if kind == "week":
        weeks = [periods.week_of(today - timedelta(days=7 * n)) for n in range(WEEKS_OFFERED)]
        return where.selectbox(
            t("report.week"),
            weeks,
            index=1,  # last week: the one a weekly report is usually about
            format_func=lambda w: f"{w.label} ({w.start:%m-%d} – {w.end:%m-%d})",
            key="report_week",
        )
    if kind == "month":
        months = []
        year, month = today.year, today.month
        for _ in range(WEEKS_OFFERED):
            months.append(periods.month(year, month))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return where.selectbox(t("report.month"), months, format_func=lambda m: m.label, key="report_month")
    picked = where.date_input(t("report.range"), value=(today - timedelta(days=29), today), key="report_range")
    if isinstance(picked, tuple | list) and len(picked) == 2:
        return periods.date_range(picked[0], picked[1])
    return None


@st.fragment(run_every=1)
def progress(actor: Actor) -> None:
    """Follows the report being compiled until it is done, then reruns the page to list it."""
    report_id = st.session_state[JOB_KEY]
    with session_scope() as session:
        report = reports.get_report(session=session, actor=actor, report_id=report_id)
        status, percent, error = report.status, report.progress, report.error
    if status in (ReportStatus.DONE.value, ReportStatus.FAILED.value):
        del st.session_state[JOB_KEY]
        if status == ReportStatus.DONE.value:
            ui.flash(t("report.ready", id=report_id))
        else:
            ui.flash(t("report.failed", error=error or ""))
        st.rerun(scope="app")
    text = t("report.waiting") if status == ReportStatus.QUEUED.value else t("report.progress", percent=percent)
    st.progress(percent / 100, text=text)


def downloads(actor: Actor, report_id: int) -> None:
    """The chosen report's workbook and HTML, read when clicked."""
    with session_scope() as session:
        files = reports.report_downloads(session=session, actor=actor, report_id=report_id)
    for column, (fmt, path) in zip(st.columns(len(files)), files.items(), strict=True):
        column.download_button(
            t(f"report.download_{fmt}"),
            data=path.read_bytes,
            file_name=path.name,
            mime=reports.DOWNLOADS[fmt],
            on_click="ignore",
            key=f"report_download_{report_id}_{fmt}",
        )


def test_email(actor: Actor) -> None:
    """Admins check the mail settings by sending themselves a message."""
    with st.expander(t("report.test_email")):
        with session_scope() as session:
            own = delivery.own_address(session=session, actor=actor)
        to = st.text_input(t("report.test_email_to"), value=own, key="report_test_to")
        if st.button(t("report.test_email_send"), key="report_test_send"):
            errors: dict[str, str] = {}
            try:
                with ui.reported_errors(errors):
                    where = delivery.send_test_email(actor=actor, to=to)
                    st.success(t("report.test_email_sent", to=to.strip(), where=where))
            except mailer.MailError as exc:
                st.error(t("report.test_email_failed", error=str(exc)))
            ui.field_error(errors, "to")
