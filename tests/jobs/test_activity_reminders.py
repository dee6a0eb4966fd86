"""The activity-reminder job through a real RQ worker: an activity starting within 3 days reminds its person in
charge, a corrective action past due reminds its owner; once per item per office day, however often it runs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import redis as redis_lib
from sqlmodel import col, select

from db.models import Notification, User
from db.session import session_scope
from jobs.reminders import send_activity_reminders
from portal import clock
from portal.lowcode import records
from portal.queue import enqueue
from tests.helpers import actor_for, node
from tests.jobs.support import Clock, notifications, outbox_files, read_eml, run_worker


def log(kind: str, starts_in: timedelta, **extra: Any) -> int:
    with session_scope(write=True) as session:
        staff = actor_for(session, "staff")
        row = records.create_record(
            session=session,
            actor=staff,
            kind=kind,
            data={
                "title": f"演练 {starts_in}",
                "starts_at": clock.now() + starts_in,
                "org_id": node(session, "郑家台社区").id,
                "organiser": "郑家台社区居委会",
                "location": "郑家台社区广场",
                "participants": 20,
                "organiser_id": staff.user_id,
                **extra,
            },
        )
        return int(row.id)


def action(activity_id: int, due_in_days: int, status: str = "open", owner: str = "admin") -> int:
    with session_scope(write=True) as session:
        row = records.create_record(
            session=session,
            actor=actor_for(session, "staff"),
            kind="corrective_action",
            data={
                "activity_id": activity_id,
                "description": f"更换过期灭火器（{due_in_days}）",
                "owner_id": actor_for(session, owner).user_id,
                "due_on": clock.today() + timedelta(days=due_in_days),
                "status": status,
                "done_on": clock.today() if status == "done" else None,
            },
        )
        return int(row.id)


def run(conn: redis_lib.Redis) -> None:
    enqueue(send_activity_reminders)
    run_worker(conn)


def sent() -> set[tuple[str, str, str]]:
    return {(n.kind, n.target, n.status) for n in notifications() if n.kind != "case_overdue"}


def test_each_item_is_reminded_once_a_day_however_often_the_job_runs(
    demo_database: str, redis_conn: redis_lib.Redis, frozen_clock: Clock
) -> None:
    soon = log("emergency_drill", timedelta(days=2))
    later = log("emergency_drill", timedelta(days=5))  # not yet
    gone = log("emergency_drill", timedelta(days=1))
    with session_scope(write=True) as session:
        records.delete_record(
            session=session, actor=actor_for(session, "staff"), kind="emergency_drill", record_id=gone
        )
    late = action(later, due_in_days=-1)
    action(later, due_in_days=-3, status="done")  # finished: no reminder
    action(later, due_in_days=1)  # not due yet
    before = {p.name for p in outbox_files()}

    run(redis_conn)
    run(redis_conn)  # the same day again: nothing more

    expected = {("activity_upcoming", f"activity:{soon}", "sent"), ("action_overdue", f"action:{late}", "sent")}
    assert sent() == expected
    new = [read_eml(p) for p in outbox_files() if p.name not in before]
    with session_scope() as session:
        emails = sorted(
            str(u.email) for u in session.exec(select(User).where(col(User.username).in_(["staff", "admin"])))
        )
    assert sorted(str(m["To"]) for m in new) == emails  # the person in charge, the action's owner
    subjects = sorted(str(m["Subject"]) for m in new)
    assert any(s.startswith("【活动提醒】") and "郑家台社区" in s for s in subjects)
    assert any(s.startswith("【整改逾期】") and "更换过期灭火器" in s for s in subjects)

    # The next office day both are still pending: one more reminder each, and still only one per day.
    frozen_clock.set(clock.now() + timedelta(days=1))
    run(redis_conn)
    run(redis_conn)
    with session_scope() as session:
        rows = session.exec(select(Notification).where(Notification.kind != "case_overdue")).all()
    assert sorted((n.target, n.day.isoformat()) for n in rows) == sorted(
        [
            (f"activity:{soon}", (clock.today() - timedelta(days=1)).isoformat()),
            (f"activity:{soon}", clock.today().isoformat()),
            (f"action:{late}", (clock.today() - timedelta(days=1)).isoformat()),
            (f"action:{late}", clock.today().isoformat()),
        ]
    )
    assert len([p for p in outbox_files() if p.name not in before]) == 4
