"""The export job: the cases a user sees under the list's filters, written to <data dir>/exports/<job>/."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from rq import get_current_job

from db.session import session_scope
from portal import clock
from portal.services.case_export import count_export, export_file, file_name
from portal.services.file_jobs import exports_dir, filters_from_json, job_actor

log = logging.getLogger(__name__)


def export_cases_job(username: str, filters: dict[str, Any], fmt: str) -> dict[str, Any]:
    """Export as `username` (their role and scope now, their phone masking); progress in `job.meta`.

    Returns {"path", "file_name", "rows"}. Running it twice writes the file twice; nothing else changes.
    """
    job = get_current_job()
    chosen = filters_from_json(filters)

    def report(done: int, total: int) -> None:
        if job is not None:
            job.meta["progress"] = {"rows_read": done, "total": total}
            job.save_meta()

    with session_scope() as session:
        actor = job_actor(session=session, username=username)
        total = count_export(session=session, actor=actor, filters=chosen)
        report(0, total)
        data = export_file(fmt, session=session, actor=actor, filters=chosen, progress=lambda n: report(n, total))
    folder = exports_dir() / (job.id if job is not None else uuid.uuid4().hex)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(fmt, clock.now())
    path.write_bytes(data)
    report(total, total)
    log.info("export of %d cases as %s to %s", total, username, path)
    return {"path": str(path), "file_name": path.name, "rows": total}
