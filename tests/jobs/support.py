"""Helpers for the job tests: a pinned clock, an in-process RQ worker on the JSON serializer, readers of what the
reminder job left behind, and the pieces of a real SMTP server (aiosmtpd, STARTTLS + AUTH, self-signed certificate).

Nothing here is faked except the clock (`portal.clock.now`).
"""

from __future__ import annotations

import email
import email.policy
import ipaddress
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from rq import SimpleWorker
from rq.serializers import JSONSerializer
from sqlmodel import col, select

from db.models import OPEN_STATUSES, Case, Notification, User
from db.session import session_scope
from portal import clock
from portal.config import get_settings, reset_settings
from portal.queue import get_queue

SMTP_USER = "portal-mailer"
SMTP_PASSWORD = "s3cret-pass-2026"


# --- Clock ------------------------------------------------------------------------------------------------


class Clock:
    """Pins `portal.clock.now` to one instant; `set()` moves it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.instant = datetime.now(UTC).replace(microsecond=0)
        monkeypatch.setattr(clock, "now", lambda: self.instant)

    def set(self, instant: datetime) -> None:
        assert instant.tzinfo is not None
        self.instant = instant.astimezone(UTC)


# --- RQ ---------------------------------------------------------------------------------------------------


def run_worker(conn: redis_lib.Redis) -> bool:
    """Work the default queue in this process (same env, same settings) until it is empty."""
    worker = SimpleWorker([get_queue(connection=conn)], connection=conn, serializer=JSONSerializer)
    return worker.work(burst=True, logging_level="WARNING")


# --- What the reminder job should do and what it did ------------------------------------------------------


@dataclass(frozen=True)
class OverdueCase:
    case_id: int
    reference: str
    assignee_email: str | None


def overdue_cases(at: datetime) -> dict[int, OverdueCase]:
    """Open cases past their due time at `at`, straight from the cases table (not via the reminder service)."""
    with session_scope() as session:
        rows = session.exec(
            select(Case.id, Case.reference, User.email)
            .outerjoin(User, col(User.id) == Case.assignee_id)
            .where(col(Case.status).in_([s.value for s in OPEN_STATUSES]), col(Case.due_at) < at)
        ).all()
    return {case_id: OverdueCase(case_id, reference, mail) for case_id, reference, mail in rows if case_id is not None}


def notifications() -> list[Notification]:
    with session_scope() as session:
        return list(session.exec(select(Notification).order_by(col(Notification.id))).all())


def case_id_of(notification: Notification) -> int:
    kind, _, case_id = notification.target.partition(":")
    assert kind == "case"
    return int(case_id)


def outbox_files() -> list[Path]:
    outbox = get_settings().outbox_dir
    return sorted(outbox.glob("*.eml")) if outbox.exists() else []


def read_eml(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (bound once by the kernel's choice, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def point_smtp_at_closed_port(monkeypatch: pytest.MonkeyPatch) -> int:
    """Configure SMTP at 127.0.0.1:<port with no listener>, no TLS: every send is refused (a transient error)."""
    port = free_port()
    monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PORTAL_SMTP_PORT", str(port))
    monkeypatch.setenv("PORTAL_SMTP_SECURITY", "none")
    monkeypatch.delenv("PORTAL_SMTP_USERNAME", raising=False)
    monkeypatch.delenv("PORTAL_SMTP_PASSWORD", raising=False)
    reset_settings()
    return port


# --- A real SMTP server -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


def make_certificate(directory: Path) -> Certificate:
    """A self-signed certificate for localhost / 127.0.0.1, made at test time with `cryptography`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return Certificate(cert_path, key_path)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    login: str | None

    @property
    def message(self) -> EmailMessage:
        # On the wire lines end in CRLF; read it back as the portal wrote it.
        message = email.message_from_bytes(self.content.replace(b"\r\n", b"\n"), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class Handler:
    """aiosmtpd handler that keeps every accepted message; `rcpt_reply` / `data_reply` force an answer."""

    messages: list[Received] = field(default_factory=list)
    rcpt_reply: str | None = None
    data_reply: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        with self.lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, session.ssl is not None, login)
            )
        return "250 Message accepted for delivery"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    # handled=False: let aiosmtpd answer the failure itself (535), as a real server does.
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: Handler
    certificate: Certificate
    monkeypatch: pytest.MonkeyPatch

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def configure(self, *, password: str = SMTP_PASSWORD, trust: bool = True) -> None:
        """Point the portal here: STARTTLS + login; trust the self-signed certificate unless told not to."""
        mp = self.monkeypatch
        mp.setenv("PORTAL_SMTP_HOST", self.host)
        mp.setenv("PORTAL_SMTP_PORT", str(self.port))
        mp.setenv("PORTAL_SMTP_SECURITY", "starttls")
        mp.setenv("PORTAL_SMTP_USERNAME", SMTP_USER)
        mp.setenv("PORTAL_SMTP_PASSWORD", password)
        mp.setenv("PORTAL_SMTP_TIMEOUT", "10")
        mp.setenv("PORTAL_MAIL_FROM", "网格平台 <grid-portal@gaolanlu.example>")
        if trust:
            mp.setenv("SSL_CERT_FILE", str(self.certificate.cert))  # read by ssl.create_default_context()
        else:
            mp.delenv("SSL_CERT_FILE", raising=False)
        mp.delenv("SSL_CERT_DIR", raising=False)
        reset_settings()
