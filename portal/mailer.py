"""Email out: to the outbox folder by default, or through SMTP (STARTTLS or implicit TLS, verified)."""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from portal.config import Settings, get_settings


class MailError(Exception):
    """Sending failed."""


class TransientMailError(MailError):
    """Worth retrying: 4xx replies, timeouts, refused or dropped connections."""


class PermanentMailError(MailError):
    """Retrying will not help: 5xx replies, a certificate that does not verify, no address."""


@dataclass(frozen=True)
class Inline:
    """An image the HTML part shows with <img src="cid:{cid}">."""

    cid: str  # without the angle brackets
    png: bytes


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str  # e.g. "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    images: Sequence[Inline] = (),
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """A plain-text email from PORTAL_MAIL_FROM, with an HTML alternative when given (its images inline, as
    multipart/related parts) and attachments: mixed[alternative[text, related[html, png...]], files...]."""
    settings = get_settings()
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or "localhost")
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
        html_part = next(part for part in msg.iter_parts() if part.get_content_type() == "text/html")
        assert isinstance(html_part, EmailMessage)
        for image in images:
            html_part.add_related(image.png, "image", "png", cid=f"<{image.cid}>", filename=f"{image.cid}.png")
    for attachment in attachments:
        maintype, _, subtype = attachment.mime.partition("/")
        msg.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return msg


def send(msg: EmailMessage, *, key: str) -> str:
    """Deliver `msg`; `key` names it in the outbox, so delivering the same key twice leaves one file."""
    settings = get_settings()
    if not settings.smtp_host:
        return str(_to_outbox(msg, key, settings.outbox_dir))
    _via_smtp(msg, settings)
    return f"smtp://{settings.smtp_host}:{settings.smtp_port}"


def _to_outbox(msg: EmailMessage, key: str, outbox: Path) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', key)}.eml"
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(msg.as_bytes())
    os.replace(tmp, path)  # a reader never sees half a message
    return path


def _via_smtp(msg: EmailMessage, settings: Settings) -> None:
    context = ssl.create_default_context()  # without it, starttls() does not check the certificate
    host, port, timeout = settings.smtp_host or "", settings.smtp_port, settings.smtp_timeout
    try:
        smtp = (
            smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
            if settings.smtp_security == "ssl"
            else smtplib.SMTP(host, port, timeout=timeout)
        )
        with smtp:
            smtp.ehlo()
            if settings.smtp_security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.smtp_username:
                password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                smtp.login(settings.smtp_username, password)
            smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        error = TransientMailError if any(400 <= c < 500 for c in codes) else PermanentMailError
        raise error(f"recipients refused: {exc.recipients}") from exc
    except smtplib.SMTPResponseException as exc:
        error = TransientMailError if 400 <= exc.smtp_code < 500 else PermanentMailError
        raise error(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
    except ssl.SSLCertVerificationError as exc:
        raise PermanentMailError(f"certificate of {host} does not verify: {exc}") from exc
    except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
        raise TransientMailError(f"{type(exc).__name__}: {exc}") from exc
    except UnicodeError as exc:  # smtplib sends credentials as ASCII only: a setting to fix, not to retry
        raise PermanentMailError(f"cannot be sent over SMTP: {exc}") from exc
