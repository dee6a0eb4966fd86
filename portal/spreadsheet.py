"""Spreadsheet-safe cells for every workbook the portal writes (reports, KPI tables).

A string that starts like a formula (=, +, -, @; `case_formats.safe_cell` decides) is stored as a text cell
marked "quote prefix": Excel shows it exactly as typed and never evaluates it, even after an edit.
"""

from __future__ import annotations

import re
from typing import Any

from portal.services.case_formats import safe_cell

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def text_cell(sheet: Any, value: str) -> Any:
    """A string for a write-only sheet's row: as is, or a quote-prefixed text cell when it looks like a formula."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", value)  # openpyxl refuses control characters
    if safe_cell(text) == text:
        return text
    quoted = WriteOnlyCell(sheet, value=text)
    quoted.data_type = "s"  # openpyxl would store "=..." as a formula
    quoted.quotePrefix = True
    return quoted


def sheet_name(title: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook (`used`, lower-cased)."""
    base = _SHEET_UNSAFE.sub("_", title).strip("'")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name
