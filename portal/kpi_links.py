"""The KPI pages' state as URL query parameters, and the drill-down link from a chart to the case list.

Pure functions (no Streamlit): a bookmarked or forwarded URL gives the same view, and the case list reads the
same parameters the KPI page writes. Nothing in a URL widens what a user may see: the services check scope, and
`read_view` drops a unit that is not among the nodes the page offers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from db.models import CaseSource, CaseStatus
from portal import periods
from portal.services.cases import CaseFilters
from portal.services.early_warning import Warning

KPI_PERIODS = ("this_month", "this_week", "last_week", "this_year", "last_12_months", "custom")
SOURCES = tuple(s.value for s in CaseSource)
STATUSES = tuple(s.value for s in CaseStatus)


@dataclass(frozen=True)
class KpiView:
    """What a KPI page shows: period (custom: from-to), unit, source, category, trend grain."""

    period: str = "this_month"
    custom: tuple[date, date] | None = None
    org_id: int | None = None
    source: str | None = None
    category_id: int | None = None
    grain: str | None = None

    def dates(self, today: date) -> tuple[date | None, date | None]:
        return periods.resolve(self.period, today, self.custom if self.period == "custom" else None)


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None


def read_view(
    params: Mapping[str, str], *, orgs: Collection[int], categories: Collection[int], today: date
) -> tuple[KpiView, list[str]]:
    """The view a URL asks for, and the names of parameters ignored because they were unknown or out of scope."""
    ignored: list[str] = []
    view = KpiView()
    period = params.get("period")
    if period in KPI_PERIODS:
        view = replace(view, period=period)
    elif period:
        ignored.append("period")
    if view.period == "custom":
        start, end = _date(params.get("from")), _date(params.get("to"))
        if start and end and periods.within_reach(start, end):
            view = replace(view, custom=(min(start, end), max(start, end)))
        else:
            view = replace(view, period="this_month")
            ignored.append("from/to")
    org, category = _int(params.get("org")), _int(params.get("cat"))
    if org is not None and org in orgs:
        view = replace(view, org_id=org)
    elif params.get("org"):
        ignored.append("org")  # another community's id, say: not offered to this user, so not shown
    if category is not None and category in categories:
        view = replace(view, category_id=category)
    elif params.get("cat"):
        ignored.append("cat")
    source = params.get("source")
    if source in SOURCES:
        view = replace(view, source=source)
    elif source:
        ignored.append("source")
    grain = params.get("grain")
    if grain in periods.GRAINS:
        view = replace(view, grain=grain)
    return view, ignored


def view_params(view: KpiView) -> dict[str, str]:
    """The URL query parameters of a view (defaults left out)."""
    params = {"period": view.period}
    if view.period == "custom" and view.custom:
        params |= {"from": view.custom[0].isoformat(), "to": view.custom[1].isoformat()}
    optional = {"org": view.org_id, "source": view.source, "cat": view.category_id, "grain": view.grain}
    return params | {k: str(v) for k, v in optional.items() if v is not None}


def case_params(filters: CaseFilters) -> dict[str, str]:
    """The case list's URL for exactly the cases of a chart's bar, cell or point."""
    params: dict[str, str] = {"drill": "1"}
    if filters.org_id is not None:
        params["org"] = str(filters.org_id)
        if filters.org_exact:
            params["exact"] = "1"
    if filters.category_id is not None:
        params["cat"] = str(filters.category_id)
    if filters.source:
        params["source"] = filters.source
    if filters.date_from:
        params["from"] = filters.date_from.isoformat()
    if filters.date_to:
        params["to"] = filters.date_to.isoformat()
    if filters.statuses:
        params["status"] = ",".join(filters.statuses)
    return params


def case_filters(params: Mapping[str, str]) -> CaseFilters | None:
    """The filters a drill-down URL carries (None when the URL is not one); unknown values are dropped."""
    if params.get("drill") != "1":
        return None
    statuses = tuple(s for s in (params.get("status") or "").split(",") if s in STATUSES)
    source = params.get("source")
    org_id = _int(params.get("org"))
    return CaseFilters(
        org_id=org_id,
        org_exact=org_id is not None and params.get("exact") == "1",
        category_id=_int(params.get("cat")),
        source=source if source in SOURCES else None,
        date_from=_date(params.get("from")),
        date_to=_date(params.get("to")),
        statuses=statuses,
    )


def warning_filters(warning: Warning, base: CaseFilters) -> CaseFilters:
    """The case-list filters of one early-warning row: `base` (the page's filters) narrowed to its unit, category
    and period."""
    return replace(
        base,
        date_from=warning.start,
        date_to=warning.end,
        org_id=warning.org_id,
        org_exact=warning.exact,
        category_id=warning.category_id,
    )


def drill_filters(chart: str, point: Mapping[str, Any], base: CaseFilters, exact_units: Collection[int]) -> CaseFilters:
    """The case-list filters of one clicked point: `base` (the page's filters) narrowed by what was clicked.

    `chart` names the selection: unit (a bar of units: `unit_id`), category (`category_id`), cell (a heat-map
    cell: both), span (a trend point: `span`, "first – last" or one day), status (a funnel bar: `code`).
    A unit that is the scope node itself (`exact_units`) means its own cases, not those below it.
    """
    if chart in ("unit", "cell"):
        unit_id = int(point["unit_id"])
        base = replace(base, org_id=unit_id, org_exact=unit_id in exact_units)
    if chart in ("category", "cell"):
        base = replace(base, category_id=int(point["category_id"]))
    if chart == "span":
        first, _, last = str(point["span"]).partition(" – ")
        base = replace(base, date_from=date.fromisoformat(first), date_to=date.fromisoformat(last or first))
    if chart == "status":
        base = replace(base, statuses=(str(point["code"]),))
    return base
