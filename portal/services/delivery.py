"""Send an email exactly once per business key: claim the notification, send, record the outcome.

The claim is committed before the send, so a retried or duplicated job finds it and sends nothing; a
transient failure leaves it in RETRY for the next run to take over; a permanent one is recorded (and shown
on the Jobs page), never dropped. A crash between the send and the record leaves a CLAIMED row that the
Jobs page reports as stuck rather than sending again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from db.models import NotificationStatus
from db.session import session_scope
from portal import mailer
from portal.services import notifications


@dataclass(frozen=True)
class Recipient:
    address: str | None  # None: the user has no email address (recorded as a failure)
    label: str  # what the notification row names when there is no address (the username)
    user_id: int | None = None


def deliver(
    *, kind: str, target: str, day: date, recipient: Recipient, subject: str, build: Callable[[], EmailMessage]
) -> str:
    """'sent', 'already_sent', 'retry' or 'failed'. `build` is called only after a successful claim."""
    with session_scope(write=True) as session:
        claim_id = notifications.claim(
            session=session,
            kind=kind,
            target=target,
            day=day,
            recipient=recipient.address or recipient.label,
            recipient_user_id=recipient.user_id,
            subject=subject,
        )
    if claim_id is None:
        return "already_sent"
    status, error = NotificationStatus.SENT, None
    if not recipient.address:
        status, error = NotificationStatus.FAILED, f"{recipient.label} has no email address"
    else:
        try:
            mailer.send(build(), key=f"{kind}-{claim_id}")
        except mailer.TransientMailError as exc:
            status, error = NotificationStatus.RETRY, str(exc)
        except mailer.PermanentMailError as exc:
            status, error = NotificationStatus.FAILED, str(exc)
    with session_scope(write=True) as session:
        notifications.mark(session=session, notification_id=claim_id, status=status, error=error)
    return status.value
