"""Units of work: all or nothing, writers lock early on SQLite, autocommit really commits."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import func, select

from db.models import OrgNode
from db.session import get_engine, session_scope


def org_count() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(OrgNode)).one()


def test_an_error_inside_a_unit_of_work_saves_nothing_of_it(database: str) -> None:
    with pytest.raises(RuntimeError), session_scope() as session:
        session.add(OrgNode(code="root", name="皋兰路街道", kind="subdistrict"))
        session.flush()
        raise RuntimeError("the page failed halfway")
    assert org_count() == 0


def test_autocommit_connections_keep_their_writes(database: str) -> None:
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(
            text("INSERT INTO org_node (code, name, kind, sort_order, active) VALUES ('r', 'R', 'x', 0, true)")
        )
    assert org_count() == 1


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_sqlite_writer_holds_the_write_lock_from_its_first_statement(database: str) -> None:
    path = make_url(database).database
    with session_scope(write=True) as session:
        session.exec(select(OrgNode)).all()  # only a read so far, but the unit said it will write
        other = sqlite3.connect(str(path), timeout=0.2)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    other = sqlite3.connect(str(path), timeout=0.2)
    other.execute("BEGIN IMMEDIATE")  # free again once the unit of work ended
    other.rollback()
    other.close()
