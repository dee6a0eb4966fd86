"""Text indexes for the case list's free-text search (a substring of the reference or the description).

PostgreSQL: `pg_trgm` GIN indexes on both columns, which ILIKE '%…%' uses for terms of three characters or
more. CREATE EXTENSION needs the CREATE privilege on the database (pg_trgm is a trusted extension) and the
contrib package on the server; without them this migration still succeeds, warns, and the search stays a scan.

SQLite: an FTS5 table with the trigram tokenizer over case_record (external content: it stores only the index),
kept in step by three triggers. A later migration that rebuilds case_record in batch mode (copy, DROP, rename)
drops these triggers with the old table and must create them again; tests/db/test_migrations.py checks they
exist at head.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy import exc

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

PG_INDEXES = {"ix_case_search_reference": "reference", "ix_case_search_description": "description"}
SQLITE_TRIGGERS = ("case_search_insert", "case_search_delete", "case_search_update")
_ADD = "INSERT INTO case_search (rowid, reference, description) VALUES (new.id, new.reference, new.description);"
# An external-content FTS5 table forgets a row only when told the exact values it indexed.
_REMOVE = (
    "INSERT INTO case_search (case_search, rowid, reference, description)"
    " VALUES ('delete', old.id, old.reference, old.description);"
)
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE case_search USING fts5("
    "reference, description, content='case_record', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER case_search_insert AFTER INSERT ON case_record BEGIN {_ADD} END",
    f"CREATE TRIGGER case_search_delete AFTER DELETE ON case_record BEGIN {_REMOVE} END",
    # Only edits of the two searched columns touch the index, not every status change.
    f"CREATE TRIGGER case_search_update AFTER UPDATE OF reference, description ON case_record"
    f" BEGIN {_REMOVE} {_ADD} END",
    "INSERT INTO case_search (case_search) VALUES ('rebuild')",  # the cases already there (7 s at 1M)
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_DDL:
            bind.exec_driver_sql(statement)
        return
    schema = _trigram_schema()
    if schema is None:
        return
    for name, column in PG_INDEXES.items():
        # 10 s for both at 1M cases.
        bind.exec_driver_sql(f'CREATE INDEX {name} ON case_record USING gin ({column} "{schema}".gin_trgm_ops)')


def _trigram_schema() -> str | None:
    """The schema pg_trgm lives in, installing it if we may; None (with a warning) when it is not there."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():  # a failed statement must not abort the migration's transaction
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except exc.DBAPIError as error:
        log.warning(
            "pg_trgm is not available (%s); the case search scans the table until a superuser runs"
            " CREATE EXTENSION pg_trgm and the indexes of migration 0008 are created (see README)",
            str(error.orig).strip().splitlines()[0],
        )
        return None
    return bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    ).scalar_one()


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        bind.exec_driver_sql("DROP TABLE IF EXISTS case_search")
        return
    # The extension stays: other databases' objects may use it, and dropping it needs more than we asked for.
    for name in PG_INDEXES:
        bind.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
