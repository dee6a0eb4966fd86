"""Exporting the cases an actor may see under the list's filters: CSV and XLSX in the platform's format, and
Open311 GeoReport v2 service requests. Rows stream from the database a page at a time."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select as core_select  # sqlmodel's select stops at four columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func

from db.models import Case, CaseStatus, Category, OrgKind, User
from portal import clock
from portal.defaults import EXPORT_PAGE_SIZE
from portal.permissions import can
from portal.services.actor import Actor
from portal.services.case_formats import (
    CLOSE_REASON_WORDS,
    EXPORT_COLUMNS,
    LEVEL_WORDS,
    SATISFACTION_WORDS,
    SOURCE_WORDS,
    STATUS_WORDS,
    safe_cell,
    word_for,
)
from portal.services.cases import CaseFilters, case_conditions, mask_phone
from portal.services.orgs import OrgTree, load_tree

Progress = Callable[[int], None]  # rows written so far
FORMATS = ("csv", "xlsx", "open311")
MEDIA_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MEDIA_TYPES["open311"] = "application/json"
SUFFIXES = {"csv": "csv", "xlsx": "xlsx", "open311": "json"}
PROGRESS_EVERY = 1_000  # rows between progress reports
CLOSED_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.REJECTED)  # Open311 "closed"
TIME_FORMAT = "%Y-%m-%d %H:%M"  # what the import reads back
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm"
_CASE_COLUMNS = (
    "reference", "source", "org_id", "reported_at", "reporter_name", "description", "status", "resolved_at",
    "satisfaction", "level", "due_at", "close_reason", "resolution", "updated_at",
)  # fmt: skip
_LEVEL_KIND = {"grid": OrgKind.GRID, "community": OrgKind.COMMUNITY, "subdistrict": OrgKind.SUBDISTRICT}
# The list's orders (see cases.list_cases), so a file lists the cases as the page did.
_ORDER = {
    "newest": (col(Case.reported_at).desc(), col(Case.id).desc()),
    "oldest": (col(Case.reported_at).asc(), col(Case.id).asc()),
    "due": (col(Case.due_at).is_(None), col(Case.due_at).asc(), col(Case.id).asc()),
}


@dataclass(frozen=True)
class ExportRow:
    reference: str
    source: str
    category: str
    category_code: str
    community: str  # the community, or the sub-district for a case placed there
    grid: str  # '' unless the case sits on a grid
    place: str  # the node the case sits on
    agency: str  # the unit at the case's handling level
    reported_at: datetime
    reporter_name: str | None
    reporter_phone: str | None  # masked unless the actor's role handles cases
    description: str
    status: str
    resolved_at: datetime | None
    satisfaction: str | None
    level: str
    assignee: str | None
    due_at: datetime | None
    close_reason: str | None
    resolution: str | None
    updated_at: datetime


def count_export(*, session: Session, actor: Actor, filters: CaseFilters) -> int:
    """How many cases an export under `filters` would hold (what the list's count says)."""
    dialect = session.get_bind().dialect.name
    conditions = case_conditions(load_tree(session=session), actor, filters, clock.now(), dialect=dialect)
    return int(session.execute(core_select(func.count()).select_from(Case).where(*conditions)).scalar_one())


def export_rows(
    *, session: Session, actor: Actor, filters: CaseFilters, progress: Progress | None = None
) -> Iterator[ExportRow]:
    """The cases `actor` may see under `filters`, in the list's order, fetched EXPORT_PAGE_SIZE rows at a time."""
    tree = load_tree(session=session)
    conditions = case_conditions(tree, actor, filters, clock.now(), dialect=session.get_bind().dialect.name)
    assignee = aliased(User)
    columns: list[Any] = [
        *(col(getattr(Case, name)) for name in _CASE_COLUMNS),
        col(Case.reporter_phone),
        col(Category.name).label("category"),
        col(Category.code).label("category_code"),
        col(assignee.display_name).label("assignee"),
    ]
    stmt = (
        core_select(*columns)
        .join(Category, col(Category.id) == Case.category_id)
        .outerjoin(assignee, col(assignee.id) == Case.assignee_id)
        .where(*conditions)
        .order_by(*_ORDER.get(filters.sort, _ORDER["newest"]))
        # A server-side cursor on PostgreSQL; SQLite steps through the result as it is read.
        .execution_options(yield_per=EXPORT_PAGE_SIZE)
    )
    show_phone = can(actor.role, "case.view_phone")
    places: dict[int, tuple[str, str, str, dict[str, str]]] = {}
    for number, found in enumerate(session.execute(stmt), start=1):
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number)
        row = found._mapping
        org_id = row["org_id"]
        if org_id not in places:
            places[org_id] = _place(tree, org_id)
        community, grid, place, by_kind = places[org_id]
        phone = row["reporter_phone"]
        yield ExportRow(
            **{name: row[name] for name in _CASE_COLUMNS if name != "org_id"},
            category=row["category"],
            category_code=row["category_code"],
            assignee=row["assignee"],
            community=community,
            grid=grid,
            place=place,
            agency=by_kind.get(_LEVEL_KIND.get(row["level"], ""), place),
            reporter_phone=phone if show_phone else mask_phone(phone),
        )


