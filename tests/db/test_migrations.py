"""The same migrations bring SQLite and PostgreSQL to a schema that matches the models."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

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
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "include_name": migrate.include_name}),
            SQLModel.metadata,
        )
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


def test_upgrading_a_database_with_cases_fills_the_workflow_fields_and_keeps_keys_on(database: str) -> None:
    from alembic import command

    command.downgrade(migrate.alembic_config(), "0002")  # as an installation of the foundation release was
    with get_engine().connect() as conn:
        conn.execute(
            text(
                "INSERT INTO org_node (id, code, name, kind, sort_order, active)"
                " VALUES (1, 'r', 'R', 'subdistrict', 0, true)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO category (id, code, name, name_en, sla_days, sort_order, active)"
                " VALUES (1, 'c', 'C', 'C', 3, 0, true)"
            )
        )
        for ref, status, resolved in (("A", "closed", "'2026-03-02 10:00:00'"), ("B", "in_progress", "NULL")):
            conn.execute(
                text(
                    "INSERT INTO case_record (reference, source, category_id, org_id, description, reported_at,"
                    " reported_on, status, level, resolved_at, created_at, updated_at, version) VALUES"
                    f" ('{ref}', 'patrol', 1, 1, 'x', '2026-03-01 09:00:00', '2026-03-01', '{status}', 'subdistrict',"
                    f" {resolved}, '2026-03-01 09:00:00', '2026-03-02 10:00:00', 1)"
                )
            )
        conn.commit()
    migrate.upgrade()
    with session_scope() as session:
        closed = session.exec(select(Case).where(Case.reference == "A")).one()
        working = session.exec(select(Case).where(Case.reference == "B")).one()
        parties = session.exec(text("SELECT name FROM mediation_party ORDER BY sort_order")).all()  # type: ignore[call-overload]
    assert (closed.close_reason, closed.closed_at) == ("resolved", closed.resolved_at)
    assert working.dispatched_at == working.reported_at  # the SLA clock of work already under way
    assert [p[0] for p in parties] == [
        "综治中心",
        "司法所",
        "派出所",
        "法庭",
        "检察室",
        "热心居民",
        "社区律师",
        "心理咨询师",
    ]
    if get_engine().dialect.name == "sqlite":
        with get_engine().connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1  # switched back on after the migration
