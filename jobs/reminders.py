"""Reminder jobs, at most one email per item and kind per office day, however often they run:
overdue cases -> the person answerable for each; activities starting within 3 days -> their person in charge;
corrective actions past due -> their owner."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime

from db.session import session_scope
from portal import clock, mailer
from portal.i18n import t
from portal.services.activity_reminders import Reminder, overdue_actions, upcoming_activities
from portal.services.delivery import Recipient, deliver
from portal.services.reminders import OverdueReminder, overdue_reminders

KIND = "case_overdue"
ACTIVITY_KIND = "activity_upcoming"
ACTION_KIND = "action_overdue"
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


def send_activity_reminders() -> dict[str, int]:
    """Email the person in charge of each activity starting within 3 days, and the owner of each corrective
    action past due. Safe to run twice: a claimed (item, kind, day) is skipped; transient failures retry."""
    now = clock.now()
    day = clock.local_day(now)
    with session_scope() as session:
        soon = upcoming_activities(session=session, now=now)
        late = overdue_actions(session=session, today=day)
    counts: Counter[str] = Counter()
    for item in soon:
        counts[_remind_activity(item, day)] += 1
    for item in late:
        counts[_remind_action(item, day)] += 1
    log.info("activity reminders: %s", dict(counts))
    if counts["retry"]:
        raise mailer.TransientMailError(f"{counts['retry']} reminder(s) hit a transient error; will retry")
    return dict(counts)


def _remind_activity(item: Reminder, day: date) -> str:
    assert isinstance(item.when, datetime)
    starts = clock.as_utc(item.when).astimezone(clock.local_tz())
    params = {"title": item.title, "org": item.org, "name": item.display_name, "when": f"{starts:%Y-%m-%d %H:%M}"}
    subject = t("mail.activity.subject", "zh", **params)
    return _deliver(ACTIVITY_KIND, item, day, subject, t("mail.activity.body", "zh", **params))


def _remind_action(item: Reminder, day: date) -> str:
    params = {"title": item.title[:80], "org": item.org, "name": item.display_name, "due": f"{item.when:%Y-%m-%d}"}
    subject = t("mail.action.subject", "zh", **params)
    return _deliver(ACTION_KIND, item, day, subject, t("mail.action.body", "zh", **params))


def _remind(item: OverdueReminder, day: date) -> str:
    subject = t("mail.overdue.subject", "zh", reference=item.reference, category=item.category, org=item.org)
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
    return _deliver(KIND, item, day, subject, body, target=f"case:{item.case_id}")


def _deliver(
    kind: str, item: Reminder | OverdueReminder, day: date, subject: str, body: str, target: str | None = None
) -> str:
    """Claim (kind, target, day), send, record the outcome: 'sent', 'already_sent', 'retry' or 'failed'."""
    email = item.email
    return deliver(
        kind=kind,
        target=target or str(getattr(item, "target", "")),
        day=day,
        recipient=Recipient(email, f"user {item.username}", item.user_id),
        subject=subject,
        build=lambda: mailer.build_message(to=email or "", subject=subject, text=body),
    )
