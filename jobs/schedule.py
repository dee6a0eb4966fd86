"""What runs when. Cron strings are read in the portal's time zone (PORTAL_TIMEZONE), whatever the host's is."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from croniter import croniter
from redis import Redis
from rq import cron_job_registry
from rq.cron import CronJob, CronScheduler
from rq.defaults import DEFAULT_CRON_JOB_HISTORY_LIMIT, DEFAULT_CRON_JOB_HISTORY_TTL
from rq.job import Job
from rq.utils import now as rq_now

from jobs.reminders import send_activity_reminders, send_overdue_reminders
from jobs.reports import send_weekly_summaries
from portal.clock import local_tz
from portal.defaults import (
    ACTIVITY_REMINDER_CRON,
    DEFAULT_QUEUE,
    JOB_TIMEOUT_SECONDS,
    REMINDER_CRON,
    WEEKLY_REPORT_CRON,
)
from portal.queue import default_retry, get_queue


@dataclass(frozen=True)
class Scheduled:
    name: str
    func: Callable[..., Any]
    cron: str


SCHEDULE: tuple[Scheduled, ...] = (
    Scheduled("overdue-reminders", send_overdue_reminders, REMINDER_CRON),
    Scheduled("activity-reminders", send_activity_reminders, ACTIVITY_REMINDER_CRON),
    Scheduled("weekly-summary", send_weekly_summaries, WEEKLY_REPORT_CRON),
)


def next_run(cron: str, after: datetime) -> datetime:
    """The next time `cron` fires after `after`, reading the cron fields in the portal's time zone."""
    return croniter(cron, after.astimezone(local_tz())).get_next(datetime).astimezone(UTC)


class PortalCronJob(CronJob):
    """RQ's CronJob with our two differences: the JSON serializer (with retries) and the portal's time zone."""

    def get_next_enqueue_time(self) -> datetime:
        if self.cron:
            return next_run(self.cron, self.latest_enqueue_time or rq_now())
        return super().get_next_enqueue_time()

    def enqueue(self, connection: Redis) -> Job:
        # Same bookkeeping as CronJob.enqueue, but on a JSON-serialized queue: RQ's own builds a
        # default (pickle) Queue, which our JSON workers could not read.
        assert self.func is not None
        queue = get_queue(self.queue_name, connection)
        with connection.pipeline() as pipeline:
            job = queue.enqueue(
                self.func,
                args=self.args,
                kwargs=self.kwargs,
                retry=default_retry(),
                **self.job_options,
                pipeline=pipeline,
            )
            assert job.enqueued_at is not None
            stamp = job.enqueued_at.timestamp()
            pipeline.zadd(self.job_history_key, {job.id: stamp})
            pipeline.zremrangebyrank(self.job_history_key, 0, -(DEFAULT_CRON_JOB_HISTORY_LIMIT + 1))
            pipeline.expire(self.job_history_key, DEFAULT_CRON_JOB_HISTORY_TTL)
            cron_job_registry.add(self.name, pipeline, enqueue_timestamp=stamp)
            pipeline.execute()
        logging.getLogger(__name__).info("enqueued %s as %s", self.name, job.id)
        return job


class PortalCronScheduler(CronScheduler):
    """Registers PortalCronJob instead of CronJob."""

    def register(self, func: Callable[..., Any], queue_name: str, **options: Any) -> CronJob:  # type: ignore[override]
        job = PortalCronJob(queue_name=queue_name, func=func, **options)
        self._cron_jobs.append(job)
        return job


def build_scheduler(connection: Redis) -> CronScheduler:
    """A cron scheduler holding every entry of SCHEDULE. Run exactly one: RQ's has no leader lock."""
    scheduler = PortalCronScheduler(connection=connection)
    for entry in SCHEDULE:
        scheduler.register(entry.func, DEFAULT_QUEUE, cron=entry.cron, name=entry.name, job_timeout=JOB_TIMEOUT_SECONDS)
    return scheduler
