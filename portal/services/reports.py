"""Compiled reports: request one, compile it (a worker or the CLI), list and download them within scope.

A report's files live under <data dir>/reports/<id>/: the HTML and text email bodies, the workbook and one
PNG per chart, so the Monday email is built from exactly what the Reports page offers for download.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from db.models import Report, ReportStatus, Subscription, SubscriptionTopic, User
from db.session import session_scope
from portal import clock
from portal.config import get_settings
from portal.permissions import can
from portal.reports import email_body, images, workbook
from portal.reports.compile import compile_content
from portal.reports.content import ReportContent
from portal.reports.period import ReportPeriod, date_range, parse
from portal.services.actor import Actor
from portal.services.errors import NotFound, PermissionDenied
from portal.services.orgs import load_tree
from portal.spreadsheet import MEDIA_TYPE

Progress = Callable[[int], None]  # percent done
DOWNLOADS = {"xlsx": MEDIA_TYPE, "html": "text/html"}


@dataclass(frozen=True)
class ReportRow:
    id: int
    kind: str
    scope: str
    period: str
    status: str
    progress: int
    created_by: str
    created_at: datetime
    error: str | None


def reports_dir() -> Path:
    return get_settings().resolved_data_dir / "reports"


def period_of(report: Report) -> ReportPeriod:
    """The period a stored report covers."""
    return parse(report.period_label) if ".." not in report.period_label else date_range(report.start, report.end)


def request_report(
    *,
    session: Session,
    actor: Actor,
    scope_id: int,
    period: ReportPeriod,
    source: str | None = None,
    category_id: int | None = None,
    kind: str = "on_demand",
) -> Report:
    """Record a report to compile (status queued); the caller enqueues the job after the commit."""
    if not can(actor.role, "report.compile"):
        raise PermissionDenied("error.forbidden")
    tree = load_tree(session=session)
    if scope_id not in tree.nodes or not tree.contains(actor.org_id, scope_id):
        raise NotFound("error.org_not_found", node=scope_id)
    filters = {k: str(v) for k, v in (("source", source), ("category_id", category_id)) if v}
    report = Report(
        kind=kind,
        scope_id=scope_id,
        period_label=period.label,
        start=period.start,
        end=period.end,
        filters=filters,
        created_by_id=actor.user_id,
        created_at=clock.now(),
    )
    session.add(report)
    session.flush()
    return report


def list_reports(*, session: Session, actor: Actor, limit: int = 50) -> list[ReportRow]:
    """The latest reports whose scope lies inside the actor's, newest first."""
    tree = load_tree(session=session)
    stmt = (
        select(Report, User.display_name)
        .join(User, col(User.id) == Report.created_by_id, isouter=True)
        .where(col(Report.scope_id).in_(sorted(tree.descendants(actor.org_id))))
        .order_by(col(Report.created_at).desc(), col(Report.id).desc())
        .limit(limit)
    )
    return [
        ReportRow(
            r.id or 0,
            r.kind,
            tree.label(r.scope_id),
            r.period_label,
            r.status,
            r.progress,
            name or "system",
            r.created_at,
            r.error,
        )
        for r, name in session.exec(stmt).all()
    ]


def get_report(*, session: Session, actor: Actor, report_id: int) -> Report:
    """One report, or NotFound when it is missing or outside the actor's scope."""
    report = session.get(Report, report_id)
    if report is None or not load_tree(session=session).contains(actor.org_id, report.scope_id):
        raise NotFound("error.not_found")
    return report


def report_downloads(*, session: Session, actor: Actor, report_id: int) -> dict[str, Path]:
    """The files a finished report offers for download, by format (xlsx, html); NotFound outside the scope."""
    report = get_report(session=session, actor=actor, report_id=report_id)
    if report.status != ReportStatus.DONE.value:
        raise NotFound("error.not_found")
    return {fmt: Path(report.files[fmt]) for fmt in DOWNLOADS if report.files.get(fmt)}


