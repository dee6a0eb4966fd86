"""Alembic environment: the same migrations serve SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers every table with the metadata)
from db.migrate import include_name
from db.session import get_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = get_engine(config.attributes.get("url"))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by copy and DROP; with foreign keys on, SQLite checks every dropped
            # row against the referencing tables (quadratic for a self-reference at a million cases). Keys go
            # off for the migration -- a PRAGMA that only works outside a transaction, hence the raw
            # connection -- and are checked in full before the migration may commit.
            _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things in place; batch mode rebuilds the table.
            render_as_batch=sqlite,
            compare_type=True,
            include_name=include_name,
        )
        try:
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left rows pointing at nothing: {broken[:10]}")
            connection.commit()
        finally:
            if sqlite:
                _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    raw = connection.connection.dbapi_connection
    assert raw is not None
    raw.execute(pragma)


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run `portal db upgrade`.")
run_migrations_online()
