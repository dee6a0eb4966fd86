"""The cron schedule: read in the office's time zone, enqueued on the JSON queue, visible on the Jobs page."""

from __future__ import annotations

import json
import os
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis as redis_lib
from rq.job import JobStatus

from jobs.reminders import send_overdue_reminders
from jobs.reports import send_weekly_summaries
from jobs.schedule import SCHEDULE, PortalCronJob, build_scheduler, next_run
from portal import queue as portal_queue
from portal.config import reset_settings
from portal.defaults import DEFAULT_QUEUE, JOB_TIMEOUT_SECONDS, REMINDER_CRON
from portal.i18n import label
from portal.queue import default_retry, get_queue
from portal.services.job_status import queue_health
from tests.jobs.support import Clock, free_port, overdue_cases, run_worker

WEEKLY_MONDAY_8 = "0 8 * * 1"


@pytest.fixture
def host_in_new_york(env: Path) -> Iterator[None]:
    """The host's own time zone is not the office's: nothing may depend on it."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Sunday 12:00 UTC = Sunday 20:00 in Shanghai -> Monday 08:00 Shanghai = Monday 00:00 UTC.
        (datetime(2026, 3, 1, 12, 0, tzinfo=UTC), datetime(2026, 3, 2, 0, 0, tzinfo=UTC)),
        # Sunday 23:30 UTC is already Monday 07:30 in Shanghai: still this Monday 08:00.
        (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), datetime(2026, 3, 2, 0, 0, tzinfo=UTC)),
        # Monday 00:30 UTC = Monday 08:30 Shanghai: this week's run has passed, the next is a week on.
        (datetime(2026, 3, 2, 0, 30, tzinfo=UTC), datetime(2026, 3, 9, 0, 0, tzinfo=UTC)),
    ],
)
def test_cron_fields_are_office_time_whatever_the_host_zone(
    host_in_new_york: None, after: datetime, expected: datetime
) -> None:
    assert after.weekday() in (6, 0)
    assert next_run(WEEKLY_MONDAY_8, after) == expected

    # The cron job the scheduler keeps uses the same rule (RQ's own would read the host's zone).
    job = PortalCronJob(queue_name=DEFAULT_QUEUE, func=send_overdue_reminders, cron=WEEKLY_MONDAY_8, name="weekly")
    job.set_enqueue_time(after)
    assert job.next_enqueue_time == expected


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Shanghai", datetime(2026, 3, 1, 11, 0, tzinfo=UTC)),
        ("Asia/Kolkata", datetime(2026, 3, 1, 10, 30, tzinfo=UTC)),  # UTC+5:30: minute 0 there is :30 in UTC
    ],
)
def test_hourly_reminders_run_at_minute_zero_office_time(
    env: Path, monkeypatch: pytest.MonkeyPatch, zone: str, expected: datetime
) -> None:
    monkeypatch.setenv("PORTAL_TIMEZONE", zone)
    reset_settings()
    [reminders] = [entry for entry in SCHEDULE if entry.func is send_overdue_reminders]
    assert reminders.cron == REMINDER_CRON

    after = datetime(2026, 3, 1, 10, 17, tzinfo=UTC)
    first = next_run(reminders.cron, after)
    assert first == expected
    assert next_run(reminders.cron, first) == first + timedelta(hours=1)


def test_scheduler_registers_every_entry(redis_conn: redis_lib.Redis) -> None:
    before = datetime.now(UTC)
    scheduler = build_scheduler(redis_conn)
    after = datetime.now(UTC)
    registered = json.loads(scheduler.to_dict()["cron_jobs"])

    assert sorted((j["name"], j["func_name"], j["cron"], j["queue_name"]) for j in registered) == sorted(
        (e.name, f"{e.func.__module__}.{e.func.__name__}", e.cron, DEFAULT_QUEUE) for e in SCHEDULE
    )
    assert {j["job_timeout"] for j in registered} == {JOB_TIMEOUT_SECONDS}
    for entry in registered:
        due = datetime.fromisoformat(entry["next_enqueue_time"].replace("Z", "+00:00"))
        assert due in {next_run(entry["cron"], before), next_run(entry["cron"], after)}, "first run: next from now"

    # A running scheduler shows on the Jobs page.
    assert queue_health().schedulers == 0
    scheduler.register_birth()
    assert queue_health().schedulers == 1
    scheduler.register_death()


def test_due_cron_job_runs_on_a_json_worker_and_shows_as_last_run(
    demo_database: str, redis_conn: redis_lib.Redis, frozen_clock: Clock
) -> None:
    scheduler = build_scheduler(redis_conn)
    queue = get_queue(connection=redis_conn)
    assert scheduler.enqueue_jobs() == [], "nothing is due yet"
    assert queue.count == 0

    [cron_job] = [j for j in scheduler._cron_jobs if j.name == "overdue-reminders"]
    cron_job.next_enqueue_time = datetime.now(UTC) - timedelta(seconds=1)
    assert scheduler.enqueue_jobs() == [cron_job]

    [job] = queue.get_jobs()
    assert job.func_name == "jobs.reminders.send_overdue_reminders"
    raw = redis_conn.hget(job.key, "data")
    assert isinstance(raw, bytes)
    assert json.loads(zlib.decompress(raw))[0] == job.func_name, "stored as JSON, not pickle"
    assert job.retries_left == default_retry().max
    assert job.timeout == JOB_TIMEOUT_SECONDS
    # The next run is the next minute 0 after this enqueue (not "due again at once").
    enqueued_at = cron_job.latest_enqueue_time
    assert enqueued_at is not None and abs((datetime.now(UTC) - enqueued_at).total_seconds()) < 60
    assert cron_job.next_enqueue_time == next_run(REMINDER_CRON, enqueued_at)
    assert cron_job.next_enqueue_time.minute == 0 and cron_job.next_enqueue_time > enqueued_at

    run_worker(redis_conn)

    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == {"sent": len(overdue_cases(frozen_clock.instant))}
    health = queue_health()
    assert health.reachable and health.finished == 1 and health.failed == 0
    [status] = [s for s in health.scheduled_jobs if s.name == "overdue-reminders"]
    assert status.last_job_id == job.id
    assert status.last_status == "finished"
    assert label("job_status", status.last_status, "zh") == "成功"  # what the Jobs page shows
    assert status.last_ended_at is not None and status.last_error is None
    assert status.next_run == next_run(REMINDER_CRON, frozen_clock.instant)


def test_queue_health_reports_a_redis_that_is_down(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    reset_settings()
    portal_queue.reset_connections()

    health = queue_health()

    assert health.reachable is False
    assert health.error
    assert health.scheduled_jobs == [] and health.failed_jobs == []


def test_the_weekly_summary_runs_monday_from_0800_office_time_and_catches_up_through_the_day(
    host_in_new_york: None,
) -> None:
    [weekly] = [entry for entry in SCHEDULE if entry.func is send_weekly_summaries]
    sunday_evening = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    first = next_run(weekly.cron, sunday_evening)
    assert first == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # Monday 08:00 in Shanghai
    assert next_run(weekly.cron, first) == first + timedelta(hours=1)  # a missed 08:00 run is made up at 09:00
    last = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 23:00 in Shanghai: the day's last run
    assert next_run(weekly.cron, last) == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # then next Monday
