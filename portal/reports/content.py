"""What a report says, independent of how it is shown: header, headline figures, charts, tables, notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from portal.i18n import t
from portal.reports.period import ReportPeriod


@dataclass(frozen=True)
class Headline:
    """One headline number with the previous period's, for the change."""

    key: str  # the figure's name in `portal kpi --json`
    label: str
    value: float | None  # None: no data to compute it from (e.g. a rate over zero cases)
    previous: float | None
    rate: bool = False  # a share between 0 and 1, shown as a percentage; its change in points

    def shown(self, value: float | None = None) -> str:
        value = self.value if value is None else value
        if value is None:
            return "—"
        return f"{value:.1%}" if self.rate else f"{value:,.0f}"

    def change(self, lang: str = "zh") -> str:
        """+12 (+8%), −3.1 个百分点 (pp), or '' when there is nothing to compare."""
        if self.value is None or self.previous is None:
            return ""
        delta = self.value - self.previous
        if self.rate:
            return t("kpi.delta_points", lang, points=f"{delta * 100:+.1f}").replace("-", "−")
        relative = f" ({delta / self.previous:+.0%})" if self.previous else ""
        return f"{delta:+,.0f}{relative}".replace("-", "−")


@dataclass(frozen=True)
class Chart:
    """A chart as its Vega-Lite spec (from the same builders as the KPI pages) and the rows drawn."""

    key: str
    title: str
    spec: dict[str, Any]
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""


@dataclass(frozen=True)
class ReportContent:
    title: str
    scope: str  # the org node's name
    scope_code: str
    period: ReportPeriod
    previous: ReportPeriod
    timezone: str
    compiled_at: datetime
    filters: list[tuple[str, str]] = field(default_factory=list)  # (label, value) as the header states them
    headlines: list[Headline] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)  # sections with no rows are left out by the compiler
    notes: list[str] = field(default_factory=list)  # rules stated, figures left out and why
