"""The headline figures of one period, and the shares leaders read (受理, 办结, 解决, 按时办结率, 满意率 ...)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

HEADLINE = (
    # (key, kind): counts compare by difference, rates by percentage points
    ("received", "count"),
    ("concluded", "count"),
    ("solved", "count"),
    ("on_time_rate", "rate"),
    ("resolution_rate", "rate"),
    ("satisfaction_rate", "rate"),
    ("overdue_now", "count"),
    ("grid_share", "rate"),
    ("mediations", "count"),
    ("mediation_success_rate", "rate"),
)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Figures:
    """Sums over the cases reported in one period (each case counted once, as it stands now)."""

    received: int = 0  # 受理: every case reported
    concluded: int = 0  # 办结: handling over (resolved or closed, whatever the reason)
    solved: int = 0  # 解决: a resolution was recorded
    closed: int = 0
    closed_at_grid: int = 0
    timed: int = 0
    on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    handling_seconds: int = 0
    mediations: int = 0
    mediations_concluded: int = 0
    mediation_agreements: int = 0
    overdue_now: int | None = None  # a figure of "now", not of a period: only the current period has it

    @classmethod
    def of(cls, sums: dict[str, int], mediation: tuple[int, int, int], overdue_now: int | None = None) -> Figures:
        return cls(
            received=sums.get("total", 0),
            concluded=sums.get("status_resolved", 0) + sums.get("status_closed", 0),
            solved=sums.get("solved", 0),
            closed=sums.get("status_closed", 0),
            closed_at_grid=sums.get("closed_at_grid", 0),
            timed=sums.get("timed", 0),
            on_time=sums.get("on_time", 0),
            rated=sums.get("rated", 0),
            satisfied=sums.get("satisfied", 0),
            handling_seconds=sums.get("handling_seconds", 0),
            mediations=mediation[0],
            mediations_concluded=mediation[1],
            mediation_agreements=mediation[2],
            overdue_now=overdue_now,
        )

    @property
    def resolution_rate(self) -> float | None:
        """解决率: cases with a resolution, of all cases reported."""
        return share(self.solved, self.received)

    @property
    def concluded_rate(self) -> float | None:
        """办结率: cases whose handling is over, of all cases reported."""
        return share(self.concluded, self.received)

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率: resolutions made by the due time, of resolutions that had one."""
        return share(self.on_time, self.timed)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: satisfied or basically satisfied, of follow-up visits that asked."""
        return share(self.satisfied, self.rated)

    @property
    def grid_share(self) -> float | None:
        """Closed while handled at the grid level, of all closed cases ("small matters stay in the grid")."""
        return share(self.closed_at_grid, self.closed)

    @property
    def mediation_success_rate(self) -> float | None:
        """Agreements reached, of mediations concluded."""
        return share(self.mediation_agreements, self.mediations_concluded)

    @property
    def handling_days(self) -> float | None:
        """Average days from report to resolution, over solved cases."""
        return self.handling_seconds / self.solved / 86400 if self.solved else None

    def value(self, key: str) -> Any:
        return getattr(self, key)

    def to_json(self) -> dict[str, Any]:
        counts = {f.name: getattr(self, f.name) for f in fields(self)}
        rates = {key: _rounded(getattr(self, key)) for key, kind in HEADLINE if kind == "rate"}
        return counts | rates | {"concluded_rate": _rounded(self.concluded_rate)}


def change(key: str, current: Figures, before: Figures | None) -> float | None:
    """The change of a headline figure against the previous period: a difference of counts or of rates."""
    if before is None or key == "overdue_now":
        return None
    now, then = current.value(key), before.value(key)
    if now is None or then is None:
        return None
    return float(now - then)


def _rounded(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None