def compile_report(report_id: int, progress: Progress | None = None) -> Report:
    """Compile and render a requested report into its folder; marks it done (or failed, and re-raises)."""
    with session_scope(write=True) as session:
        report = session.get(Report, report_id)
        if report is None:
            raise NotFound("error.not_found")
        if report.status == ReportStatus.DONE.value:
            return report  # a retried job: the files are there
        report.status, report.progress = ReportStatus.RUNNING.value, 5
    _progress(report_id, 5, progress)
    try:
        with session_scope() as session:
            report = session.get(Report, report_id)
            assert report is not None
            content = compile_content(
                session=session,
                scope_id=report.scope_id,
                period=period_of(report),
                source=report.filters.get("source"),
                category_id=int(report.filters["category_id"]) if report.filters.get("category_id") else None,
                weekly=report.kind == "weekly",
            )
        _progress(report_id, 40, progress)
        files = _write(report_id, content, lambda share: _progress(report_id, 40 + int(55 * share), progress))
    except Exception as exc:
        with session_scope(write=True) as session:
            failed = session.get(Report, report_id)
            if failed is not None:
                failed.status, failed.error = ReportStatus.FAILED.value, f"{type(exc).__name__}: {exc}"
                failed.finished_at = clock.now()
        raise
    with session_scope(write=True) as session:
        report = session.get(Report, report_id)
        assert report is not None
        report.files = files
        report.headline = {h.key: h.value for h in content.headlines}
        report.status, report.progress, report.finished_at = ReportStatus.DONE.value, 100, clock.now()
        session.add(report)
    if progress is not None:
        progress(100)
    return report


def _write(report_id: int, content: ReportContent, progress: Callable[[float], None]) -> dict[str, str]:
    folder = reports_dir() / str(report_id)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{content.scope_code}-{content.period.label.replace('..', '_')}"
    files = {
        "html": folder / f"{stem}.html",
        "text": folder / f"{stem}.txt",
        "xlsx": folder / f"{stem}.xlsx",
        "subject": folder / "subject.json",
    }
    files["html"].write_text(email_body.html(content), "utf-8")
    files["text"].write_text(email_body.text(content), "utf-8")
    files["xlsx"].write_bytes(workbook.xlsx(content))
    files["subject"].write_text(json.dumps({"subject": content.title}, ensure_ascii=False), "utf-8")
    for done, chart in enumerate(content.charts, start=1):
        files[f"png:{chart.key}"] = folder / f"{chart.key}.png"
        files[f"png:{chart.key}"].write_bytes(images.png(chart.spec))
        progress(done / len(content.charts))
    return {name: str(path) for name, path in files.items()}


def _progress(report_id: int, percent: int, progress: Progress | None) -> None:
    with session_scope(write=True) as session:
        report = session.get(Report, report_id)
        if report is not None and report.status == ReportStatus.RUNNING.value:
            report.progress = percent
    if progress is not None:
        progress(percent)


def weekly_report(*, session: Session, scope_id: int, period: ReportPeriod) -> Report | None:
    """The weekly report already compiled (or being compiled) for this scope and week, if any."""
    return session.exec(
        select(Report)
        .where(
            Report.kind == "weekly",
            Report.scope_id == scope_id,
            Report.period_label == period.label,
            col(Report.status) != ReportStatus.FAILED.value,
        )
        .order_by(col(Report.id))
    ).first()


@dataclass(frozen=True)
class Subscriber:
    user_id: int
    username: str
    email: str | None
    org_id: int


def weekly_subscribers(*, session: Session) -> list[Subscriber]:
    """Active users with an active weekly-summary subscription; each gets the report of their own org node."""
    rows = session.exec(
        select(User)
        .join(Subscription, col(Subscription.user_id) == User.id)
        .where(
            Subscription.topic == SubscriptionTopic.WEEKLY_SUMMARY.value,
            col(Subscription.active).is_(True),
            col(User.active).is_(True),
        )
        .order_by(col(User.org_id), col(User.id))
    ).all()
    return [Subscriber(u.id or 0, u.username, u.email, u.org_id) for u in rows]


def enqueue_report(report_id: int) -> str:
    """Hand a requested report to a worker (after the commit that recorded it); returns the job id."""
    from jobs.reports import compile_report_job  # jobs import the services, not the other way round
    from portal.queue import enqueue

    return enqueue(compile_report_job, report_id, job_id=f"report-{report_id}").id
