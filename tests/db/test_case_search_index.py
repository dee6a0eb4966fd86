"""Migration 0008's search indexes: there at head, gone after a downgrade, and optional on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from db import migrate
from db.session import dispose_engines, get_engine, session_scope
from portal.config import reset_settings
from portal.services import cases, demo
from portal.services.cases import CaseFilters
from tests.helpers import actor_for

SQLITE_TRIGGERS = {"case_search_insert", "case_search_delete", "case_search_update"}


def search_objects() -> set[str]:
    with get_engine().connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'case_search%'"))
        else:
            rows = conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_case_search_%'"))
        return {r[0] for r in rows}


def test_head_has_the_index_and_its_triggers_and_a_downgrade_removes_them(database: str) -> None:
    # A later migration that rebuilds case_record in SQLite's batch mode drops the triggers: this notices.
    expected = (
        {"case_search", *SQLITE_TRIGGERS}
        if get_engine().dialect.name == "sqlite"
        else {"ix_case_search_reference", "ix_case_search_description"}
    )
    assert expected <= search_objects()
    command.downgrade(migrate.alembic_config(), "0007")
    dispose_engines()
    assert search_objects() == set()
    migrate.upgrade()
    assert expected <= search_objects()


@pytest.fixture
def unprivileged_database(pg_admin_url: str, env: Path) -> Iterator[str]:
    """A PostgreSQL database whose migrating user may create tables but not extensions (no CREATE on it)."""
    suffix = f"{os.getpid()}_noext"
    name, role = f"portal_t{suffix}", f"portal_t{suffix}_user"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE template0"))
    on_db = create_engine(make_url(pg_admin_url).set(database=name), isolation_level="AUTOCOMMIT")
    with on_db.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
            pytest.skip("pg_trgm is already installed in template0")
        conn.execute(text(f"GRANT CREATE, USAGE ON SCHEMA public TO {role}"))  # tables yes, extensions no
    on_db.dispose()
    url = make_url(pg_admin_url).set(database=name, username=role, password=None)
    os.environ["PORTAL_DATABASE_URL"] = url.render_as_string(hide_password=False)
    reset_settings()
    yield os.environ["PORTAL_DATABASE_URL"]
    dispose_engines()
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
    admin.dispose()


def test_without_pg_trgm_the_migration_succeeds_and_search_scans(
    unprivileged_database: str, caplog: pytest.LogCaptureFixture
) -> None:
    migrate.upgrade(unprivileged_database)
    assert migrate.current_revision() == migrate.head_revision()
    assert "pg_trgm is not available" in caplog.text
    assert not [i for i in inspect(get_engine()).get_indexes("case_record") if i["name"].startswith("ix_case_search")]
    with session_scope(write=True) as session:
        demo.seed_demo(session=session)
    with session_scope() as session:
        page = cases.list_cases(
            session=session, actor=actor_for(session, "staff"), filters=CaseFilters(search="楼道堆放")
        )
    assert page.total > 0
    assert all("楼道堆放" in row.description for row in page.rows)
