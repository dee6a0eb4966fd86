"""Reading a spreadsheet: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16) or XLSX, header in row 1.

The columns are those of the case file unless a ColumnMap says otherwise (the low-code import passes one
per record kind), so every import reads files by the same rules.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from portal.services.case_formats import (
    EXPORT_COLUMNS,
    IMPORT_COLUMNS,
    OPTIONAL_IMPORT_COLUMNS,
    REQUIRED_COLUMNS,
    normalise,
)
from portal.services.errors import ServiceError

XLSX_MAGIC = b"PK\x03\x04"  # a zip archive, which an .xlsx is
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary Excel format (OLE2)
CSV_SUFFIXES = {"", ".csv", ".txt", ".tsv"}
READ_COLUMNS = (*IMPORT_COLUMNS, *OPTIONAL_IMPORT_COLUMNS)


@dataclass(frozen=True)
class ColumnMap:
    """Which header cells name which field, and the fields a file must have a column for."""

    headers: dict[str, str]  # header cell, normalised (see `normalise`) -> field name
    required: dict[str, str]  # field -> how a "missing column" message names it

    @classmethod
    def of(cls, names: dict[str, list[str]], required: dict[str, str]) -> ColumnMap:
        """From field -> the header words accepted for it (the field name itself is always accepted)."""
        headers: dict[str, str] = {}
        for field, words in names.items():
            for word in (field, *words):
                headers.setdefault(normalise(word), field)
        return cls(headers, required)


# A header cell (Chinese or English, normalised) -> field name.
CASE_COLUMNS = ColumnMap(
    {normalise(h): f for f, h in EXPORT_COLUMNS.items() if f in READ_COLUMNS} | {normalise(f): f for f in READ_COLUMNS},
    {f: f"{IMPORT_COLUMNS[f]} ({f})" for f in REQUIRED_COLUMNS},
)

Row = tuple[int, dict[str, Any]]  # (spreadsheet row number, field -> raw cell value)


class UnreadableFile(ServiceError):
    """The file as a whole cannot be read: wrong format, undecodable, empty, or a required column is missing."""


@dataclass
class Table:
    """The rows of a file, read lazily; `total` is the number of data rows when known up front."""

    rows: Iterator[Row]
    total: int | None
    format: str


def read_table(data: bytes, filename: str, columns: ColumnMap = CASE_COLUMNS) -> Table:
    """Open `data` (named `filename`) as a table (of cases by default), or raise UnreadableFile saying why not."""
    if not data.strip():
        raise UnreadableFile("import.file_empty")
    suffix = PurePath(filename).suffix.lower()
    if data.startswith(XLS_MAGIC):
        raise UnreadableFile("import.file_xls")
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data, columns)
    if suffix in (".xlsx", ".xlsm", ".xls") or suffix not in CSV_SUFFIXES:
        raise UnreadableFile("import.file_format", name=PurePath(filename).name)
    return _read_csv(decode(data), columns)


def count_rows(data: bytes, filename: str, columns: ColumnMap = CASE_COLUMNS) -> int:
    """How many data rows the file holds (blank ones included); raises UnreadableFile like `read_table`."""
    table = read_table(data, filename, columns)
    return table.total if table.total is not None else sum(1 for _ in table.rows)


def decode(data: bytes) -> str:
    """CSV text: a BOM decides; otherwise strict UTF-8, then GB18030 (a superset of GBK, as Excel writes it)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return _strict(data[len(bom) :], encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _strict(data, "gb18030")


def _strict(data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableFile("import.file_encoding") from None
    if "\x00" in text:  # a binary file named .csv
        raise UnreadableFile("import.file_encoding")
    return text


def _read_csv(text: str, wanted: ColumnMap) -> Table:
    first_line = text.split("\n", 1)[0]
    # Excel's "Unicode text" export is tab-separated; everything else here is comma-separated.
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:  # a first pass counts the rows (for the progress bar) and finds a malformed file before any import
        total = sum(1 for _ in csv.reader(io.StringIO(text), delimiter=delimiter)) - 1
    except csv.Error as exc:
        raise UnreadableFile("import.file_csv_broken", error=str(exc)) from None
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    columns = _columns(next(reader, []), wanted)
    if total < 1:
        raise UnreadableFile("import.file_no_rows")
    return Table(_rows(reader, columns), total, "csv")


def _read_xlsx(data: bytes, wanted: ColumnMap) -> Table:
    import openpyxl  # only when a workbook comes in: it is slow to import
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise UnreadableFile("import.file_corrupt", error=type(exc).__name__) from None
    if not workbook.worksheets:
        raise UnreadableFile("import.file_no_rows")
    sheet = workbook.worksheets[0]
    rows = _guarded(sheet.iter_rows(values_only=True))
    columns = _columns(list(next(rows, ())), wanted)
    # The sheet's recorded dimension: good enough for a progress bar; some writers leave it out or wrong,
    # so an empty sheet is only decided once its rows are read.
    total = sheet.max_row - 1 if sheet.max_row and sheet.max_row > 1 else None
    return Table(_rows(rows, columns), total, "xlsx")


def _guarded(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """A workbook's rows; damage found while reading them (bad XML, odd cells) makes the file unreadable."""
    try:
        yield from rows
    except Exception as exc:  # openpyxl raises many kinds on a damaged sheet; none of them is ours to handle
        raise UnreadableFile("import.file_corrupt", error=type(exc).__name__) from None


def _columns(header: list[Any], wanted: ColumnMap) -> dict[str, int]:
    """Field -> column index, from the header row; raises when a required column is missing."""
    if not any(cell not in (None, "") for cell in header):
        raise UnreadableFile("import.file_no_header")
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = normalise(str(cell or "")).lstrip("\ufeff")
        field = wanted.headers.get(name)
        if field is not None:
            columns.setdefault(field, index)  # a repeated column: the first one counts
    missing = [f for f in wanted.required if f not in columns]
    if missing:
        names = "、".join(wanted.required[f] for f in missing)
        raise UnreadableFile("import.file_missing_columns", columns=names)
    return columns


def _rows(rows: Iterator[Any], columns: dict[str, int]) -> Iterator[Row]:
    for number, cells in enumerate(rows, start=2):
        yield number, {f: cells[i] if i < len(cells) else None for f, i in columns.items()}
