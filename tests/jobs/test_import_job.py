"""The import job, run by a real RQ worker (JSON serializer) on a real Redis: progress in job.meta, rows in the
database, and a second run that imports nothing."""

from __future__ import annotations

from pathlib import Path

import redis as redis_lib
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from sqlmodel import col, func, select

from db.models import Case
from db.session import session_scope
from jobs.imports import import_cases_job
from portal.i18n import t
from portal.queue import enqueue
from portal.services import file_jobs
from tests.jobs.support import run_worker

HEADER = "事件编号,诉求来源,诉求类别,所属社区,所属网格,上报时间,诉求人,联系电话,诉求内容,办理状态,办结时间,满意度"
ROWS = 6_000  # more than one batch of 5,000, so progress is reported on the way


def big_file(rows: int = ROWS) -> bytes:
    lines = [HEADER]
    for n in range(rows):
        grid = "郑家台社区第一网格" if n % 2 else ""
        lines.append(f"JOB-{n:05d},小兰平台,环境卫生,郑家台社区,{grid},2026-03-05 14:22,,,楼道堆物 {n},已受理,,")
    return "\n".join(lines).encode("gbk")


def count(prefix: str = "JOB-") -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Case).where(col(Case.reference).startswith(prefix))).one()


def finished(job_id: str, conn: redis_lib.Redis) -> Job:
    job = Job.fetch(job_id, connection=conn, serializer=JSONSerializer)
    assert job.get_status() == JobStatus.FINISHED, job.latest_result()
    return job


def test_the_job_reports_progress_imports_and_a_second_run_imports_nothing(
    demo_database: str, redis_conn: redis_lib.Redis
) -> None:
    path = file_jobs.save_upload(big_file(), "小兰导出.csv")
    assert path.parent.parent == file_jobs.imports_dir()
    job_id = file_jobs.start_import_job(path, "staff", False)  # as the page enqueues it
    assert file_jobs.job_state(job_id).status == "queued"
    run_worker(redis_conn)
    job = finished(job_id, redis_conn)
    assert job.meta["progress"] == {"rows_read": ROWS, "total": ROWS}
    result = job.return_value()
    assert result is not None
    assert (result["imported"], result["skipped_duplicates"], result["errors"]) == (ROWS, 0, [])
    assert count() == ROWS
    state = file_jobs.job_state(job_id)
    assert (state.status, state.rows_read, state.total, state.result) == ("finished", ROWS, ROWS, result)

    rerun = enqueue(import_cases_job, str(path), "staff", False)  # RQ may run a job twice: nothing doubles
    run_worker(redis_conn)
    again = finished(rerun.id, redis_conn).return_value()
    assert again is not None and (again["imported"], again["skipped_duplicates"]) == (0, ROWS)
    assert count() == ROWS


def test_a_dry_run_job_writes_nothing(demo_database: str, redis_conn: redis_lib.Redis) -> None:
    path = file_jobs.save_upload(big_file(10), "cases.csv")
    job = enqueue(import_cases_job, str(path), "admin", True)
    run_worker(redis_conn)
    result = finished(job.id, redis_conn).return_value()
    assert result is not None and (result["imported"], result["dry_run"]) == (10, True)
    assert count() == 0


def test_a_file_outside_the_imports_folder_or_a_leader_is_refused(
    demo_database: str, redis_conn: redis_lib.Redis, tmp_path: Path
) -> None:
    outside = tmp_path / "cases.csv"
    outside.write_bytes(big_file(3))
    inside = file_jobs.save_upload(big_file(3), "cases.csv")
    jobs = [
        enqueue(import_cases_job, str(outside), "staff", False),
        enqueue(import_cases_job, str(inside), "leader", False),
        enqueue(import_cases_job, str(inside.parent / ".." / ".." / "portal.db"), "staff", False),
    ]
    run_worker(redis_conn)
    results = [finished(job.id, redis_conn).return_value() for job in jobs]  # over, not retried: retrying won't help
    assert [r["error"] if r else None for r in results] == [t("error.forbidden", "zh")] * 3
    assert count() == 0
