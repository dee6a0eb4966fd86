"""The Monday email, end to end: a real RQ worker compiles last week's report per subscribed scope and sends it
through a real SMTP server (aiosmtpd, STARTTLS + AUTH); once per subscriber, retried on 451, recorded on 550."""

from __future__ import annotations

import email
import email.policy
import io
import re
from collections.abc import Callable
from email.message import EmailMessage

import pytest
import redis as redis_lib
from openpyxl import load_workbook
from rq.job import JobStatus
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from db.models import NotificationStatus, Subscription, User
from db.session import session_scope
from jobs.reports import KIND, send_weekly_summaries
from portal import clock
from portal.cli_kpi import kpi_figures
from portal.i18n import t
from portal.queue import enqueue, get_queue
from portal.reports.period import last_week
from portal.spreadsheet import MEDIA_TYPE
from tests.jobs.support import Clock, SmtpServer, notifications, run_worker
from tests.pages.conftest import _pages_folder_is_ours, logged_in  # noqa: F401  (the Jobs page, as staff see it)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SUBSCRIBERS = {"leader": "皋兰路街道", "leader.zjt": "郑家台社区"}  # the demo's subscriptions


def received(smtp_server: SmtpServer) -> dict[str, EmailMessage]:
    found = {}
    for message in smtp_server.messages:
        [to] = message.rcpt_tos
        found[to.split("@")[0]] = email.message_from_bytes(message.message.as_bytes(), policy=email.policy.default)
    return found


def run_job(redis_conn: redis_lib.Redis) -> JobStatus:
    job = enqueue(send_weekly_summaries)
    run_worker(redis_conn)
    return job.get_status()


def headline(html: str, label: str) -> str:
    """The figure on a headline row of the HTML table (the cell after the label)."""
    match = re.search(rf">{re.escape(label)}</td><td[^>]*>([^<]+)</td>", html)
    assert match, f"no headline row {label!r}"
    return match.group(1)


def test_each_subscriber_gets_their_scopes_report_once(
    demo_database: str, redis_conn: redis_lib.Redis, smtp_server: SmtpServer, frozen_clock: Clock
) -> None:
    week = last_week(clock.today())
    assert run_job(redis_conn) == JobStatus.FINISHED
    mails = received(smtp_server)
    assert set(mails) == set(SUBSCRIBERS)
    for username, scope in SUBSCRIBERS.items():
        msg = mails[username]
        assert str(msg["Subject"]) == f"{scope} 网格治理周报 · {week.label}"
        html_part = msg.get_body(("html",))
        text_part = msg.get_body(("plain",))
        assert html_part is not None and text_part is not None
        html = html_part.get_content()
        assert f"{week.label} ({week.start} – {week.end})" in html and "Asia/Shanghai" in html

        # The headline numbers are `portal kpi --json` for the same scope and week.
        code = "gaolanlu" if scope == "皋兰路街道" else "zhengjiatai"
        figures = kpi_figures(
            period=None,
            source=None,
            date_from=week.start.isoformat(),
            date_to=week.end.isoformat(),
            org=code,
            category=None,
            grain=None,
            as_user=None,
        )
        assert figures["current"]["received"] > 0, "the demo should have cases last week"
        assert headline(html, "受理事件") == f"{figures['current']['received']:,}"
        assert headline(html, "当前逾期") == f"{figures['current']['overdue_now']:,}"
        rate = figures["current"]["on_time_rate"]
        assert headline(html, "按时办结率") == ("—" if rate is None else f"{rate:.1%}")

        # Every chart the HTML shows by cid is an inline PNG part of the message.
        cids = set(re.findall(r'src="cid:([^"]+)"', html))
        images = {
            str(p["Content-ID"]).strip("<>"): p.get_content() for p in msg.walk() if p.get_content_type() == "image/png"
        }
        assert cids and cids == set(images)
        assert all(data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR" for data in images.values())

        [attachment] = [p for p in msg.walk() if p.get_content_type() == MEDIA_TYPE]
        book = load_workbook(io.BytesIO(attachment.get_content()))
        assert book.sheetnames[0] == "概要"
        assert ["受理事件", figures["current"]["received"]] == [
            c.value for c in next(r for r in book["概要"].iter_rows() if r[0].value == "受理事件")
        ][:2]

    # Run again (a retried or duplicated job): nothing new is sent.
    assert run_job(redis_conn) == JobStatus.FINISHED
    assert len(smtp_server.messages) == len(SUBSCRIBERS)
    assert {n.status for n in notifications() if n.kind == KIND} == {NotificationStatus.SENT.value}


def test_a_451_is_retried_and_the_email_arrives(
    demo_database: str, redis_conn: redis_lib.Redis, smtp_server: SmtpServer, frozen_clock: Clock
) -> None:
    smtp_server.handler.data_reply = "451 4.3.0 try again later"
    assert run_job(redis_conn) == JobStatus.SCHEDULED  # RQ's Retry: the job comes back after its interval
    assert smtp_server.messages == []
    assert {n.status for n in notifications() if n.kind == KIND} == {NotificationStatus.RETRY.value}

    smtp_server.handler.data_reply = None  # the server recovers; the retry falls due
    queue = get_queue(connection=redis_conn)
    [job_id] = queue.scheduled_job_registry.get_job_ids()
    queue.scheduled_job_registry.requeue(job_id)
    run_worker(redis_conn)
    assert set(received(smtp_server)) == set(SUBSCRIBERS)
    assert {(n.status, n.attempts) for n in notifications() if n.kind == KIND} == {(NotificationStatus.SENT.value, 2)}


def test_a_550_is_recorded_as_failed_not_retried_and_shown_on_the_jobs_page(
    demo_database: str,
    redis_conn: redis_lib.Redis,
    smtp_server: SmtpServer,
    frozen_clock: Clock,
    logged_in: Callable[[str], AppTest],  # noqa: F811  (the fixture imported above)
) -> None:
    smtp_server.handler.rcpt_reply = "550 5.1.1 mailbox unavailable"
    assert run_job(redis_conn) == JobStatus.FINISHED  # nothing to retry: a permanent refusal
    rows = [n for n in notifications() if n.kind == KIND]
    assert {n.status for n in rows} == {NotificationStatus.FAILED.value}
    assert all("550" in (n.error or "") for n in rows)
    smtp_server.handler.rcpt_reply = None
    assert run_job(redis_conn) == JobStatus.FINISHED
    assert smtp_server.messages == []  # a failure is recorded for a person to look at, not silently resent
    page = logged_in("staff").switch_page("pages/jobs.py").run()
    shown = page.main.dataframe[-1].value
    failed = shown[shown[t("jobs.error", "zh")].str.contains("550", na=False)]
    assert sorted(failed[t("jobs.recipient", "zh")]) == sorted(f"{u}@gaolanlu.example" for u in SUBSCRIBERS)


@pytest.mark.parametrize("active", [False, True])
def test_only_active_subscriptions_of_active_users_get_mail(
    active: bool, demo_database: str, redis_conn: redis_lib.Redis, smtp_server: SmtpServer, frozen_clock: Clock
) -> None:
    with session_scope() as session:
        subscription = session.exec(select(Subscription).join(User).where(User.username == "leader.zjt")).one()
        subscription.active = active
        session.add(subscription)
    run_job(redis_conn)
    assert ("leader.zjt" in received(smtp_server)) is active
