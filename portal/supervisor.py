"""`portal up`: one command that runs the whole portal on one machine, and stops all of it on Ctrl-C."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

from db.migrate import analyze, upgrade
from db.session import dispose_engines, session_scope
from portal.config import get_settings
from portal.embedded_redis import EmbeddedRedis
from portal.serve import APP
from portal.services import demo

STOP_TIMEOUT = 15.0


def _say(message: str) -> None:
    print(f"[portal] {message}", flush=True)


def _lock(path: Path) -> IO[str] | None:
    """Hold an exclusive lock for as long as we run: two `portal up` would run two schedulers."""
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _wait_http(url: str, process: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def run_all(*, port: int) -> int:
    """Start everything, wait for Ctrl-C (or a child dying), stop everything. Returns the exit code."""
    settings = get_settings()
    settings.signing_key()  # refuse to start without a usable cookie key (outside demo mode)
    data_dir = settings.resolved_data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = _lock(data_dir / "portal-up.lock")
    if lock is None:
        _say(f"another `portal up` is already running with data dir {data_dir}; stop it first")
        return 1

    upgrade()
    seeded = False
    if settings.demo:
        with session_scope(write=True) as session:
            if demo.is_empty(session=session):
                counts = demo.seed_demo(session=session)
                seeded = True
                _say("seeded the demo sub-district: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if seeded:
        analyze()  # a bulk load: give the query planner fresh statistics
    dispose_engines()  # children open their own connections

    env = dict(os.environ)
    redis_server: EmbeddedRedis | None = None
    if not settings.redis_url:
        redis_server = EmbeddedRedis(settings.embedded_redis_dir)
        redis_server.start()
        env["PORTAL_REDIS_URL"] = redis_server.url
        _say(f"embedded Redis at {redis_server.url}")

    python = sys.executable
    commands = {
        "worker": [python, "-m", "portal.cli", "worker"],
        "cron": [python, "-m", "portal.cli", "cron"],
        "streamlit": [
            python,
            "-m",
            "portal.serve",
            "--server.port",
            str(port),
            "--server.address",
            settings.host,
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
    }
    children: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    code = 0
    try:
        for name, command in commands.items():
            # Own process group each: Ctrl-C reaches only us, and we stop the children in order.
            children[name] = subprocess.Popen(command, env=env, cwd=APP.parent, start_new_session=True)
        url = f"http://{'localhost' if settings.host in ('127.0.0.1', '0.0.0.0') else settings.host}:{port}"
        if _wait_http(f"http://127.0.0.1:{port}/_stcore/health", children["streamlit"], timeout=90):
            _banner(url, settings.demo)
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    _say(f"{name} exited with code {child.returncode}; stopping the portal")
                    stopping, code = True, 1
                    break
            time.sleep(0.3)
    finally:
        _stop(children)
        if redis_server is not None:
            redis_server.stop()
        lock.close()
        _say("stopped")
    return code


def _stop(children: dict[str, subprocess.Popen[bytes]]) -> None:
    # Streamlit first (no new work from the UI), then the scheduler, then the worker (it finishes its job).
    for name in ("streamlit", "cron", "worker"):
        child = children.get(name)
        if child is None or child.poll() is not None:
            continue
        try:
            os.killpg(child.pid, signal.SIGTERM)
            child.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _say(f"{name} did not stop within {STOP_TIMEOUT:.0f} s; killing it")
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        except ProcessLookupError:
            pass


def _banner(url: str, demo_mode: bool) -> None:
    _say(f"portal running at {url}  (Ctrl-C stops everything)")
    if demo_mode:
        _say(f"demo logins, password {demo.DEMO_PASSWORD!r}:")
        for login in demo.DEMO_LOGINS:
            _say(f"  {login.username:<12} {login.role:<12} {login.org}")