def _place(tree: OrgTree, org_id: int) -> tuple[str, str, str, dict[str, str]]:
    """(community column, grid column, node name, node name by kind along the path from the root)."""
    node = tree.get(org_id)
    by_kind = {tree.get(i).kind: tree.get(i).name for i in tree.ancestors(org_id)}
    if node.kind == OrgKind.GRID:
        parent = tree.get(node.parent_id) if node.parent_id is not None else node
        return parent.name, node.name, node.name, by_kind
    return node.name, "", node.name, by_kind


def _local(instant: datetime | None) -> datetime | None:
    """An instant as the office's wall-clock time, without a zone (what a spreadsheet holds)."""
    return clock.as_utc(instant).astimezone(clock.local_tz()).replace(tzinfo=None) if instant else None


def _values(row: ExportRow) -> list[str | datetime | None]:
    """The cells of one case, in EXPORT_COLUMNS order; times as office-local wall-clock times."""
    return [
        row.reference,
        word_for(SOURCE_WORDS, row.source),
        row.category,
        row.community,
        row.grid,
        _local(row.reported_at),
        row.reporter_name or "",
        row.reporter_phone or "",
        row.description,
        word_for(STATUS_WORDS, row.status),
        _local(row.resolved_at),
        word_for(SATISFACTION_WORDS, row.satisfaction),
        LEVEL_WORDS.get(row.level, row.level),
        row.assignee or "",
        _local(row.due_at),
        word_for(CLOSE_REASON_WORDS, row.close_reason),
    ]


def export_csv(*, session: Session, actor: Actor, filters: CaseFilters, progress: Progress | None = None) -> bytes:
    """The cases as CSV in UTF-8 with a BOM (so Excel reads the Chinese), formula-looking text defused."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS.values())
    for row in export_rows(session=session, actor=actor, filters=filters, progress=progress):
        writer.writerow(
            [v.strftime(TIME_FORMAT) if isinstance(v, datetime) else safe_cell(v or "") for v in _values(row)]
        )
    return out.getvalue().encode("utf-8-sig")


def export_xlsx(*, session: Session, actor: Actor, filters: CaseFilters, progress: Progress | None = None) -> bytes:
    """The cases as an Excel workbook: real date cells, formula-looking text defused and stored as text."""
    from openpyxl import Workbook  # slow to import; only when a workbook is asked for
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("事件")
    for letter, width in zip(
        "ABCDEFGHIJKLMNOP", (22, 11, 11, 14, 20, 17, 9, 14, 50, 9, 17, 9, 8, 14, 17, 10), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    sheet.append(list(EXPORT_COLUMNS.values()))
    for row in export_rows(session=session, actor=actor, filters=filters, progress=progress):
        cells: list[Any] = []
        for value in _values(row):
            if isinstance(value, datetime):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = XLSX_TIME_FORMAT
                cells.append(cell)
            else:
                # openpyxl refuses control characters, and would store text starting with '=' as a formula.
                cells.append(ILLEGAL_CHARACTERS_RE.sub("", safe_cell(value or "")))
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_open311(
    *, session: Session, actor: Actor, filters: CaseFilters, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """The cases as Open311 GeoReport v2 service requests (no reporter data: Open311 is for publishing)."""
    return [
        {
            "service_request_id": row.reference,
            "status": "closed" if row.status in CLOSED_STATUSES else "open",
            "status_notes": row.resolution
            or word_for(CLOSE_REASON_WORDS, row.close_reason)
            or (word_for(STATUS_WORDS, row.status) if row.status == CaseStatus.REJECTED else None),
            "service_name": row.category,
            "service_code": row.category_code,
            "description": row.description,
            "agency_responsible": row.agency,
            "requested_datetime": _iso(row.reported_at),
            "updated_datetime": _iso(row.updated_at),
            "expected_datetime": _iso(row.due_at),
            "address": row.place,
        }
        for row in export_rows(session=session, actor=actor, filters=filters, progress=progress)
    ]


def _iso(instant: datetime | None) -> str | None:
    """W3C date-time with the office's offset, as Open311 writes them: 2026-03-05T14:22:00+08:00."""
    return clock.as_utc(instant).astimezone(clock.local_tz()).isoformat(timespec="seconds") if instant else None


def export_file(
    fmt: str, *, session: Session, actor: Actor, filters: CaseFilters, progress: Progress | None = None
) -> bytes:
    """The bytes of an export in one of FORMATS (Open311 as a JSON array, UTF-8)."""
    if fmt == "open311":
        requests = export_open311(session=session, actor=actor, filters=filters, progress=progress)
        return json.dumps(requests, ensure_ascii=False, indent=1).encode("utf-8")
    writer = {"csv": export_csv, "xlsx": export_xlsx}[fmt]
    return writer(session=session, actor=actor, filters=filters, progress=progress)


def file_name(fmt: str, now: datetime) -> str:
    """cases-20260305-1422.xlsx: the office-local time the file was made."""
    return f"cases-{clock.as_utc(now).astimezone(clock.local_tz()):%Y%m%d-%H%M}.{SUFFIXES[fmt]}"
