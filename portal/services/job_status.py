"""Queue health for the Jobs page: counts per state, workers, the scheduler, the last run of each scheduled job."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import redis
from rq import Worker
from rq.cron import CronScheduler, get_cron_job_ids
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs.schedule import SCHEDULE, next_run
from portal import clock
from portal.queue import get_queue, get_redis


@dataclass(frozen=True)
class ScheduledJobStatus:
    name: str
    cron: str
    next_run: datetime
    last_job_id: str | None
    last_status: str | None
    last_ended_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class FailedJob:
    id: str
    func: str
    error: str
    ended_at: datetime | None


@dataclass(frozen=True)
class QueueHealth:
    reachable: bool
    error: str | None = None
    queued: int = 0
    running: int = 0
    failed: int = 0
    scheduled: int = 0
    finished: int = 0
    workers: int = 0
    schedulers: int = 0
    scheduled_jobs: list[ScheduledJobStatus] = field(default_factory=list)
    failed_jobs: list[FailedJob] = field(default_factory=list)


def queue_health(*, failed_limit: int = 20) -> QueueHealth:
    """Everything the Jobs page shows; `reachable=False` (with the error) when Redis is down."""
    try:
        conn = get_redis()
        queue = get_queue(connection=conn)
        failed_registry = queue.failed_job_registry
        failed_ids = failed_registry.get_job_ids(0, failed_limit - 1)
        failed_jobs = [
            FailedJob(job.id, job.func_name or "", _last_error(job) or "", job.ended_at)
            for job in Job.fetch_many(failed_ids, connection=conn, serializer=JSONSerializer)
            if job is not None
        ]
        return QueueHealth(
            reachable=True,
            queued=queue.count,
            running=queue.started_job_registry.count,
            failed=failed_registry.count,
            scheduled=queue.scheduled_job_registry.count,
            finished=queue.finished_job_registry.count,
            workers=len(Worker.all(connection=conn)),
            schedulers=len(CronScheduler.all(conn)),
            scheduled_jobs=[_scheduled_status(conn, entry.name, entry.cron) for entry in SCHEDULE],
            failed_jobs=failed_jobs,
        )
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        return QueueHealth(reachable=False, error=str(exc))


def _last_error(job: Job) -> str | None:
    result = job.latest_result()
    text = (result.exc_string or "").strip() if result is not None else ""
    return text.splitlines()[-1] if text else None


def _scheduled_status(conn: redis.Redis, name: str, cron: str) -> ScheduledJobStatus:
    last: Job | None = None
    ids = get_cron_job_ids(name, conn, 0, 0)
    if ids:
        try:
            last = Job.fetch(ids[0], connection=conn, serializer=JSONSerializer)
        except NoSuchJobError:  # its result expired; the history still lists the id
            last = None
    return ScheduledJobStatus(
        name=name,
        cron=cron,
        next_run=next_run(cron, clock.now()),
        last_job_id=last.id if last else (ids[0] if ids else None),
        # .value: JobStatus is a (str, Enum), and str() of it is 'JobStatus.FINISHED' on Python 3.11+.
        last_status=last.get_status(refresh=False).value if last else None,
        last_ended_at=last.ended_at if last else None,
        last_error=_last_error(last) if last else None,
    )
