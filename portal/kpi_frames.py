"""Each KPI chart's data as a plain table, from an Overview: drawn by the KPI pages and by the email report
(this module imports no Streamlit, so a report worker can use it)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from portal.i18n import label, t
from portal.services.kpi_overview import Overview


def unit_name(name: str, exact: bool) -> str:
    """A unit that is the scope node itself counts only its own cases: say so next to its name."""
    return t("kpi.unit_itself", name=name) if exact else name


Columns = dict[str, list[Any]]  # a table as named columns of equal length


def columns(overview: Overview) -> dict[str, Columns]:
    """Each chart's data as named columns: the pages turn them into Arrow directly (no pandas on the way: a
    tenth of the time), the email report and the tables into data frames (`frames`)."""
    units, trend, heat = overview.by_unit, overview.trend, overview.heat
    return {
        "units": {
            "unit": [unit_name(u.name, u.exact) for u in units],
            "count": [u.count for u in units],
            "unit_id": [u.id for u in units],
            "exact": [u.exact for u in units],
        },
        "categories": {
            "category": [c.name for c in overview.by_category],
            "count": [c.count for c in overview.by_category],
            "category_id": [c.id for c in overview.by_category],
        },
        "trend": {
            "start": [p.start.isoformat() for p in trend],
            "span": [f"{p.start} – {p.end}" if p.end != p.start else str(p.start) for p in trend],
            "count": [p.count for p in trend],
            "previous": [p.previous for p in trend],
        },
        "heat": {
            "unit": [unit_name(c.unit, c.exact) for c in heat],
            "category": [c.category for c in heat],
            "count": [c.count for c in heat],
            "unit_id": [c.unit_id for c in heat],
            "category_id": [c.category_id for c in heat],
            "exact": [c.exact for c in heat],
        },
        "funnel": {
            "status": [label("status", s) for s, _ in overview.funnel],
            "count": [n for _, n in overview.funnel],
            "code": [s for s, _ in overview.funnel],
        },
        "handling": {
            "category": [h.category for h in overview.handling],
            "days": [round(h.days, 1) if h.days is not None else None for h in overview.handling],
        },
        "activities": {  # against the annual target: the year so far
            "kind": [t(f"activity.{a.kind}") for a in overview.year_to_date],
            "done": [a.count for a in overview.year_to_date],
            "target": [a.target for a in overview.year_to_date],
        },
    }


def frames(overview: Overview) -> dict[str, pd.DataFrame]:
    """Each chart's data, as plain tables (the email report draws the same builders from the same frames)."""
    return {name: pd.DataFrame(table) for name, table in columns(overview).items()}
