"""The import job: a file saved under <data dir>/imports/, imported as a user, with progress in `job.meta`."""

from __future__ import annotations

import logging
from typing import Any

from rq import get_current_job

from db.session import session_scope
from portal.i18n import t
from portal.services.case_import import import_cases
from portal.services.errors import ServiceError
from portal.services.file_jobs import job_actor, upload_path

log = logging.getLogger(__name__)


def import_cases_job(path: str, username: str, dry_run: bool) -> dict[str, Any]:
    """Import the saved file as `username`. Safe to run twice: the second run finds every case a duplicate.

    A file or a user that cannot be used is a result (`error`), not an exception: retrying would not help.
    """
    job = get_current_job()

    def progress(done: int, total: int) -> None:
        if job is not None:
            job.meta["progress"] = {"rows_read": done, "total": total}
            job.save_meta()

    try:
        file = upload_path(path)
        with session_scope() as session:
            actor = job_actor(session=session, username=username)
        with session_scope(write=True) as session:
            result = import_cases(
                session=session,
                actor=actor,
                data=file.read_bytes(),
                filename=file.name,
                dry_run=dry_run,
                progress=progress,
            )
    except ServiceError as exc:
        log.warning("import of %s as %s refused: %s", path, username, exc)
        return {"imported": 0, "skipped_duplicates": 0, "errors": [], "error": exc.message()}
    except FileNotFoundError:
        return {"imported": 0, "skipped_duplicates": 0, "errors": [], "error": t("import.file_not_found", path=path)}
    log.info("import of %s as %s: %s", path, username, {"imported": result.imported, "rejected": result.rejected})
    return result.to_json() | {"rows": result.rows, "rejected": result.rejected, "dry_run": dry_run}
