"""Imports handed to the job queue: where uploads wait, who imports them, and what the page polls."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from sqlmodel import Session, col, select

from db.models import User
from portal.config import get_settings
from portal.queue import enqueue, get_redis
from portal.services.actor import Actor
from portal.services.errors import NotFound, PermissionDenied

_UNSAFE_NAME = re.compile(r"[^\w.\-（）()\u4e00-\u9fff]+")


def imports_dir() -> Path:
    """<data dir>/imports: one folder per upload, named by the upload's token."""
    return get_settings().resolved_data_dir / "imports"


def save_upload(data: bytes, filename: str) -> Path:
    """Keep an uploaded file for a worker; its folder's random name becomes the job's id."""
    folder = imports_dir() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    name = _UNSAFE_NAME.sub("_", PurePath(filename).name).strip("._") or "upload.csv"
    path = folder / name
    path.write_bytes(data)
    return path


def upload_path(path: str) -> Path:
    """The saved upload at `path`; refuses anything outside the imports folder (job arguments are just strings)."""
    resolved = Path(path).resolve()
    if imports_dir().resolve() not in resolved.parents:
        raise PermissionDenied("error.forbidden")
    return resolved


def importing_actor(*, session: Session, username: str) -> Actor:
    """The active user a job or the command imports as."""
    user = session.exec(select(User).where(User.username == username, col(User.active).is_(True))).first()
    if user is None:
        raise NotFound("import.user_unknown", username=username)
    return Actor.of(user)


def queue_problem() -> str | None:
    """Why the job queue cannot take work now (Redis unreachable), or None when it can."""
    try:
        get_redis().ping()
    except (redis.RedisError, OSError) as exc:
        return str(exc) or type(exc).__name__
    return None


def start_import_job(path: Path, username: str, dry_run: bool) -> str:
    """Enqueue the import of a saved upload; returns the job id (from the upload's token)."""
    from jobs.imports import import_cases_job  # jobs import the services; not the other way round at import time

    job = enqueue(import_cases_job, str(path), username, dry_run, job_id=f"import-{path.parent.name}")
    return job.id


@dataclass(frozen=True)
class ImportJobState:
    status: str  # queued | started | finished | failed | missing | unreachable
    rows_read: int = 0
    total: int | None = None
    result: dict[str, Any] | None = None
    error: str | None = None

    @property
    def done(self) -> bool:
        return self.status in ("finished", "failed", "missing")


def import_job_state(job_id: str) -> ImportJobState:
    """Progress and, once over, the result (or the error) of an import job."""
    try:
        job = Job.fetch(job_id, connection=get_redis(), serializer=JSONSerializer)
        status = job.get_status()
    except NoSuchJobError:
        return ImportJobState("missing")
    except (redis.RedisError, OSError) as exc:
        return ImportJobState("unreachable", error=str(exc) or type(exc).__name__)
    progress = job.meta.get("progress") or {}
    read, total = int(progress.get("rows_read", 0)), progress.get("total")
    if status == JobStatus.FINISHED:
        return ImportJobState("finished", read, total, result=job.return_value())
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        latest = job.latest_result()
        lines = (latest.exc_string or "").strip().splitlines() if latest is not None else []
        return ImportJobState("failed", read, total, error=lines[-1] if lines else status.value)
    return ImportJobState("started" if status == JobStatus.STARTED else "queued", read, total)
