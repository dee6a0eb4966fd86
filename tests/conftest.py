"""Fixtures: a fresh database per test on SQLite and on PostgreSQL, a real Redis, the app under AppTest.

Every test that asks for `database` or `demo_database` runs twice, once per backend. PostgreSQL is
PORTAL_TEST_DATABASE_URL (CI: this machine's server) or, when unset, an embedded server from `pgserver`.
Redis is PORTAL_TEST_REDIS_URL or the embedded redis-server. Nothing is faked.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import redis as redis_lib
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db import migrate
from db.session import dispose_engines, session_scope
from portal import queue
from portal.config import reset_settings
from portal.embedded_redis import EmbeddedRedis
from portal.services import demo, users

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("sqlite", "postgresql")
TEST_COOKIE_KEY = "test-cookie-key-" + "x" * 40
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


# --- PostgreSQL -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A PostgreSQL URL whose user may create databases."""
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if url:
        yield url
        return
    import pgserver  # embedded PostgreSQL, so `make test` needs no server on the machine

    # Not under pytest's basetemp: pytest resets /tmp/pytest-of-<user> to mode 0700 at every session start,
    # which (run as root) locks pgserver's unprivileged postgres user out of a data dir there mid-run.
    pgdata = Path(tempfile.mkdtemp(prefix="prt-pg-"))
    pgdata.chmod(0o755)
    server = pgserver.get_server(str(pgdata), cleanup_mode="stop")
    yield server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    server.cleanup()
    shutil.rmtree(pgdata, ignore_errors=True)


