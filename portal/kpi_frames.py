"""Each KPI chart's data as a plain table, from an Overview: drawn by the KPI pages and by the email report
(this module imports no Streamlit, so a report worker can use it)."""

from __future__ import annotations

import pandas as pd

from portal.i18n import label, t
from portal.services.kpi_overview import Overview


def unit_name(name: str, exact: bool) -> str:
    """A unit that is the scope node itself counts only its own cases: say so next to its name."""
    return t("kpi.unit_itself", name=name) if exact else name


def frames(overview: Overview) -> dict[str, pd.DataFrame]:
    """Each chart's data, as plain tables (the email report draws the same builders from the same frames)."""
    return {
        "units": pd.DataFrame(
            [
                {"unit": unit_name(u.name, u.exact), "count": u.count, "unit_id": u.id, "exact": u.exact}
                for u in overview.by_unit
            ],
            columns=["unit", "count", "unit_id", "exact"],
        ),
        "categories": pd.DataFrame(
            [{"category": c.name, "count": c.count, "category_id": c.id} for c in overview.by_category],
            columns=["category", "count", "category_id"],
        ),
        "trend": pd.DataFrame(
            [
                {
                    "start": p.start.isoformat(),
                    "span": f"{p.start} – {p.end}" if p.end != p.start else str(p.start),
                    "count": p.count,
                    "previous": p.previous,
                }
                for p in overview.trend
            ],
            columns=["start", "span", "count", "previous"],
        ),
        "heat": pd.DataFrame(
            [
                {
                    "unit": unit_name(c.unit, c.exact),
                    "category": c.category,
                    "count": c.count,
                    "unit_id": c.unit_id,
                    "category_id": c.category_id,
                    "exact": c.exact,
                }
                for c in overview.heat
            ],
            columns=["unit", "category", "count", "unit_id", "category_id", "exact"],
        ),
        "funnel": pd.DataFrame(
            [{"status": label("status", s), "count": n, "code": s} for s, n in overview.funnel],
            columns=["status", "count", "code"],
        ),
        "handling": pd.DataFrame(
            [
                {"category": h.category, "days": round(h.days, 1) if h.days is not None else None}
                for h in overview.handling
            ],
            columns=["category", "days"],
        ),
        "activities": pd.DataFrame(
            [{"kind": t(f"activity.{a.kind}"), "done": a.count, "target": a.target} for a in overview.activities],
            columns=["kind", "done", "target"],
        ),
    }
