"""Email through a real SMTP server (aiosmtpd, STARTTLS with a self-signed certificate, AUTH)."""

from __future__ import annotations

import re
from email.utils import parseaddr

import pytest
import redis as redis_lib

from db.models import NotificationStatus
from jobs.reminders import send_overdue_reminders
from portal import mailer
from portal.queue import enqueue
from tests.jobs.support import Clock, SmtpServer, case_id_of, notifications, outbox_files, overdue_cases, run_worker

BODY = "刘女士您好：\n\n楼道堆放杂物的诉求已受理，网格员将于今日处理。\n——皋兰路街道\n"
SUBJECT = "【逾期提醒】RX-20260301-900001 环境卫生 · 郑家台社区第一网格"


def _send(to: str = "grid@gaolanlu.example") -> str:
    return mailer.send(mailer.build_message(to=to, subject=SUBJECT, text=BODY), key="test-1")


def test_send_delivers_over_starttls_with_login(smtp_server: SmtpServer) -> None:
    where = _send()

    assert where == f"smtp://{smtp_server.host}:{smtp_server.port}"
    [received] = smtp_server.messages
    assert received.tls, "the message must travel after STARTTLS"
    assert received.login == "portal-mailer"
    assert received.mail_from == "grid-portal@gaolanlu.example"
    assert received.rcpt_tos == ["grid@gaolanlu.example"]
    msg = received.message
    assert parseaddr(str(msg["From"])) == ("网格平台", "grid-portal@gaolanlu.example")
    assert str(msg["To"]) == "grid@gaolanlu.example"
    assert str(msg["Subject"]) == SUBJECT
    body = msg.get_body(("plain",))
    assert body is not None
    assert body.get_content_charset() == "utf-8"
    assert body.get_content() == BODY
    assert re.fullmatch(r"<[^<>@\s]+@gaolanlu\.example>", str(msg["Message-ID"])), msg["Message-ID"]
    assert outbox_files() == [], "with SMTP configured nothing goes to the outbox folder"


def test_untrusted_certificate_is_a_permanent_error(smtp_server: SmtpServer) -> None:
    smtp_server.configure(trust=False)  # the self-signed certificate is not in the default trust store

    with pytest.raises(mailer.PermanentMailError, match="certificate"):
        _send()

    assert smtp_server.messages == []


def test_wrong_password_is_a_permanent_error(smtp_server: SmtpServer) -> None:
    smtp_server.configure(password="not-the-password")

    with pytest.raises(mailer.PermanentMailError, match="535"):
        _send()

    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("stage", "reply", "error"),
    [
        ("rcpt", "451 4.3.0 try again", mailer.TransientMailError),
        ("rcpt", "550 5.1.1 no such user", mailer.PermanentMailError),
        ("data", "451 4.3.0 try again", mailer.TransientMailError),
        ("data", "550 5.7.1 no such user", mailer.PermanentMailError),
    ],
)
def test_server_replies_map_to_retry_or_give_up(
    smtp_server: SmtpServer, stage: str, reply: str, error: type[mailer.MailError]
) -> None:
    setattr(smtp_server.handler, f"{stage}_reply", reply)

    with pytest.raises(error, match=reply[:3]):
        _send()

    assert smtp_server.messages == []


def test_reminder_job_over_smtp_sends_one_message_per_overdue_case(
    demo_database: str, redis_conn: redis_lib.Redis, smtp_server: SmtpServer, frozen_clock: Clock
) -> None:
    expected = overdue_cases(frozen_clock.instant)
    assert expected, "the demo must have overdue cases"

    for _ in range(2):
        job = enqueue(send_overdue_reminders)
        run_worker(redis_conn)
        assert job.get_status() == "finished"

    received = smtp_server.messages
    assert len(received) == len(expected)
    by_reference = {}
    for message in received:
        subject = str(message.message["Subject"])
        [reference] = [c.reference for c in expected.values() if c.reference in subject]
        by_reference[reference] = message
    assert set(by_reference) == {c.reference for c in expected.values()}
    for case in expected.values():
        assert by_reference[case.reference].rcpt_tos == [case.assignee_email]
    rows = notifications()
    assert {case_id_of(n) for n in rows} == set(expected)
    assert {n.status for n in rows} == {NotificationStatus.SENT.value}
    assert job.return_value() == {"already_sent": len(expected)}


def test_password_smtp_cannot_carry_is_a_permanent_error(smtp_server: SmtpServer) -> None:
    # smtplib sends credentials as ASCII only: a password it cannot encode must fail as a mail error the
    # reminder job records, not as a crash that leaves the claim behind and skips the remaining cases.
    smtp_server.configure(password="网格口令-2026")

    with pytest.raises(mailer.PermanentMailError):
        _send()

    assert smtp_server.messages == []
