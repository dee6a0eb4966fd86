"""The measurements: the service calls the KPI and case-list pages make, timed as the pages make them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from statistics import median
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from db.models import Case, OrgNode, User
from db.session import session_scope
from portal import clock
from portal.services.actor import Actor
from portal.services.cases import CaseFilters, case_conditions, list_cases
from portal.services.kpi import KpiFilters, kpi_summary
from portal.services.orgs import load_tree

COMMUNITY = "郑家台社区"  # leader.zjt's scope
GRID = "郑家台社区第一网格"  # the demo grid worker's ("grid") scope
SEARCH = "噪音"  # "noise": part of one dispute description; about one case in twenty matches
# Terms of three characters or more are answered from the text indexes (migration 0008); two are a scan.
SEARCH_PHRASE = "噪音问题"  # "noise problem": the same one case in twenty
SEARCH_PLACE = "榆中街117号"  # an address: about one case in a thousand
PAGE = 50


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    call: Callable[[Session], int]  # runs the service call; returns a figure to show it did real work


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    median_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float
    runs: int
    result: int  # cases counted / matched, so the timings can be read against the work done

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def scenarios(session: Session) -> list[Scenario]:
    """Actors and filters as the pages build them (their unit picker defaults to the actor's own node)."""
    tree = load_tree(session=session)
    root = tree.roots[0]
    community = session.exec(select(OrgNode).where(OrgNode.name == COMMUNITY)).one()
    leader = Actor.of(session.exec(select(User).where(User.username == "leader.zjt")).one())
    worker = Actor.of(session.exec(select(User).where(User.username == "grid")).one())
    grid = worker.org_id
    system = Actor.system(root)
    today = clock.today()
    year = (today - timedelta(days=365), today)  # periods.resolve("last_12_months")

    def kpi(actor: Actor, org_id: int) -> Callable[[Session], int]:
        filters = KpiFilters(date_from=year[0], date_to=year[1], org_id=org_id)
        return lambda s: kpi_summary(session=s, actor=actor, filters=filters).cases_total

    def cases(actor: Actor, filters: CaseFilters) -> Callable[[Session], int]:
        return lambda s: list_cases(session=s, actor=actor, filters=filters, page=1, page_size=PAGE).total

    def overdue(s: Session) -> int:
        # The "overdue now" query of kpi_summary, alone.
        conditions = case_conditions(load_tree(session=s), system, CaseFilters(org_id=root, overdue=True), clock.now())
        return int(s.exec(select(func.count()).select_from(Case).where(*conditions)).one())

    recent = CaseFilters(org_id=grid, statuses=("in_progress",), date_from=today - timedelta(days=30))
    search = CaseFilters(org_id=root, search=SEARCH)
    phrase = CaseFilters(org_id=root, search=SEARCH_PHRASE)
    place = CaseFilters(org_id=root, search=SEARCH_PLACE)
    return [
        Scenario("kpi_subdistrict", "KPI summary, sub-district, 12 months", kpi(system, root)),
        Scenario("kpi_community", "KPI summary, one community (its leader)", kpi(leader, community.id or 0)),
        Scenario("list_subdistrict", "case list p.1, sub-district, no filter", cases(system, CaseFilters(org_id=root))),
        Scenario("list_filtered", "case list p.1, grid + in_progress + 30 days", cases(system, recent)),
        Scenario("list_grid_worker", "case list p.1, grid worker's scope", cases(worker, CaseFilters(org_id=grid))),
        Scenario("list_search", "case list p.1, free-text search", cases(system, search)),
        Scenario("list_search_phrase", "case list p.1, search of 4 characters", cases(system, phrase)),
        Scenario("list_search_place", "case list p.1, search for an address", cases(system, place)),
        Scenario(
            "list_search_worker", "case list p.1, search, grid worker", cases(worker, replace(phrase, org_id=grid))
        ),
        Scenario("overdue_now", "overdue-now count alone", overdue),
    ]


def percentile(samples: list[float], share: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(samples)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _once(call: Callable[[Session], int]) -> tuple[float, int]:
    """One page render's worth: a fresh unit of work (session_scope), the service call, commit, close."""
    started = time.perf_counter()
    with session_scope() as session:
        result = call(session)
    return (time.perf_counter() - started) * 1000, result


def run(scenario: Scenario, repeat: int) -> Figure:
    _once(scenario.call)  # warm-up: caches, the pool's first connection, compiled statements
    samples, result = [], 0
    for _ in range(repeat):
        elapsed, result = _once(scenario.call)
        samples.append(elapsed)
    return Figure(
        key=scenario.key,
        title=scenario.title,
        median_ms=round(median(samples), 2),
        p95_ms=round(percentile(samples, 0.95), 2),
        min_ms=round(min(samples), 2),
        max_ms=round(max(samples), 2),
        runs=repeat,
        result=result,
    )
