"""Imports and exports handed to the job queue: where their files wait, whom they act as, what the page polls."""

from __future__ import annotations

import re
import shutil
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import date
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
from portal.services.cases import CaseFilters
from portal.services.errors import NotFound, PermissionDenied

_UNSAFE_NAME = re.compile(r"[^\w.\-（）()\u4e00-\u9fff]+")
KEEP_FILES_SECONDS = 24 * 3600  # uploads and exports older than this are removed when a new one starts


def imports_dir() -> Path:
    """<data dir>/imports: one folder per upload, named by the upload's token."""
    return get_settings().resolved_data_dir / "imports"


def exports_dir() -> Path:
    """<data dir>/exports: one folder per export job, named by the job's token."""
    return get_settings().resolved_data_dir / "exports"


def _prune(folder: Path) -> None:
    """Remove the job folders under `folder` that are older than KEEP_FILES_SECONDS."""
    cutoff = time.time() - KEEP_FILES_SECONDS
    for old in folder.glob("*/") if folder.is_dir() else ():
        if old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)


def save_upload(data: bytes, filename: str) -> Path:
    """Keep an uploaded file for a worker; its folder's random name becomes the job's id."""
    _prune(imports_dir())
    folder = imports_dir() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    name = _UNSAFE_NAME.sub("_", PurePath(filename).name).strip("._") or "upload.csv"
    path = folder / name
    path.write_bytes(data)
    return path


def upload_path(path: str) -> Path:
    """The saved upload at `path`; refuses anything outside the imports folder (job arguments are just strings)."""
    return _inside(imports_dir(), path)


def exported_file(path: str) -> bytes:
    """The bytes of a finished export; refuses anything outside the exports folder."""
    return _inside(exports_dir(), path).read_bytes()


def _inside(folder: Path, path: str) -> Path:
    resolved = Path(path).resolve()
    if folder.resolve() not in resolved.parents:
        raise PermissionDenied("error.forbidden")
    return resolved


def job_actor(*, session: Session, username: str) -> Actor:
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


def start_export_job(username: str, filters: CaseFilters, fmt: str) -> str:
    """Enqueue the export of the cases `username` sees under `filters`; returns the job id."""
    from jobs.exports import export_cases_job

    _prune(exports_dir())
    job = enqueue(export_cases_job, username, filters_to_json(filters), fmt, job_id=f"export-{uuid.uuid4().hex}")
    return job.id


def filters_to_json(filters: CaseFilters) -> dict[str, Any]:
    """The list's filters as JSON values (a job's arguments)."""
    values = asdict(filters)
    for name in ("date_from", "date_to"):
        values[name] = values[name].isoformat() if values[name] else None
    return values | {"statuses": list(filters.statuses)}


def filters_from_json(values: dict[str, Any]) -> CaseFilters:
    """The inverse of `filters_to_json`."""
    dates = {n: date.fromisoformat(values[n]) if values.get(n) else None for n in ("date_from", "date_to")}
    return CaseFilters(**(values | dates | {"statuses": tuple(values.get("statuses") or ())}))


@dataclass(frozen=True)
class FileJobState:
    status: str  # queued | started | finished | failed | missing | unreachable
    rows_read: int = 0
    total: int | None = None
    result: dict[str, Any] | None = None
    error: str | None = None

    @property
    def done(self) -> bool:
        return self.status in ("finished", "failed", "missing")


def job_state(job_id: str) -> FileJobState:
    """Progress and, once over, the result (or the error) of an import or export job."""
    try:
        job = Job.fetch(job_id, connection=get_redis(), serializer=JSONSerializer)
        status = job.get_status()
    except NoSuchJobError:
        return FileJobState("missing")
    except (redis.RedisError, OSError) as exc:
        return FileJobState("unreachable", error=str(exc) or type(exc).__name__)
    progress = job.meta.get("progress") or {}
    read, total = int(progress.get("rows_read", 0)), progress.get("total")
    if status == JobStatus.FINISHED:
        return FileJobState("finished", read, total, result=job.return_value())
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        latest = job.latest_result()
        lines = (latest.exc_string or "").strip().splitlines() if latest is not None else []
        return FileJobState("failed", read, total, error=lines[-1] if lines else status.value)
    return FileJobState("started" if status == JobStatus.STARTED else "queued", read, total)
