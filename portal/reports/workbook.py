"""A report as an Excel workbook: a summary sheet (what it covers, the headline figures), then one sheet per
chart (the numbers drawn) and per table.

Text is spreadsheet-safe: every string is a text cell, and one that starts like a formula (=, +, -, @) is
also marked "quote prefix", so Excel shows it as typed and never evaluates it, even after an edit."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from portal.i18n import t
from portal.reports.content import ReportContent
from portal.reports.email_body import header_lines
from portal.spreadsheet import sheet_name, text_cell


def xlsx(content: ReportContent, lang: str = "zh") -> bytes:
    """The workbook's bytes."""
    from openpyxl import Workbook  # slow to import; only where a workbook is made
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    def cell(ws: WriteOnlyWorksheet, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        return text_cell(ws, value) if isinstance(value, str) else value

    workbook = Workbook(write_only=True)
    used: set[str] = set()

    def sheet(title: str, rows: list[list[Any]], widths: list[int]) -> None:
        ws = workbook.create_sheet(sheet_name(title, used))
        for index, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + index)].width = width
        for row in rows:
            ws.append([cell(ws, v) for v in row])

    summary: list[list[Any]] = [[content.title], *[[k, v] for k, v in header_lines(content, lang)], []]
    if content.headlines:
        summary.append(
            [t("report.col_figure", lang), content.period.label, content.previous.label, t("report.col_change", lang)]
        )
        summary += [[h.label, h.value, h.previous, h.change(lang)] for h in content.headlines]
    summary += [[], *[[note] for note in content.notes]]
    sheet(t("report.sheet_summary", lang), summary, [28, 36, 16, 16])
    for chart in content.charts:
        columns = list(chart.rows[0]) if chart.rows else []
        sheet(chart.title, [columns, *[[row[c] for c in columns] for row in chart.rows]], [18] * max(len(columns), 1))
    for table in content.tables:
        rows = [*([[table.note]] if table.note else []), table.columns, *table.rows]
        sheet(table.title, rows, [18] * max(len(table.columns), 1))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
