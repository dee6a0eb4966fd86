"""Report jobs: compile one report (with progress), and the Monday summary to every subscriber, sent once."""

from __future__ import annotations

import json
import logging
from collections import Counter
from email.message import EmailMessage
from functools import partial
from pathlib import Path

from rq import get_current_job

from db.models import Report
from db.session import session_scope
from portal import clock, mailer
from portal.reports.email_body import chart_cid
from portal.reports.period import last_week
from portal.services import reports
from portal.services.actor import Actor
from portal.services.delivery import Recipient, deliver
from portal.services.orgs import load_tree
from portal.spreadsheet import MEDIA_TYPE

KIND = "weekly_summary"
log = logging.getLogger(__name__)


def compile_report_job(report_id: int) -> dict[str, object]:
    """Compile a requested report; progress (percent) in job.meta for the Reports page. Safe to run twice."""
    job = get_current_job()

    def progress(percent: int) -> None:
        if job is not None:
            job.meta["progress"] = percent
            job.save_meta()

    report = reports.compile_report(report_id, progress)
    return {"report_id": report_id, "status": report.status}


def send_weekly_summaries() -> dict[str, int]:
    """Last ISO week's report for each subscriber's org node, emailed to them once.

    Runs every Monday from 08:00 (office time), hourly through the day: the first run sends, later ones find
    every email claimed and send only what a transient failure left for retry. Raises after the loop when some
    sends failed transiently, so RQ retries the job; permanent failures are recorded on the notification.
    """
    period = last_week(clock.today())
    with session_scope() as session:
        people = reports.weekly_subscribers(session=session)
        root = load_tree(session=session).roots[0]
    by_scope: dict[int, list[reports.Subscriber]] = {}
    for person in people:
        by_scope.setdefault(person.org_id, []).append(person)
    counts: Counter[str] = Counter()
    for scope_id, subscribers in by_scope.items():
        with session_scope(write=True) as session:
            report = reports.weekly_report(session=session, scope_id=scope_id, period=period)
            if report is None:
                report = reports.request_report(
                    session=session, actor=Actor.system(root), scope_id=scope_id, period=period, kind="weekly"
                )
            report_id = report.id or 0
        report = reports.compile_report(report_id)
        subject = json.loads(Path(report.files["subject"]).read_text("utf-8"))["subject"]
        for person in subscribers:
            outcome = deliver(
                kind=KIND,
                target=f"report:{scope_id}:{period.label}:user:{person.user_id}",
                day=period.start,
                recipient=Recipient(person.email, person.username, person.user_id),
                subject=subject,
                build=partial(message, report, subject, person.email or ""),
            )
            counts[outcome] += 1
    log.info("weekly summaries for %s: %s", period.label, dict(counts))
    if counts["retry"]:
        raise mailer.TransientMailError(f"{counts['retry']} weekly email(s) hit a transient error; will retry")
    return dict(counts)


def message(report: Report, subject: str, to: str) -> EmailMessage:
    """The email of a compiled report: its HTML (charts inline) and text bodies, its workbook attached."""
    files = {name: Path(path) for name, path in report.files.items()}
    images = [
        mailer.Inline(chart_cid(name.removeprefix("png:")), path.read_bytes())
        for name, path in files.items()
        if name.startswith("png:")
    ]
    return mailer.build_message(
        to=to,
        subject=subject,
        text=files["text"].read_text("utf-8"),
        html=files["html"].read_text("utf-8"),
        images=images,
        attachments=[mailer.Attachment(files["xlsx"].name, files["xlsx"].read_bytes(), MEDIA_TYPE)],
    )
