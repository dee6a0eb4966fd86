"""Redis connections and RQ queues. JSON serializer everywhere: jobs take ids and strings, never objects."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import redis
from rq import Queue, Retry, Worker
from rq.job import Job
from rq.serializers import JSONSerializer

from portal import embedded_redis
from portal.config import get_settings
from portal.defaults import DEFAULT_QUEUE, JOB_FAILURE_TTL_SECONDS, JOB_RESULT_TTL_SECONDS, JOB_TIMEOUT_SECONDS

_connections: dict[tuple[int, str, bool], redis.Redis] = {}
_lock = threading.Lock()


def redis_url() -> str:
    """PORTAL_REDIS_URL, or the embedded server's socket under the data dir."""
    settings = get_settings()
    return settings.redis_url or embedded_redis.url_for(settings.embedded_redis_dir)


def get_redis(*, blocking: bool = False) -> redis.Redis:
    """A connection for this process. Pages get short timeouts so a down Redis never hangs them;
    workers (`blocking=True`) wait on BLPOP and must not time out the socket."""
    url = redis_url()
    key = (os.getpid(), url, blocking)
    conn = _connections.get(key)
    if conn is None:
        with _lock:
            conn = _connections.get(key)
            if conn is None:
                options: dict[str, Any] = {"socket_connect_timeout": 3, "health_check_interval": 30}
                if not blocking:
                    options["socket_timeout"] = 5
                conn = redis.Redis.from_url(url, **options)
                _connections[key] = conn
    return conn


def reset_connections() -> None:
    """Drop cached connections (tests switch servers)."""
    with _lock:
        for conn in _connections.values():
            conn.close()
        _connections.clear()


def get_queue(name: str = DEFAULT_QUEUE, connection: redis.Redis | None = None) -> Queue:
    """An RQ queue using the JSON serializer."""
    return Queue(name, connection=connection or get_redis(), serializer=JSONSerializer)


def default_retry() -> Retry:
    """Three more tries, backing off; needs a worker started with its scheduler (ours is)."""
    return Retry(max=3, interval=[60, 300, 900])


def enqueue(func: Callable[..., Any], *args: Any, job_id: str | None = None, **kwargs: Any) -> Job:
    """Enqueue `func(*args)` on the default queue. Call it after the database commit the job reads."""
    return get_queue().enqueue(
        func,
        args=args,
        kwargs=kwargs,
        job_id=job_id,
        job_timeout=JOB_TIMEOUT_SECONDS,
        result_ttl=JOB_RESULT_TTL_SECONDS,
        failure_ttl=JOB_FAILURE_TTL_SECONDS,
        retry=default_retry(),
    )


def make_worker(connection: redis.Redis | None = None, *, name: str | None = None) -> Worker:
    """A worker on the default queue with the JSON serializer."""
    conn = connection or get_redis(blocking=True)
    return Worker([get_queue(connection=conn)], connection=conn, serializer=JSONSerializer, name=name)


def retry_failed_job(job_id: str) -> None:
    """Put a failed job back on its queue (admin action on the Jobs page)."""
    queue = get_queue()
    queue.failed_job_registry.requeue(job_id)
