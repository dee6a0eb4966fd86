"""Claim a notification before sending it, mark it after: a retried or duplicated job never sends twice."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import Notification, NotificationStatus
from portal import clock


def claim(
    *,
    session: Session,
    kind: str,
    target: str,
    day: date,
    recipient: str,
    subject: str,
    recipient_user_id: int | None = None,
) -> int | None:
    """The id of a fresh claim, or None when (kind, target, day) was already claimed or sent.

    A claim left in RETRY by a transient failure is taken over, atomically, by exactly one caller.
    Commit before sending: the committed row is what stops a second sender.
    """
    existing = session.exec(
        select(Notification).where(Notification.kind == kind, Notification.target == target, Notification.day == day)
    ).first()
    if existing is not None:
        taken = session.exec(
            update(Notification)
            .where(col(Notification.id) == existing.id, col(Notification.status) == NotificationStatus.RETRY.value)
            .values(status=NotificationStatus.CLAIMED.value, attempts=Notification.attempts + 1)
        )
        return existing.id if taken.rowcount == 1 else None
    row = Notification(
        kind=kind,
        target=target,
        day=day,
        recipient=recipient,
        recipient_user_id=recipient_user_id,
        subject=subject[:300],
        status=NotificationStatus.CLAIMED.value,
        attempts=1,
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another worker inserted the same key a moment ago
        return None
    return row.id


def mark(*, session: Session, notification_id: int, status: NotificationStatus, error: str | None = None) -> None:
    """Record the outcome of a send."""
    values: dict[str, object] = {"status": status.value, "error": error}
    if status is NotificationStatus.SENT:
        values["sent_at"] = clock.now()
    session.exec(update(Notification).where(col(Notification.id) == notification_id).values(**values))


def stuck_claims(*, session: Session, older_than: timedelta = timedelta(hours=1)) -> int:
    """Claims never marked sent or failed: the sender died between claiming and recording the outcome.

    They are not retried automatically (that could send twice); the Jobs page asks a person to look.
    """
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.status == NotificationStatus.CLAIMED.value, Notification.created_at < clock.now() - older_than
        )
    ).one()


def recent(*, session: Session, limit: int = 50, statuses: tuple[str, ...] = ()) -> list[Notification]:
    """Latest notifications, newest first (for the Jobs page)."""
    stmt = select(Notification).order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(limit)
    if statuses:
        stmt = stmt.where(col(Notification.status).in_(statuses))
    return list(session.exec(stmt).all())


def counts_by_status(*, session: Session) -> dict[str, int]:
    """How many notifications are in each status."""
    rows = session.exec(select(Notification.status, func.count()).group_by(col(Notification.status))).all()
    return dict(rows)
