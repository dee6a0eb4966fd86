"""A report as an email body: HTML with inline CSS (mail clients ignore style sheets) and a plain-text part.

Every text from the database (names, descriptions) is escaped: nothing a user typed becomes markup.
"""

from __future__ import annotations

from html import escape
from typing import Any

from portal import clock
from portal.i18n import t
from portal.reports.content import ReportContent

FONT = "font-family:'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',Arial,sans-serif"
CELL = "padding:6px 8px;border-bottom:1px solid #e5e7eb;text-align:left;font-size:13px"
HEAD = CELL + ";background:#f3f4f6;font-weight:600"


def chart_cid(key: str) -> str:
    """The Content-ID of a chart's image (the same in the HTML and in the image's part)."""
    return f"chart-{key}@grid-portal"


def header_lines(content: ReportContent, lang: str) -> list[tuple[str, str]]:
    """What the report covers, as (label, value): scope, period, comparison, time zone, filters, compiled."""
    period = content.period
    lines = [
        (t("report.scope", lang), content.scope),
        (t("report.period", lang), f"{period.label} ({period.start} – {period.end})"),
        (
            t("report.compared_with", lang),
            f"{content.previous.label} ({content.previous.start} – {content.previous.end})",
        ),
        (t("report.timezone", lang), content.timezone),
    ]
    filters = "; ".join(f"{name}: {value}" for name, value in content.filters) or t("report.no_filters", lang)
    lines.append((t("report.filters", lang), filters))
    lines.append((t("report.compiled_at", lang), clock.local_text(content.compiled_at)))
    return lines


def html(content: ReportContent, lang: str = "zh") -> str:
    """The HTML part; chart images are referenced as cid:chart-<key>@grid-portal."""
    parts = [
        f'<div style="{FONT};color:#111827;max-width:720px">',
        f'<h1 style="font-size:20px;margin:0 0 8px">{escape(content.title)}</h1>',
        _table(["", ""], [[k, v] for k, v in header_lines(content, lang)], header=False),
    ]
    if content.headlines:
        parts.append(_heading(t("report.headlines", lang)))
        columns = [
            t("report.col_figure", lang),
            content.period.label,
            content.previous.label,
            t("report.col_change", lang),
        ]
        rows = [
            [h.label, h.shown(), h.shown(h.previous) if h.previous is not None else "—", h.change(lang)]
            for h in content.headlines
        ]
        parts.append(_table(columns, rows))
    for chart in content.charts:
        parts.append(_heading(chart.title))
        parts.append(
            f'<img src="cid:{escape(chart_cid(chart.key))}" alt="{escape(chart.title)}" width="640" '
            'style="max-width:100%;height:auto;display:block">'
        )
    for table in content.tables:
        parts.append(_heading(table.title))
        if table.note:
            parts.append(f'<p style="font-size:12px;color:#4b5563;margin:0 0 6px">{escape(table.note)}</p>')
        parts.append(_table(table.columns, table.rows))
    if content.notes:
        parts.append(_heading(t("report.notes", lang)))
        items = "".join(f'<li style="font-size:12px;color:#4b5563">{escape(note)}</li>' for note in content.notes)
        parts.append(f"<ul>{items}</ul>")
    parts.append(f'<p style="font-size:12px;color:#6b7280">{escape(t("report.footer", lang))}</p></div>')
    return "\n".join(parts)


def text(content: ReportContent, lang: str = "zh") -> str:
    """The plain-text part: the same sections, charts replaced by their numbers."""
    lines = [content.title, "=" * 40]
    lines += [f"{k}: {v}" for k, v in header_lines(content, lang)]
    if content.headlines:
        lines += ["", t("report.headlines", lang)]
        for h in content.headlines:
            change = f"  ({t('report.col_change', lang)} {h.change(lang)})" if h.change(lang) else ""
            lines.append(f"- {h.label}: {h.shown()}{change}")
    for chart in content.charts:
        lines += ["", chart.title]
        lines += ["- " + ", ".join(f"{v}" for v in row.values()) for row in chart.rows[:20]]
        if len(chart.rows) > 20:
            lines.append(t("report.more_rows", lang, count=len(chart.rows) - 20))
    for table in content.tables:
        lines += ["", table.title]
        if table.note:
            lines.append(table.note)
        lines += ["- " + " | ".join(str(c) for c in row) for row in table.rows]
    if content.notes:
        lines += ["", t("report.notes", lang)] + [f"- {note}" for note in content.notes]
    lines += ["", t("report.footer", lang)]
    return "\n".join(lines)


def _heading(title: str) -> str:
    return f'<h2 style="font-size:16px;margin:20px 0 6px">{escape(title)}</h2>'


def _table(columns: list[str], rows: list[list[Any]], *, header: bool = True) -> str:
    head = "".join(f'<th style="{HEAD}">{escape(str(c))}</th>' for c in columns) if header else ""
    body = "".join(
        "<tr>" + "".join(f'<td style="{CELL}">{escape("" if c is None else str(c))}</td>' for c in row) + "</tr>"
        for row in rows
    )
    thead = f"<thead><tr>{head}</tr></thead>" if header else ""
    return f'<table style="border-collapse:collapse;width:100%;margin:0 0 8px">{thead}<tbody>{body}</tbody></table>'
