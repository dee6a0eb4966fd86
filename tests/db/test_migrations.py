"""The same migrations bring SQLite and PostgreSQL to a schema that matches the models."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import db.models  # noqa: F401
from db import migrate
from db.models import Case
from db.session import get_engine, session_scope
from portal import clock


def test_database_is_at_head_and_upgrading_again_changes_nothing(database: str) -> None:
    assert migrate.current_revision() == migrate.head_revision()
    migrate.upgrade()
    assert migrate.current_revision() == migrate.head_revision()


def test_models_and_migrations_describe_the_same_schema(database: str) -> None:
    with get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == [], f"models differ from migrations; write a migration: {diff}"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(database: str) -> None:
    with get_engine().connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_foreign_keys_are_enforced(database: str) -> None:
    now = clock.now()
    with pytest.raises(IntegrityError), session_scope() as session:
        session.add(
            Case(
                reference="X-1",
                source="patrol",
                category_id=999,
                org_id=999,
                description="x",
                reported_at=now,
                reported_on=date.today(),
                status="received",
                level="grid",
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
