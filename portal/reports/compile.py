"""Gather a report's content for a scope and a period from the same services as the KPI pages.

The figures are `kpi_overview` for the period with the previous period of equal length (as
`portal kpi --json --from --to` gives them); the charts are the KPI pages' builders; sections with nothing
to say are left out.
"""

from __future__ import annotations

import altair as alt
from sqlmodel import Session

from db.models import CaseLevel, Category
from portal import charts, clock
from portal.config import get_settings
from portal.defaults import (
    EARLY_WARNING_BASELINE_PERIODS,
    EARLY_WARNING_MIN_CASES,
    EARLY_WARNING_SIGMAS,
    REPORT_LIST_LIMIT,
    REPORT_UPCOMING_DAYS,
)
from portal.i18n import label, t
from portal.kpi_frames import frames
from portal.reports.content import Chart, Headline, ReportContent, Table
from portal.reports.period import ReportPeriod
from portal.services import activities, cases, escalations
from portal.services.actor import Actor
from portal.services.cases import CaseFilters
from portal.services.kpi import KpiFilters
from portal.services.kpi_figures import HEADLINE
from portal.services.kpi_overview import Overview, kpi_overview
from portal.services.orgs import load_tree

CHART_WIDTH = 600  # pixels in the email; the page draws at its container's width


def compile_content(
    *,
    session: Session,
    scope_id: int,
    period: ReportPeriod,
    source: str | None = None,
    category_id: int | None = None,
    weekly: bool = False,
    lang: str = "zh",
) -> ReportContent:
    """The report of one org node's subtree for `period` (office-local days), optionally for one source/category."""
    tree = load_tree(session=session)
    actor = Actor.system(scope_id)  # the scope node's view: its own cases and everything below it
    filters = KpiFilters(date_from=period.start, date_to=period.end, source=source, category_id=category_id)
    overview = kpi_overview(session=session, actor=actor, filters=filters, period="custom")
    scope = tree.get(scope_id)
    title_key = "report.title_weekly" if weekly else "report.title"
    content = ReportContent(
        title=t(title_key, lang, scope=scope.name, period=period.label),
        scope=scope.name,
        scope_code=scope.code,
        period=period,
        previous=period.previous(),
        timezone=get_settings().timezone,
        compiled_at=clock.now(),
        filters=_filters(session, source, category_id, lang),
        headlines=_headlines(overview, lang),
        charts=_charts(overview, lang),
        tables=[
            table
            for table in (
                _warnings(overview, lang),
                _activities(session, actor, overview, period, lang),
                _overdue(session, actor, lang),
                _escalated(session, actor, period, lang),
                _upcoming(session, actor, lang),
            )
            if table is not None and table.rows
        ],
    )
    if overview.warnings is None:
        content.notes.append(t("kpi.warning_period_too_long", lang))
    content.notes.append(t("report.note_overdue", lang))
    return content


def _filters(session: Session, source: str | None, category_id: int | None, lang: str) -> list[tuple[str, str]]:
    found = []
    if source:
        found.append((t("filter.source", lang), label("source", source, lang)))
    if category_id:
        category = session.get(Category, category_id)
        found.append((t("filter.category", lang), category.name if category else str(category_id)))
    return found


def _headlines(overview: Overview, lang: str) -> list[Headline]:
    before = overview.before
    return [
        Headline(
            key,
            t(f"kpi.card.{key}", lang),
            overview.current.value(key),
            before.value(key) if before is not None and key != "overdue_now" else None,
            rate=kind == "rate",
        )
        for key, kind in HEADLINE
    ]


def _charts(overview: Overview, lang: str) -> list[Chart]:
    data = frames(overview)
    units = data["units"][["unit", "count"]]
    categories = data["categories"][["category", "count"]]
    trend = data["trend"][["start", "span", "count", "previous"]]
    heat = data["heat"][["unit", "category", "count"]]
    built: list[tuple[str, str, alt.TopLevelMixin, list[dict[str, object]]]] = [
        (
            "by_unit",
            t("kpi.by_unit", lang),
            charts.count_bars(units, category="unit", value="count", title=t("kpi.by_unit", lang), sort=None),
            units.to_dict("records"),
        ),
        (
            "by_category",
            t("kpi.by_category", lang),
            charts.count_bars(categories, category="category", value="count", title=t("kpi.by_category", lang)),
            categories.to_dict("records"),
        ),
        (
            "trend",
            t("kpi.trend", lang),
            charts.trend_lines(
                trend,
                title=t("kpi.trend", lang),
                current=t("kpi.this_period", lang),
                previous=t("kpi.previous_period", lang),
            ),
            trend[["span", "count", "previous"]].to_dict("records"),
        ),
        (
            "heat_map",
            t("kpi.heat_map", lang),
            charts.heat_map(heat, title=t("kpi.heat_map", lang)),
            heat.to_dict("records"),
        ),
    ]
    return [
        Chart(key, title, chart.properties(width=CHART_WIDTH).to_dict(), rows)
        for key, title, chart, rows in built
        if any(row.get("count") for row in rows)  # a chart of nothing but zeros says nothing
    ]


