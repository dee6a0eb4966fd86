"""Fixtures for the job tests: a pinned clock and a real SMTP server. Helpers live in tests/jobs/support.py."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from portal.config import reset_settings
from tests.jobs.support import Certificate, Clock, Handler, SmtpServer, authenticator, free_port, make_certificate


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The portal's clock, pinned to the real current instant so a test never straddles office midnight."""
    return Clock(monkeypatch)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("smtp-cert"))


@pytest.fixture
def smtp_server(env: Path, certificate: Certificate, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd in a thread) requiring STARTTLS and AUTH; the portal points at it."""
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(certificate.cert, certificate.key)
    handler = Handler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=tls,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator,
    )
    controller.start()
    server = SmtpServer("127.0.0.1", controller.port, handler, certificate, monkeypatch)
    server.configure()
    yield server
    controller.stop()
    reset_settings()