class Databases:
    """Builds migrated (and optionally demo-seeded) templates once, then hands out fresh copies per test."""

    def __init__(self, backend: str, workdir: Path, pg_admin_url: str | None) -> None:
        self.backend = backend
        self.workdir = workdir
        self.pg_admin_url = pg_admin_url
        self.prefix = f"portal_t{os.getpid()}"
        self.counter = 0
        self.templates: dict[str, str] = {}

    # PostgreSQL runs CREATE/DROP DATABASE outside transactions, on a maintenance connection.
    def _pg_admin(self, sql: str) -> None:
        assert self.pg_admin_url is not None
        engine = create_engine(self.pg_admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(sql))
        engine.dispose()

    def _url(self, name: str) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.workdir / (name + '.db')}"
        assert self.pg_admin_url is not None
        return make_url(self.pg_admin_url).set(database=name).render_as_string(hide_password=False)

    def template(self, kind: str) -> str:
        if kind in self.templates:
            return self.templates[kind]
        name = f"{self.prefix}_tpl_{kind}"
        if self.backend == "postgresql":
            self._pg_admin(f"DROP DATABASE IF EXISTS {name}")
            self._pg_admin(f"CREATE DATABASE {name}")
        url = self._url(name)
        os.environ["PORTAL_DATABASE_URL"] = url
        reset_settings()
        migrate.upgrade(url)
        if kind == "demo":
            with session_scope(write=True) as session:
                demo.seed_demo(session=session)
        dispose_engines()
        self.templates[kind] = name
        return name

    def fresh(self, kind: str) -> str:
        """A new database copied from the `kind` template ("empty" or "demo")."""
        template = self.template(kind)
        self.counter += 1
        name = f"{self.prefix}_{self.counter}"
        if self.backend == "sqlite":
            shutil.copyfile(self.workdir / f"{template}.db", self.workdir / f"{name}.db")
        else:
            self._pg_admin(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self._url(name)

    def drop(self, url: str) -> None:
        dispose_engines()
        if self.backend == "sqlite":
            Path(make_url(url).database or "").unlink(missing_ok=True)
        else:
            self._pg_admin(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")

    def drop_templates(self) -> None:
        # Only a shared server needs tidying; an embedded one is stopped (and its files go) before this runs.
        if self.backend == "postgresql" and os.environ.get("PORTAL_TEST_DATABASE_URL"):
            for name in self.templates.values():
                self._pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def sweep_leftovers(self) -> None:
        """Drop databases left on a shared server by test runs that were killed (their pid is gone)."""
        assert self.pg_admin_url is not None
        engine = create_engine(self.pg_admin_url)
        with engine.connect() as conn:
            names = conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'portal_t%'")).scalars()
            stale = [n for n in names if not _pid_alive(int(n[len("portal_t") :].split("_")[0] or 0))]
        engine.dispose()
        for name in stale:
            self._pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid > 0


@pytest.fixture(scope="session")
def _databases(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[dict[str, Databases]]:
    made: dict[str, Databases] = {}

    class Lazy(dict[str, Databases]):
        def __missing__(self, backend: str) -> Databases:
            admin = request.getfixturevalue("pg_admin_url") if backend == "postgresql" else None
            made[backend] = Databases(backend, tmp_path_factory.mktemp(f"db-{backend}"), admin)
            if admin and os.environ.get("PORTAL_TEST_DATABASE_URL"):
                made[backend].sweep_leftovers()
            self[backend] = made[backend]
            return made[backend]

    yield Lazy()
    for databases in made.values():
        databases.drop_templates()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _use_database(databases: Databases, kind: str) -> Iterator[str]:
    url = databases.fresh(kind)
    os.environ["PORTAL_DATABASE_URL"] = url
    reset_settings()
    dispose_engines()
    yield url
    databases.drop(url)


@pytest.fixture
def database(backend: str, _databases: dict[str, Databases], env: Path) -> Iterator[str]:
    """A fresh, migrated, empty database on the test's backend; PORTAL_DATABASE_URL points at it."""
    yield from _use_database(_databases[backend], "empty")


@pytest.fixture
def demo_database(backend: str, _databases: dict[str, Databases], env: Path) -> Iterator[str]:
    """A fresh copy of the seeded demo sub-district on the test's backend."""
    yield from _use_database(_databases[backend], "demo")


# --- Redis ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real Redis: PORTAL_TEST_REDIS_URL (we claim a free logical db on it) or an embedded server."""
    configured = os.environ.get("PORTAL_TEST_REDIS_URL")
    if configured:
        # Claim one of dbs 1-15 so two test runs on one server never flush each other's jobs. A claim
        # whose process is gone (a killed run) is taken over rather than waited out.
        owner = f"{socket.gethostname()}:{os.getpid()}"
        for db in range(1, 16):
            conn = redis_lib.Redis.from_url(make_url_db(configured, db))  # (a db= argument loses to the URL's /0)
            held = conn.get("portal-test:claim")
            if held is None:
                if not conn.set("portal-test:claim", owner, nx=True, ex=3600):
                    continue  # another run took it a moment ago
            elif _claim_is_dead(held.decode()):
                conn.set("portal-test:claim", owner, ex=3600)
            else:
                continue
            yield make_url_db(configured, db)
            conn.delete("portal-test:claim")
            return
        raise RuntimeError(f"no free Redis db (1-15) on {configured}: each holds a live test run's claim")
    directory = Path(tempfile.mkdtemp(prefix="prt-redis-"))  # short: unix socket paths are limited
    server = EmbeddedRedis(directory)
    server.start()
    yield server.url
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


def _claim_is_dead(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    mine = host in ("", socket.gethostname())  # "" : a bare pid, as older runs wrote it
    return mine and pid.isdigit() and not _pid_alive(int(pid))


def make_url_db(url: str, db: int) -> str:
    """The same server URL with another logical database."""
    return urlparse(url)._replace(path=f"/{db}").geturl()


@pytest.fixture
def redis_conn(redis_url: str, env: Path) -> Iterator[redis_lib.Redis]:
    """The test Redis, flushed before and after the test (keeping our claim on a shared server)."""
    conn = redis_lib.Redis.from_url(redis_url)
    _flush(conn)
    yield conn
    _flush(conn)
    queue.reset_connections()


def _flush(conn: redis_lib.Redis) -> None:
    claim = conn.get("portal-test:claim")
    conn.flushdb()
    if claim is not None:
        conn.set("portal-test:claim", claim, ex=3600)


# --- Environment ------------------------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str) -> Iterator[Path]:
    """Hermetic settings: no PORTAL_* from the outside, a temp data dir, a test cookie key, the test Redis."""
    for key in list(os.environ):
        if key.startswith("PORTAL_") and not key.startswith("PORTAL_TEST_"):
            monkeypatch.delenv(key)
    data_dir = tmp_path / "var"
    monkeypatch.setenv("PORTAL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("PORTAL_COOKIE_KEY", TEST_COOKIE_KEY)
    monkeypatch.setenv("PORTAL_REDIS_URL", redis_url)
    monkeypatch.setattr(users, "BCRYPT_ROUNDS", 4)  # the cost factor is not under test; speed is
    reset_settings()
    queue.reset_connections()
    yield data_dir
    os.environ.pop("PORTAL_DATABASE_URL", None)
    reset_settings()
    dispose_engines()
    queue.reset_connections()