def _warnings(overview: Overview, lang: str) -> Table | None:
    if not overview.warnings:
        return None
    rule = t(
        "kpi.warning_rule",
        lang,
        periods=EARLY_WARNING_BASELINE_PERIODS,
        sigmas=f"{EARLY_WARNING_SIGMAS:g}",
        minimum=EARLY_WARNING_MIN_CASES,
    )
    columns = [t(f"report.col_{c}", lang) for c in ("unit", "category", "count", "baseline", "threshold")]
    rows = [[w.org_name, w.category_name, w.count, round(w.mean, 1), round(w.threshold, 1)] for w in overview.warnings]
    return Table("warnings", t("kpi.warnings", lang), columns, rows, note=rule)


def _activities(session: Session, actor: Actor, overview: Overview, period: ReportPeriod, lang: str) -> Table:
    today = min(period.end, clock.today())
    year = activities.progress(session=session, actor=actor, year=period.end.year, today=today)
    in_period = {a.kind: a.count for a in overview.activities}
    columns = [t(f"report.col_{c}", lang) for c in ("kind", "held_in_period", "held_this_year", "target", "progress")]
    rows = [
        [
            t(f"activity.{p.kind}", lang),
            in_period.get(p.kind, 0),
            p.done,
            "" if p.target is None else f"{p.target:g}",
            "" if p.share is None else f"{p.share:.0%}",
        ]
        for p in year
    ]
    if not any(row[1] or row[2] or row[3] for row in rows):
        rows = []
    return Table("activities", t("report.activities", lang, year=period.end.year), columns, rows)


def _overdue(session: Session, actor: Actor, lang: str) -> Table:
    page = cases.list_cases(
        session=session, actor=actor, filters=CaseFilters(overdue=True, sort="due"), page_size=REPORT_LIST_LIMIT
    )
    now = clock.now()
    columns = [t(f"report.col_{c}", lang) for c in ("reference", "category", "unit", "assignee", "due", "days_late")]
    rows = [
        [
            row.reference,
            row.category,
            row.org,
            row.assignee or "",
            clock.local_text(row.due_at),
            (now - clock.as_utc(row.due_at)).days if row.due_at else "",
        ]
        for row in page.rows
    ]
    more = t("report.more_rows", lang, count=page.total - len(rows)) if page.total > len(rows) else ""
    return Table("overdue", t("report.overdue", lang, count=page.total), columns, rows, note=more)


def _escalated(session: Session, actor: Actor, period: ReportPeriod, lang: str) -> Table:
    found = escalations.escalated_to(
        session=session, actor=actor, level=CaseLevel.SUBDISTRICT.value, start=period.start, end=period.end
    )
    columns = [t(f"report.col_{c}", lang) for c in ("reference", "category", "unit", "at", "by", "reason", "status")]
    rows = [
        [e.reference, e.category, e.org, clock.local_text(e.at), e.by, e.reason, label("status", e.status, lang)]
        for e in found[:REPORT_LIST_LIMIT]
    ]
    return Table("escalated", t("report.escalated", lang), columns, rows)


def _upcoming(session: Session, actor: Actor, lang: str) -> Table:
    found = activities.upcoming(session=session, actor=actor, today=clock.today(), days=REPORT_UPCOMING_DAYS)
    columns = [t(f"report.col_{c}", lang) for c in ("starts", "kind", "title", "unit", "organiser", "location")]
    rows = [
        [clock.local_text(a.starts_at), t(f"activity.{a.kind}", lang), a.title, a.org, a.organiser, a.location]
        for a in found
    ]
    return Table("upcoming", t("report.upcoming", lang, days=REPORT_UPCOMING_DAYS), columns, rows)
