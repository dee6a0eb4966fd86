"""Early warning ("big-data analysis"): a unit whose count in a category rises well above its own baseline.

Rule: the count of the period is at least EARLY_WARNING_MIN_CASES and above the mean plus
EARLY_WARNING_SIGMAS standard deviations of the same unit and category over the
EARLY_WARNING_BASELINE_PERIODS periods of equal length just before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean, pstdev

from portal.defaults import (
    EARLY_WARNING_BASELINE_PERIODS,
    EARLY_WARNING_MAX_DAYS,
    EARLY_WARNING_MIN_CASES,
    EARLY_WARNING_SIGMAS,
)
from portal.services.orgs import OrgTree

Window = tuple[date, date]


@dataclass(frozen=True)
class Warning:
    org_id: int
    org_name: str
    exact: bool  # the scope node's own cases (not those below it)
    category_id: int
    category_name: str
    count: int
    mean: float
    threshold: float
    start: date
    end: date


def windows(start: date, end: date) -> list[Window] | None:
    """The period, then the baseline periods of equal length before it; None when the period is too long."""
    length = (end - start).days + 1
    if length > EARLY_WARNING_MAX_DAYS:
        return None
    step = timedelta(days=length)
    return [(start - step * k, end - step * k) for k in range(EARLY_WARNING_BASELINE_PERIODS + 1)]


def flagged(
    tree: OrgTree,
    scope_node: int,
    counts: list[tuple[int, int, int, int]],
    category_names: dict[int, str],
    period: Window,
) -> list[Warning]:
    """Warnings from (window, org_id, category_id, cases) rows; every community and grid in scope is judged
    on its whole subtree, the scope node on its own cases. Largest excess first."""
    series: dict[tuple[int, bool, int], list[int]] = {}
    for window, org_id, category_id, total in counts:
        path = tree.ancestors(org_id)
        below = path[path.index(scope_node) + 1 :]
        targets = [(node, False) for node in below] or [(scope_node, True)]
        for node, exact in targets:
            values = series.setdefault((node, exact, category_id), [0] * (EARLY_WARNING_BASELINE_PERIODS + 1))
            values[window] += total
    found = []
    for (node, exact, category_id), values in series.items():
        count, baseline = values[0], values[1:]
        mean = fmean(baseline)
        threshold = mean + EARLY_WARNING_SIGMAS * pstdev(baseline)
        if count >= EARLY_WARNING_MIN_CASES and count > threshold:
            name = category_names.get(category_id, str(category_id))
            found.append(Warning(node, tree.label(node), exact, category_id, name, count, mean, threshold, *period))
    return sorted(found, key=lambda w: (-(w.count - w.threshold), w.org_name, w.category_name))
