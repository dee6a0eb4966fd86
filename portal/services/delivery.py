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

from sqlmodel import Session

from db.models import NotificationStatus, User
from db.session import session_scope
from portal import clock, mailer
from portal.config import get_settings
from portal.i18n import t
from portal.permissions import can
from portal.services import notifications
from portal.services.actor import Actor
from portal.services.errors import InvalidInput, PermissionDenied
from portal.services.users import EMAIL_RE


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


def own_address(*, session: Session, actor: Actor) -> str:
    """The actor's own email address ('' when none): where a test email goes unless told otherwise."""
    user = session.get(User, actor.user_id) if actor.user_id else None
    return (user.email or "") if user else ""


def send_test_email(*, actor: Actor, to: str) -> str:
    """Send a short test message (admins, from the Reports page); returns where it went, raises MailError."""
    if not can(actor.role, "mail.test"):
        raise PermissionDenied("error.forbidden")
    address = (to or "").strip()
    if not address:
        raise InvalidInput({"to": ("error.required", {})})
    if not EMAIL_RE.match(address):
        raise InvalidInput({"to": ("error.email_format", {})})
    settings = get_settings()
    where = f"SMTP {settings.smtp_host}:{settings.smtp_port}" if settings.smtp_host else str(settings.outbox_dir)
    msg = mailer.build_message(
        to=address,
        subject=t("mail.test.subject", "zh"),
        text=t("mail.test.body", "zh", name=actor.display_name, where=where, at=f"{clock.now():%Y-%m-%d %H:%M} UTC"),
    )
    return mailer.send(msg, key=f"test-{clock.now():%Y%m%d%H%M%S}")
