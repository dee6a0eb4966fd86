"""Reminder jobs: overdue cases -> the person answerable for each, at most once per case per day."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date

from db.models import NotificationStatus
from db.session import session_scope
from portal import clock, mailer
from portal.i18n import t
from portal.services import notifications
from portal.services.reminders import OverdueReminder, overdue_reminders

KIND = "case_overdue"
log = logging.getLogger(__name__)


def send_overdue_reminders() -> dict[str, int]:
    """Email each overdue case's assignee (or nearest staff). Safe to run twice: a claimed day is skipped.

    Raises after the loop when some sends failed transiently, so RQ's Retry runs the job again;
    the rerun sends only those (claims in RETRY), not the ones already delivered.
    """
    now = clock.now()
    day = clock.local_day(now)
    with session_scope() as session:
        due = overdue_reminders(session=session, now=now)
    counts: Counter[str] = Counter()
    for item in due:
        counts[_remind(item, day)] += 1
    log.info("overdue reminders: %s", dict(counts))
    if counts["retry"]:
        raise mailer.TransientMailError(f"{counts['retry']} reminder(s) hit a transient error; will retry")
    return dict(counts)


def _remind(item: OverdueReminder, day: date) -> str:
    subject = t("mail.overdue.subject", "zh", reference=item.reference, category=item.category, org=item.org)
    with session_scope(write=True) as session:
        claim_id = notifications.claim(
            session=session,
            kind=KIND,
            target=f"case:{item.case_id}",
            day=day,
            recipient=item.email or item.username,
            recipient_user_id=item.user_id,
            subject=subject,
        )
    if claim_id is None:
        return "already_sent"
    status, error = NotificationStatus.SENT, None
    if not item.email:
        status, error = NotificationStatus.FAILED, f"user {item.username} has no email address"
    else:
        due = clock.as_utc(item.due_at).astimezone(clock.local_tz())
        body = t(
            "mail.overdue.body",
            "zh",
            name=item.display_name,
            reference=item.reference,
            category=item.category,
            org=item.org,
            due=f"{due:%Y-%m-%d %H:%M}",
            description=item.description[:500],
        )
        try:
            mailer.send(mailer.build_message(to=item.email, subject=subject, text=body), key=f"{KIND}-{claim_id}")
        except mailer.TransientMailError as exc:
            status, error = NotificationStatus.RETRY, str(exc)
        except mailer.PermanentMailError as exc:
            status, error = NotificationStatus.FAILED, str(exc)
    with session_scope() as session:
        notifications.mark(session=session, notification_id=claim_id, status=status, error=error)
    return {"sent": "sent", "retry": "retry", "failed": "failed"}[status.value]
