"""Early warning ("big-data analysis"): a unit whose count in a category rises well above its own baseline.

Rule: the count of the period is at least EARLY_WARNING_MIN_CASES and above the mean plus
EARLY_WARNING_SIGMAS standard deviations of the same unit and category over the
EARLY_WARNING_BASELINE_PERIODS periods of equal length just before it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

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
    counts: list[tuple[int, int, tuple[int, ...]]],
    category_names: dict[int, str],
    period: Window,
) -> list[Warning]:
    """Warnings from (org_id, category_id, cases in the period and in each baseline period) rows; every community
    and grid in scope is judged on its whole subtree, the scope node on its own cases. Largest excess first."""
    judged: dict[int, list[tuple[int, bool]]] = {}  # org node -> the nodes its cases count for
    series: dict[tuple[int, bool, int], list[int]] = {}
    for org_id, category_id, values in counts:
        if org_id not in judged:
            path = tree.ancestors(org_id)
            below = path[path.index(scope_node) + 1 :]
            judged[org_id] = [(node, False) for node in below] or [(scope_node, True)]
        for node, exact in judged[org_id]:
            summed = series.get((node, exact, category_id))
            if summed is None:
                series[(node, exact, category_id)] = list(values)
            else:
                for index, value in enumerate(values):
                    summed[index] += value
    found = []
    for (node, exact, category_id), per_window in series.items():
        count, *baseline = per_window
        if count < EARLY_WARNING_MIN_CASES:
            continue
        mean, spread = _mean_and_deviation(baseline)
        threshold = mean + EARLY_WARNING_SIGMAS * spread
        if count > threshold:
            name = category_names.get(category_id, str(category_id))
            found.append(Warning(node, tree.label(node), exact, category_id, name, count, mean, threshold, *period))
    return sorted(found, key=lambda w: (-(w.count - w.threshold), w.org_name, w.category_name))


def _mean_and_deviation(values: list[int]) -> tuple[float, float]:
    """Mean and population standard deviation, in floats (`statistics` works in exact fractions: 20x slower)."""
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
