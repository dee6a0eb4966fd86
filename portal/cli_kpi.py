"""`portal kpi`: the KPI pages' figures on the command line (the same services, so the same numbers)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from db.models import CaseSource, Category, User
from db.session import session_scope
from portal import clock, periods
from portal.kpi_links import KPI_PERIODS
from portal.services.actor import Actor
from portal.services.errors import NotFound
from portal.services.kpi import KpiFilters
from portal.services.kpi_overview import kpi_overview
from portal.services.kpi_safety import kpi_safety
from portal.services.orgs import OrgTree, load_tree

PAGES = ("overview", "safety")


def _day(text: str | None) -> date | None:
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError as exc:
        raise ValueError(f"dates must be YYYY-MM-DD: {exc}") from None
    if not periods.within_reach(day):
        raise ValueError(f"dates must lie between {periods.FIRST_DAY} and {periods.LAST_DAY}: {text}")
    return day


def kpi_figures(
    *,
    period: str | None,
    source: str | None,
    date_from: str | None,
    date_to: str | None,
    org: str | None,
    category: str | None,
    grain: str | None,
    as_user: str | None,
) -> dict[str, Any]:
    """The `--json` object; ValueError for a bad argument, ServiceError (NotFound) for an unknown name or scope."""
    if source is not None and source not in {s.value for s in CaseSource}:
        raise ValueError(f"unknown source {source!r}; use one of: {', '.join(s.value for s in CaseSource)}")
    named = [p for p in KPI_PERIODS if p != "custom"] + ["all"]
    if period is not None and period not in named:
        raise ValueError(f"unknown period {period!r}; use one of: {', '.join(named)} (or --from/--to)")
    if grain is not None and grain not in periods.GRAINS:
        raise ValueError(f"unknown grain {grain!r}; use one of: {', '.join(periods.GRAINS)}")
    start, end = _day(date_from), _day(date_to)
    if period is not None:
        start, end = periods.resolve(period, clock.today())
    with session_scope() as session:
        tree, actor = _tree_and_actor(session, as_user)
        category_id = None
        if category:
            found = session.exec(
                select(Category).where((col(Category.code) == category) | (col(Category.name) == category))
            ).first()
            if found is None:
                raise ValueError(f"unknown category {category!r}")
            category_id = found.id
        filters = KpiFilters(
            date_from=start,
            date_to=end,
            source=source,
            category_id=category_id,
            org_id=tree.by_code_or_name(org).id if org else None,
        )
        label = period or ("custom" if start or end else "all")
        return kpi_overview(session=session, actor=actor, filters=filters, period=label, grain=grain).to_json()


def _tree_and_actor(session: Session, as_user: str | None) -> tuple[OrgTree, Actor]:
    """The org tree, and whose page to show: USER's (their scope), or the whole tree's."""
    tree = load_tree(session=session)
    if not tree.roots:
        raise NotFound("error.org_not_found", node="(empty org tree: run `portal seed demo`)")
    if not as_user:
        return tree, Actor.system(tree.roots[0])
    user = session.exec(select(User).where(User.username == as_user)).first()
    if user is None:
        raise ValueError(f"no user {as_user!r}")
    return tree, Actor.of(user)


def safety_figures(
    *,
    period: str | None,
    date_from: str | None,
    date_to: str | None,
    org: str | None,
    grain: str | None,
    as_user: str | None,
) -> dict[str, Any]:
    """The safety page's `--json` object. Its periods are the page's (this month unless told; no "all")."""
    named = [p for p in KPI_PERIODS if p != "custom"]
    if period is not None and period not in named:
        raise ValueError(f"unknown period {period!r} for the safety page; use one of: {', '.join(named)}")
    if grain is not None and grain not in periods.GRAINS:
        raise ValueError(f"unknown grain {grain!r}; use one of: {', '.join(periods.GRAINS)}")
    start, end = _day(date_from), _day(date_to)
    if period is None and (start is None) != (end is None):
        raise ValueError("the safety page needs both --from and --to (or a --period)")
    label = period or ("custom" if start else "this_month")  # the page opens on this month
    if label != "custom":
        start, end = periods.resolve(label, clock.today())
    assert start is not None and end is not None  # every period above is bounded
    with session_scope() as session:
        tree, actor = _tree_and_actor(session, as_user)
        return kpi_safety(
            session=session,
            actor=actor,
            date_from=start,
            date_to=end,
            org_id=tree.by_code_or_name(org).id if org else None,
            period=label,
            grain=grain,
        ).to_json()
