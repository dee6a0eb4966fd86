"""Importing cases from a spreadsheet: every row validated, good rows saved in the caller's one transaction.

A row whose reference is already taken (in the database, or by an earlier row of the same file) is a
duplicate and is skipped, so importing the same file twice imports nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import JSON, Integer, String, cast, insert, literal, type_coerce
from sqlalchemy import select as core_select  # sqlmodel's select stops at four columns
from sqlmodel import Session, col, select

from db.bulk import insert_rows
from db.models import Case, CaseHistory
from db.types import UTCDateTime
from portal import clock
from portal.defaults import IMPORT_BATCH_SIZE
from portal.permissions import can
from portal.services import case_rollup
from portal.services.actor import Actor
from portal.services.case_files import Row, UnreadableFile, read_table
from portal.services.case_import_rows import RowReader, text
from portal.services.cases import categories
from portal.services.errors import PermissionDenied
from portal.services.orgs import load_tree

Progress = Callable[[int, int], None]  # (rows read, rows in the file)


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's row number: the header is row 1
    field: str  # the English field name (reference, source, ...)
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class ImportResult:
    imported: int = 0  # saved (or, in a dry run, that would have been)
    skipped_duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0  # data rows read, blank ones not counted
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        """How many rows were refused (a row may have several errors)."""
        return len({e.row for e in self.errors})

    def to_json(self) -> dict[str, Any]:
        """The shape `portal import cases --json` prints."""
        return {
            "imported": self.imported,
            "skipped_duplicates": self.skipped_duplicates,
            "errors": [e.as_dict() for e in self.errors],
        }


def import_cases(
    *,
    session: Session,
    actor: Actor,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    lang: str | None = None,
    progress: Progress | None = None,
    batch_size: int = IMPORT_BATCH_SIZE,
) -> ImportResult:
    """Validate every row of a CSV/XLSX file and insert the good ones into `session` (the caller commits once).

    Raises UnreadableFile when the file as a whole cannot be read, PermissionDenied when the role may not import.
    Row problems are in the result, with messages in `lang`. `dry_run` validates and counts but writes nothing.
    """
    if not can(actor.role, "case.import"):
        raise PermissionDenied("error.forbidden")
    table = read_table(data, filename)
    now = clock.now()
    reader = RowReader(
        tree=load_tree(session=session),
        actor=actor,
        categories=categories(session=session, active_only=False),
        now=now,
        lang=lang,
    )
    result = ImportResult(dry_run=dry_run)
    seen: set[str] = set()
    read = 0
    for batch in _batches(table.rows, batch_size):
        read += len(batch)
        taken = _existing(session, {text(raw.get("reference")) for _, raw in batch})
        good: list[dict[str, Any]] = []
        for number, raw in batch:
            if all(text(value) == "" for value in raw.values()):
                continue  # spreadsheets carry empty rows; they are nobody's mistake
            result.rows += 1
            reference = text(raw.get("reference"))
            if reference and (reference in taken or reference in seen):
                result.skipped_duplicates += 1
                continue
            seen.add(reference)
            values, problems = reader.read(raw)
            if problems:
                result.errors.extend(RowError(number, f, message) for f, message in problems)
            else:
                good.append(values)
        if good and not dry_run:
            _insert(session, actor, good, now, filename)
        result.imported += len(good)
        if progress is not None:
            progress(read, max(table.total or 0, read))
    if result.rows == 0:
        raise UnreadableFile("import.file_no_rows")
    return result


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while batch := list(islice(rows, size)):
        yield batch


def _existing(session: Session, references: set[str]) -> set[str]:
    """Which of these references the database already holds (one query per batch: the column is unique-indexed)."""
    wanted = sorted(r for r in references if r)
    if not wanted:
        return set()
    return set(session.exec(select(Case.reference).where(col(Case.reference).in_(wanted))).all())


def _insert(session: Session, actor: Actor, rows: list[dict[str, Any]], now: datetime, filename: str) -> None:
    """One multi-row INSERT of the cases, then their "imported" history rows with one INSERT ... SELECT."""
    records = [
        {
            "reference": v["reference"],
            "source": v["source"],
            "category_id": v["category_id"],
            "org_id": v["org_id"],
            "reporter_name": v["reporter_name"],
            "reporter_phone": v["reporter_phone"],
            "description": v["description"],
            "reported_at": v["reported_at"],
            "reported_on": v["reported_on"],
            "status": v["status"],
            "level": v["level"],
            "assignee_id": None,
            "dispatched_at": None,
            "due_at": None,
            "resolved_at": v["resolved_at"] or None,
            "resolution": None,
            "closed_at": v["closed_at"],
            "close_reason": v["close_reason"],
            "duplicate_of_id": None,
            "satisfaction": v["satisfaction"],
            "created_by_id": actor.user_id,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for v in rows
    ]
    insert_rows(session, Case, records)  # multi-row INSERTs: see db.bulk for why not an executemany
    case_rollup.record(session, added=records)
    # PostgreSQL cannot infer a parameter's type in a SELECT list, so it gets CASTs; SQLite must not
    # (its CAST to DATETIME turns the text into a number).
    typed = cast if session.get_bind().dialect.name == "postgresql" else type_coerce
    history = core_select(
        col(Case.id),
        typed(literal(now, UTCDateTime), UTCDateTime),
        typed(literal(actor.user_id, Integer), Integer),
        typed(literal("imported", String), String),
        typed(literal({}, JSON), JSON),
        typed(literal(filename[:200], String), String),
    ).where(col(Case.reference).in_([v["reference"] for v in rows]))
    session.execute(
        insert(CaseHistory).from_select(["case_id", "at", "actor_id", "action", "changes", "note"], history)
    )
