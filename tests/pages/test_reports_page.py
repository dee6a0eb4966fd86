"""The Reports page: a leader compiles a report (a worker does it, the page follows), downloads it; scopes hold;
an admin sends a test email."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis as redis_lib
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from db.models import Report
from db.session import session_scope
from portal import clock
from portal.i18n import t
from portal.reports.period import last_week
from tests.jobs.support import outbox_files, read_eml, run_worker
from tests.pages.test_login import nav_titles

PAGE = "pages/reports.py"


def compile_button(at: AppTest) -> AppTest:
    return next(b for b in at.button if b.label == t("report.compile", "zh")).click().run()


def test_a_leader_compiles_last_weeks_report_and_downloads_it(
    logged_in: Callable[[str], AppTest], redis_conn: redis_lib.Redis
) -> None:
    at = logged_in("leader").switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="report_week").value.label == last_week(clock.today()).label  # last week by default
    at = compile_button(at)
    assert at.get("progress"), "the page follows the queued job"
    with session_scope() as session:
        [report] = session.exec(select(Report)).all()
        assert (report.status, report.scope_id, report.period_label) == ("queued", 1, last_week(clock.today()).label)
    run_worker(redis_conn)
    at.run()
    assert not at.exception, at.exception
    at.run()  # the flash shows on the run after the fragment's rerun
    listed = at.dataframe[0].value
    assert list(listed[t("report.status", "zh")]) == [t("report_status.done", "zh")]
    at.selectbox(key="report_pick").set_value(report.id).run()
    assert [b.proto.label for b in at.get("download_button")] == [
        t("report.download_xlsx", "zh"),
        t("report.download_html", "zh"),
    ]


def test_a_community_leader_can_only_pick_their_community_and_its_grids(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("leader.zjt").switch_page(PAGE).run()
    scopes = at.selectbox(key="report_scope").options
    assert scopes[0] == "郑家台社区" and all(s.startswith("郑家台社区") for s in scopes)


@pytest.mark.parametrize(("username", "listed"), [("leader", True), ("staff", True), ("admin", True), ("grid", False)])
def test_grid_workers_have_no_reports_page(username: str, listed: bool, logged_in: Callable[[str], AppTest]) -> None:
    assert (t("page.reports", "zh") in nav_titles(logged_in(username))) is listed


def test_an_admin_sends_a_test_email_and_bad_addresses_are_refused(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("admin").switch_page(PAGE).run()
    assert at.text_input(key="report_test_to").value == "admin@gaolanlu.example"
    at.text_input(key="report_test_to").set_value("not an address").run()
    at = next(b for b in at.button if b.label == t("report.test_email_send", "zh")).click().run()
    assert outbox_files() == []
    assert t("error.email_format", "zh") in " ".join(c.value for c in at.caption)
    at.text_input(key="report_test_to").set_value("chief@gaolanlu.example").run()
    at = next(b for b in at.button if b.label == t("report.test_email_send", "zh")).click().run()
    assert at.success[0].value.startswith(t("report.test_email_sent", "zh", to="chief@gaolanlu.example", where="")[:10])
    [sent] = outbox_files()  # no SMTP set: the outbox folder
    assert read_eml(sent)["To"] == "chief@gaolanlu.example"
    leader = logged_in("leader").switch_page(PAGE).run()
    assert not [e for e in leader.expander if e.label == t("report.test_email", "zh")]
