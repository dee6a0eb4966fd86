"""Where a benchmark database lives: a SQLite file under bench/.data/, or `portal_bench_<size>` on PostgreSQL."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import DATA_DIR
from db.session import dispose_engines, get_engine
from portal.config import reset_settings


@dataclass(frozen=True)
class Target:
    backend: str  # "sqlite" or "postgresql"
    size: int
    url: str
    admin_url: str | None = None  # PostgreSQL: a URL whose user may CREATE DATABASE

    @property
    def name(self) -> str:
        return f"portal_bench_{self.size}"

    @property
    def marker(self) -> Path:
        """Written when generation finished; its absence means the database must be (re)built."""
        return DATA_DIR / f"{self.backend}_{self.size}.json"

    @property
    def sqlite_path(self) -> Path:
        return DATA_DIR / f"sqlite_{self.size}.db"


def make_target(backend: str, size: int, admin_url: str | None) -> Target:
    if backend == "sqlite":
        return Target(backend, size, f"sqlite:///{DATA_DIR / f'sqlite_{size}.db'}")
    assert admin_url is not None
    url = make_url(admin_url).set(database=f"portal_bench_{size}").render_as_string(hide_password=False)
    return Target(backend, size, url, admin_url)


def _pg_admin(admin_url: str, sql: str) -> list[Any]:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = conn.execute(text(sql))
            return list(result.all()) if result.returns_rows else []
    finally:
        engine.dispose()


def exists(target: Target) -> bool:
    if target.backend == "sqlite":
        return target.sqlite_path.exists()
    assert target.admin_url is not None
    return bool(_pg_admin(target.admin_url, f"SELECT 1 FROM pg_database WHERE datname = '{target.name}'"))


def drop(target: Target) -> None:
    """Remove the database and its marker (nothing else is touched)."""
    dispose_engines()
    target.marker.unlink(missing_ok=True)
    if target.backend == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{target.sqlite_path}{suffix}").unlink(missing_ok=True)
    else:
        assert target.admin_url is not None
        _pg_admin(target.admin_url, f"DROP DATABASE IF EXISTS {target.name} WITH (FORCE)")


def create(target: Target) -> None:
    """An empty database (the SQLite file appears on first connect)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if target.backend == "postgresql":
        assert target.admin_url is not None
        _pg_admin(target.admin_url, f"CREATE DATABASE {target.name}")


def use(target: Target) -> None:
    """Point the portal's settings (and so session_scope) at this database."""
    os.environ["PORTAL_DATABASE_URL"] = target.url
    reset_settings()
    dispose_engines()


def read_marker(target: Target) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(target.marker.read_text())
    except (OSError, ValueError):
        return None
    return data


def write_marker(target: Target, data: dict[str, Any]) -> None:
    target.marker.write_text(json.dumps(data, indent=2))


def case_count(target: Target) -> int:
    with get_engine(target.url).connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM case_record")).scalar_one())


def indexes(target: Target) -> list[str]:
    """The indexes on case_record, as the database itself reports them."""
    with get_engine(target.url).connect() as conn:
        if target.backend == "sqlite":
            lines = []
            for _seq, name, unique, origin, _partial in conn.exec_driver_sql("PRAGMA index_list(case_record)"):
                cols = [row[2] for row in conn.exec_driver_sql(f"PRAGMA index_info('{name}')")]
                kind = {"pk": "primary key", "u": "unique constraint"}.get(origin, "unique" if unique else "index")
                lines.append(f"{name} ({', '.join(cols)}) {kind}")
            pk = "id INTEGER PRIMARY KEY (rowid; no separate index)"
            return sorted(lines) + [pk]
        rows = conn.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'case_record' ORDER BY indexname")
        ).all()
        return [f"{name}: {definition.split(' USING ', 1)[-1]}" for name, definition in rows]


def size_bytes(target: Target) -> int:
    """The database on disk: the SQLite file (with its WAL) or pg_database_size."""
    if target.backend == "sqlite":
        return sum(
            Path(f"{target.sqlite_path}{suffix}").stat().st_size
            for suffix in ("", "-wal")
            if Path(f"{target.sqlite_path}{suffix}").exists()
        )
    with get_engine(target.url).connect() as conn:
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


def server_version(admin_url: str) -> str:
    return str(_pg_admin(admin_url, "SHOW server_version")[0][0])
