"""Alembic, configured in code: `portal db upgrade` needs no alembic.ini."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from db.session import dispose_engines, get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at our migrations and at `url` (default: the configured database)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    return config


# Search indexes of migration 0008 that the models do not describe: SQLite's FTS5 table (with its shadow tables
# case_search_data, _idx, _docsize, _config) and PostgreSQL's pg_trgm indexes, which exist only when the extension
# could be installed. Model-vs-database comparisons skip them.
UNMODELLED_PREFIXES = {"table": "case_search", "index": "ix_case_search_"}


def include_name(name: str | None, type_: str, _parents: Mapping[str, str | None]) -> bool:
    """Alembic's `include_name` hook: False for the search objects the models leave out on purpose."""
    prefix = UNMODELLED_PREFIXES.get(type_)
    return not (prefix and name and name.startswith(prefix))


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database to `revision` (head by default), then refresh the planner's statistics."""
    command.upgrade(alembic_config(url), revision)
    analyze(url)
    dispose_engines()


def analyze(url: str | None = None) -> None:
    """Refresh the query planner's statistics (after migrations and bulk loads).

    SQLite keeps none until ANALYZE runs, and without them picks the first index that fits the WHERE
    clause rather than the one that also gives the ORDER BY: newest-first pages then sort a whole scope.
    """
    with get_engine(url).connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def current_revision(url: str | None = None) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest revision among our migrations."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
