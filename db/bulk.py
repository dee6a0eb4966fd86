"""Bulk inserts that SQLite runs as multi-row INSERT statements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session
from sqlmodel import SQLModel


def insert_rows(session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, None included) in as few statements as the driver allows.

    render_nulls keeps the batch whole (otherwise the ORM splits it wherever the set of NULL columns changes).
    On SQLite, RETURNING makes SQLAlchemy send multi-row INSERTs ("insertmanyvalues", up to 32,766 values
    each) instead of an executemany, which runs one statement per row; with the search index's triggers on
    case_record (migration 0008) FTS5 writes out its pending index after every statement: 100,000 imported
    cases took 145 s that way instead of 10 s. PostgreSQL already batches an executemany.
    """
    if not rows:
        return
    stmt = insert(model).execution_options(render_nulls=True)
    if session.get_bind().dialect.name == "sqlite":
        session.execute(stmt.returning(*model.__table__.primary_key.columns), list(rows)).all()  # type: ignore[attr-defined]
    else:
        session.execute(stmt, list(rows))
