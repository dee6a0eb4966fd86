"""The overdue-reminder job, run by a real RQ worker against real Redis and the real databases.

Each overdue case's assignee (or the nearest staff above the case) gets at most one email per case per
office-local day, however often the job runs and however often it is retried.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import redis as redis_lib
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from sqlmodel import select

from db.models import Case, NotificationStatus, User
from db.session import session_scope
from jobs.reminders import send_overdue_reminders
from portal import clock, mailer
from portal.config import get_settings
from portal.queue import default_retry, enqueue, get_queue
from portal.services import users, workflow
from portal.services.job_status import queue_health
from tests.helpers import actor_for, category, create_case, node
from tests.jobs.support import (
    Clock,
    SmtpServer,
    case_id_of,
    notifications,
    outbox_files,
    overdue_cases,
    point_smtp_at_closed_port,
    read_eml,
    run_worker,
)


def _run_through_rq(conn: redis_lib.Redis) -> Job:
    """Enqueue the job the way the portal does and let an in-process worker run it."""
    job = enqueue(send_overdue_reminders)
    run_worker(conn)
    return Job.fetch(job.id, connection=conn, serializer=JSONSerializer)


def _fetch(job: Job, conn: redis_lib.Redis) -> Job:
    return Job.fetch(job.id, connection=conn, serializer=JSONSerializer)


def test_running_twice_sends_one_email_per_overdue_case(
    demo_database: str, redis_conn: redis_lib.Redis, frozen_clock: Clock
) -> None:
    expected = overdue_cases(frozen_clock.instant)
    assert len(expected) >= 3, "the demo sub-district has overdue open cases"
    assert all(c.assignee_email for c in expected.values())

    first = _run_through_rq(redis_conn)
    second = _run_through_rq(redis_conn)

    assert first.get_status() == JobStatus.FINISHED
    assert first.return_value() == {"sent": len(expected)}
    assert second.get_status() == JobStatus.FINISHED
    assert second.return_value() == {"already_sent": len(expected)}

    rows = notifications()
    assert sorted(case_id_of(n) for n in rows) == sorted(expected)
    assert {n.status for n in rows} == {NotificationStatus.SENT.value}
    assert all(n.sent_at is not None and n.day == clock.local_day(frozen_clock.instant) for n in rows)

    # No SMTP configured: one .eml per notification in the outbox folder.
    files = outbox_files()
    assert [f.name for f in files] == sorted(f"case_overdue-{n.id}.eml" for n in rows)
    for row in rows:
        case = expected[case_id_of(row)]
        message = read_eml(next(f for f in files if f.name == f"case_overdue-{row.id}.eml"))
        assert str(message["To"]) == case.assignee_email == row.recipient
        assert case.reference in str(message["Subject"])
        body = message.get_body(("plain",))
        assert body is not None and case.reference in body.get_content()


def test_next_office_day_reminds_again_once(
    demo_database: str, redis_conn: redis_lib.Redis, frozen_clock: Clock
) -> None:
    # 10:00 office time (02:00 UTC) today, then 07:00 office time tomorrow (23:00 UTC, still *today* in UTC):
    # the day that counts is the office's, not UTC's.
    today = clock.local_day(frozen_clock.instant)
    frozen_clock.set(clock.day_start(today) + timedelta(hours=10))
    first_day = overdue_cases(frozen_clock.instant)
    assert _run_through_rq(redis_conn).return_value() == {"sent": len(first_day)}

    frozen_clock.set(clock.day_start(today + timedelta(days=1)) + timedelta(hours=7))
    assert frozen_clock.instant.date() == today, "the second run falls on the same UTC date"
    second_day = overdue_cases(frozen_clock.instant)
    assert set(first_day) <= set(second_day)

    assert _run_through_rq(redis_conn).return_value() == {"sent": len(second_day)}
    assert _run_through_rq(redis_conn).return_value() == {"already_sent": len(second_day)}

    rows = notifications()
    per_day = Counter(n.day for n in rows)
    assert per_day == {today: len(first_day), today + timedelta(days=1): len(second_day)}
    per_case = Counter(case_id_of(n) for n in rows)
    assert per_case == {case_id: 1 + (case_id in first_day) for case_id in second_day}
    assert len(outbox_files()) == len(first_day) + len(second_day)


def test_unassigned_case_goes_to_nearest_staff_above_it(demo_database: str, frozen_clock: Clock) -> None:
    five_days_ago = frozen_clock.instant - timedelta(days=5)
    with session_scope(write=True) as session:
        staff = actor_for(session, "staff")
        community_staff = users.create_user(
            session=session,
            username="staff.zjt",
            display_name="郑家台社区工作人员",
            role="staff",
            org="郑家台社区",
            password="Community-staff-2026",
            email="staff.zjt@gaolanlu.example",
        )
        consultation = category(session, "我要咨询").id  # due three days after it is reported
        in_zhengjiatai = create_case(
            session,
            staff,
            category_id=consultation,
            reported_at=five_days_ago,
            org_id=node(session, "郑家台社区第一网格").id,
        )
        in_wangjiazhuang = create_case(
            session,
            staff,
            category_id=consultation,
            reported_at=five_days_ago,
            org_id=node(session, "王家庄社区第二网格").id,
        )
        ids = {
            ref: int(session.exec(select(Case.id).where(Case.reference == ref)).one() or 0)
            for ref in (in_zhengjiatai, in_wangjiazhuang)
        }
        root_staff = session.exec(select(User).where(User.username == "staff")).one()
    # Dispatched five days ago (the SLA clock starts), then handed back by the handler: overdue, and nobody's.
    now = frozen_clock.instant
    frozen_clock.set(five_days_ago)
    with session_scope(write=True) as session:
        for reference in (in_zhengjiatai, in_wangjiazhuang):
            for to_status, extra in (("accepted", {}), ("dispatched", {"assignee_id": root_staff.id})):
                version = session.exec(select(Case.version).where(Case.reference == reference)).one()
                workflow.transition_case(
                    session=session,
                    actor=staff,
                    reference=reference,
                    to_status=to_status,
                    expected_version=version,
                    **extra,
                )
    frozen_clock.set(now)
    with session_scope(write=True) as session:
        for reference in (in_zhengjiatai, in_wangjiazhuang):
            version = session.exec(select(Case.version).where(Case.reference == reference)).one()
            workflow.transition_case(
                session=session,
                actor=staff,
                reference=reference,
                to_status="accepted",
                expected_version=version,
                note="不属于本人职责",
            )

    result = send_overdue_reminders()

    assert result == {"sent": len(overdue_cases(frozen_clock.instant))}
    rows = {case_id_of(n): n for n in notifications()}
    nearest = rows[ids[in_zhengjiatai]]
    assert (nearest.recipient, nearest.recipient_user_id) == ("staff.zjt@gaolanlu.example", community_staff.id)
    top = rows[ids[in_wangjiazhuang]]
    assert (top.recipient, top.recipient_user_id) == ("staff@gaolanlu.example", root_staff.id)
    for row, reference in ((nearest, in_zhengjiatai), (top, in_wangjiazhuang)):
        message = read_eml(get_settings().outbox_dir / f"case_overdue-{row.id}.eml")
        assert str(message["To"]) == row.recipient
        assert reference in str(message["Subject"])


def test_recipient_without_email_is_recorded_as_failed(demo_database: str, frozen_clock: Clock) -> None:
    expected = overdue_cases(frozen_clock.instant)
    victim = next(iter(expected.values()))
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == victim.assignee_email)).one()
        username = user.username
        user.email = None
        session.add(user)
    without = {c for c, case in expected.items() if case.assignee_email == victim.assignee_email}

    result = send_overdue_reminders()

    assert result == {"failed": len(without), "sent": len(expected) - len(without)}
    rows = {case_id_of(n): n for n in notifications()}
    for case_id in without:
        assert rows[case_id].status == NotificationStatus.FAILED.value
        assert username in (rows[case_id].error or "")
    assert len(outbox_files()) == len(expected) - len(without)
    assert send_overdue_reminders() == {"already_sent": len(expected)}, "a failed reminder is not retried that day"


def test_transient_smtp_failure_is_retried_without_duplicates(
    demo_database: str, smtp_server: SmtpServer, frozen_clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = overdue_cases(frozen_clock.instant)
    point_smtp_at_closed_port(monkeypatch)

    with pytest.raises(mailer.TransientMailError):
        send_overdue_reminders()

    rows = notifications()
    assert sorted(case_id_of(n) for n in rows) == sorted(expected)
    assert {(n.status, n.attempts) for n in rows} == {(NotificationStatus.RETRY.value, 1)}
    assert all("Refused" in (n.error or "") for n in rows)
    assert outbox_files() == [] and smtp_server.messages == []

    smtp_server.configure()  # the mail server is back
    assert send_overdue_reminders() == {"sent": len(expected)}
    assert send_overdue_reminders() == {"already_sent": len(expected)}

    received = smtp_server.messages
    assert sorted(m.rcpt_tos[0] for m in received) == sorted(str(c.assignee_email) for c in expected.values())
    assert len({m.message["Subject"] for m in received}) == len(expected)
    rows = notifications()
    assert {(n.status, n.attempts, n.error) for n in rows} == {(NotificationStatus.SENT.value, 2, None)}


def test_rq_job_hitting_a_down_mail_server_is_scheduled_for_retry_and_then_delivers(
    demo_database: str,
    redis_conn: redis_lib.Redis,
    smtp_server: SmtpServer,
    frozen_clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = overdue_cases(frozen_clock.instant)
    point_smtp_at_closed_port(monkeypatch)
    queue = get_queue(connection=redis_conn)

    job = _run_through_rq(redis_conn)

    assert job.get_status() == JobStatus.SCHEDULED
    assert job.id not in queue.finished_job_registry and job.id not in queue.failed_job_registry
    assert job.id in queue.scheduled_job_registry
    assert job.retries_left == default_retry().max - 1
    assert job.ended_at is not None
    wait = (queue.scheduled_job_registry.get_scheduled_time(job.id) - clock.as_utc(job.ended_at)).total_seconds()
    assert abs(wait - default_retry().intervals[0]) < 5
    assert {n.status for n in notifications()} == {NotificationStatus.RETRY.value}

    smtp_server.configure()  # the server comes back; the retry falls due (what RQ's scheduler does then):
    queue.scheduled_job_registry.requeue(job.id)
    run_worker(redis_conn)

    job = _fetch(job, redis_conn)
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == {"sent": len(expected)}
    assert len(smtp_server.messages) == len(expected)
    assert {n.status for n in notifications()} == {NotificationStatus.SENT.value}


def test_rq_job_fails_after_its_retries_and_the_jobs_page_shows_it(
    demo_database: str, redis_conn: redis_lib.Redis, frozen_clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_smtp_at_closed_port(monkeypatch)
    queue = get_queue(connection=redis_conn)
    retries = default_retry().max

    job = _run_through_rq(redis_conn)
    for _ in range(retries):
        assert job.get_status() == JobStatus.SCHEDULED
        queue.scheduled_job_registry.requeue(job.id)
        run_worker(redis_conn)
        job = _fetch(job, redis_conn)

    assert job.get_status() == JobStatus.FAILED
    assert job.id in queue.failed_job_registry
    assert job.id not in queue.finished_job_registry and job.id not in queue.scheduled_job_registry
    health = queue_health()
    assert health.reachable and health.failed == 1
    [failed] = health.failed_jobs
    assert failed.id == job.id
    assert failed.func == "jobs.reminders.send_overdue_reminders"
    assert "TransientMailError" in failed.error
    assert {(n.status, n.attempts) for n in notifications()} == {(NotificationStatus.RETRY.value, retries + 1)}
