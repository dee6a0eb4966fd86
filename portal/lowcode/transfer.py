"""CSV/XLSX export and import for every record kind, by the case file's rules.

Export: the kind's form fields under their labels, values as shown on screen, cells spreadsheet-safe.
Import: the same file reads back; every row is checked like the form, row-numbered errors, good rows
inserted in the caller's one transaction (nothing is saved when the caller rolls back).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from portal import clock
from portal.i18n import LANGUAGES, t
from portal.lowcode.checks import checked
from portal.lowcode.declare import RecordKind, get_kind
from portal.lowcode.records import Query, choices, display, insert_checked, select_records
from portal.services.actor import Actor
from portal.services.case_files import ColumnMap, UnreadableFile, read_table
from portal.services.case_formats import normalise, safe_cell
from portal.services.case_import import ImportResult, RowError
from portal.services.case_import_rows import parse_when, text
from portal.services.errors import InvalidInput, PermissionDenied

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
EXPORT_MAX_ROWS = 50_000
_YES = {normalise(w) for w in ("是", "yes", "true", "1", "y", "✓")}
_NO = {normalise(w) for w in ("否", "no", "false", "0", "n", "✗")}


def file_fields(kind: RecordKind) -> list[str]:
    """The columns of the kind's file: every field a form sets, but passwords and create-only fields."""
    return [f.name for f in kind.form_fields(creating=False) if kind.widget(f.name) != "password"]


def importable(kind: RecordKind) -> bool:
    """Whether a file can create records of this kind: no required field is left out of the file."""
    return all(f.name in file_fields(kind) or not kind.is_required(f.name) for f in kind.form_fields(creating=True))


def export_records(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    fmt: str,
    query: Query,
    lang: str | None = None,
    labels: dict[str, dict[Any, str]] | None = None,
) -> bytes:
    """The records the list shows (all pages, up to EXPORT_MAX_ROWS) as a CSV (UTF-8 with BOM) or XLSX file.

    `labels`: the choice labels the page shows (in its language); read afresh when None.
    """
    spec = get_kind(kind)
    if not spec.permissions.allows(actor.role, "view"):
        raise PermissionDenied("error.forbidden")
    names = file_fields(spec)
    if labels is None:
        labels = {n: dict(c) for n, c in choices(session=session, actor=actor, kind=kind).items()}
    header = [spec.label_of(n, lang) for n in names]
    rows = session.exec(select_records(session, actor, spec, query).limit(EXPORT_MAX_ROWS)).all()
    table = [[_cell(display(spec, n, getattr(row, n), labels, lang)) for n in names] for row in rows]
    if fmt == "xlsx":
        return _xlsx(header, table)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(table)
    return out.getvalue().encode("utf-8-sig")


def _cell(value: Any) -> Any:
    return safe_cell(value) if isinstance(value, str) else value


def _xlsx(header: list[str], table: list[list[Any]]) -> bytes:
    import openpyxl  # slow to import; only when a workbook is asked for

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for row in table:
        # A text cell is written as a string, never a formula, whatever its first character.
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def column_map(spec: RecordKind) -> ColumnMap:
    """Header words -> fields: each field's label in both languages and its name."""
    names = {n: [spec.label_of(n, lang) for lang in LANGUAGES] for n in file_fields(spec)}
    required = {n: f"{spec.label_of(n)} ({n})" for n in file_fields(spec) if spec.is_required(n)}
    return ColumnMap.of(names, required)


def import_records(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    lang: str | None = None,
) -> ImportResult:
    """Check every row of a CSV/XLSX file and insert the good ones into `session` (the caller commits once).

    Raises UnreadableFile when the file as a whole cannot be read, PermissionDenied when the role may not create.
    """
    spec = get_kind(kind)
    if not spec.permissions.allows(actor.role, "create") or not importable(spec):
        raise PermissionDenied("error.forbidden")
    table = read_table(data, filename, column_map(spec))
    words = {
        n: {normalise(str(w)): v for v, label in c for w in (v, label)}
        for n, c in choices(session=session, actor=actor, kind=kind).items()
    }
    result = ImportResult(dry_run=dry_run)
    order = {n: i for i, n in enumerate(file_fields(spec))}
    for number, raw in table.rows:
        if all(text(value) == "" for value in raw.values()):
            continue
        result.rows += 1
        values, problems = _read(spec, raw, words, lang)
        try:
            good = checked(session, actor, spec, values)
        except InvalidInput as exc:
            problems.update({k: v for k, v in exc.field_messages(lang).items() if k not in problems})
        if problems:
            found = sorted(problems.items(), key=lambda p: order.get(p[0], len(order)))
            result.errors.extend(RowError(number, f, message) for f, message in found)
            continue
        result.imported += 1
        if not dry_run:
            insert_checked(session, actor, spec, good, "import")
    if result.rows == 0:
        raise UnreadableFile("import.file_no_rows")
    return result


def _read(
    spec: RecordKind, raw: dict[str, Any], words: dict[str, dict[str, Any]], lang: str | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """A row's cells as form values; cells that cannot be read at all are problems already."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    tz = clock.local_tz()
    for name, cell in raw.items():
        shown = text(cell)
        if shown == "":
            values[name] = None
        elif name in words:
            values[name] = words[name].get(normalise(shown))
            if values[name] is None:
                problems[name] = t("error.import_choice", lang, value=shown[:30])
        elif spec.widget(name) in ("date", "datetime"):
            try:
                when = parse_when(cell if isinstance(cell, datetime | date) else shown, tz)
            except (ValueError, OverflowError):
                problems[name] = t("error.import_date", lang, value=shown[:30])
                continue
            values[name] = when.date() if when and spec.widget(name) == "date" else when
        elif spec.widget(name) == "checkbox":
            values[name] = True if normalise(shown) in _YES else False if normalise(shown) in _NO else shown
        else:
            values[name] = shown
    return values, problems
