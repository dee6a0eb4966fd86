"""Synthetic cases: a year of a busy sub-district, spread over every unit, grid, category, source and status."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from db.models import CaseStatus
from portal.services import demo_data as data
from portal.services.cases import SOURCE_PREFIX

SPAN = timedelta(days=365)
SOURCE_WEIGHTS = {"xiaolan": 55, "patrol": 20, "longqing": 10, "hotline": 10, "walk_in": 5}
OPEN = (CaseStatus.RECEIVED, CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS)
STREETS = ("皋兰路", "郑家台", "詹家拐子", "王家庄", "榆中街", "耿家庄", "周家庄", "南滨河路", "东岗西路")


@dataclass(frozen=True)
class Place:
    org_id: int
    level: str
    assignee_id: int | None


@dataclass(frozen=True)
class World:
    """What the seeded demo holds that cases point at (ids from the database)."""

    places_by_unit: dict[str, list[Place]]  # unit name -> where in it a case may sit (unit itself, its grids)
    unit_weights: dict[str, int]
    categories: dict[str, tuple[int, int]]  # name -> (id, sla_days)
    category_weights: dict[str, int]
    staff_id: int


def _pick_place(rng: random.Random, places: list[Place]) -> Place:
    # As the demo does: most cases stay in a grid, some sit at the community (or at the sub-district itself).
    if len(places) == 1 or rng.random() >= 0.85:
        return places[0]
    return rng.choice(places[1:])


def _status(rng: random.Random, age: timedelta, sla: timedelta) -> CaseStatus:
    r = rng.random()
    if age < sla:  # still within its time limit: the live workload
        if r < 0.2:
            return CaseStatus.RECEIVED
        if r < 0.4:
            return CaseStatus.ACCEPTED
        if r < 0.7:
            return CaseStatus.IN_PROGRESS
        return CaseStatus.RESOLVED
    if r < 0.02:
        return CaseStatus.REJECTED
    if r < 0.035:  # forgotten: open past its due time (what "overdue now" counts)
        return OPEN[int(r * 1000) % 3]
    return CaseStatus.RESOLVED if age < timedelta(days=14) else CaseStatus.CLOSED


def case_rows(world: World, n: int, now: datetime, tz: ZoneInfo, *, seed: int = 20260101) -> Iterator[dict[str, Any]]:
    """N case rows in the order they were reported (ids grow with time, as in real use)."""
    rng = random.Random(seed)
    start = now - SPAN
    offsets = sorted(rng.random() for _ in range(n))
    units, unit_w = list(world.unit_weights), list(accumulate(world.unit_weights.values()))
    kinds, kind_w = list(world.category_weights), list(accumulate(world.category_weights.values()))
    sources, source_w = list(SOURCE_WEIGHTS), list(accumulate(SOURCE_WEIGHTS.values()))
    for seq, offset in enumerate(offsets, start=1):
        reported_at = start + SPAN * offset
        day: date = reported_at.astimezone(tz).date()
        source = rng.choices(sources, cum_weights=source_w)[0]
        kind = "矛盾纠纷" if source == "patrol" and rng.random() < 0.6 else rng.choices(kinds, cum_weights=kind_w)[0]
        category_id, sla_days = world.categories[kind]
        sla = timedelta(days=sla_days)
        place = _pick_place(rng, world.places_by_unit[rng.choices(units, cum_weights=unit_w)[0]])
        age = now - reported_at
        status = _status(rng, age, sla)
        resolved_at = resolution = None
        if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            share = rng.uniform(0.1, 0.95) if rng.random() > 0.08 else rng.uniform(1.05, 1.6)
            resolved_at = min(reported_at + sla * share, now - timedelta(minutes=1))
            resolved_at = max(resolved_at, reported_at + timedelta(minutes=5))
            resolution = rng.choice(data.RESOLUTIONS[kind])
        assignee = None if status is CaseStatus.RECEIVED and rng.random() < 0.5 else place.assignee_id
        touched = resolved_at or min(reported_at + timedelta(hours=rng.randint(1, 48)), now)
        closed = status is CaseStatus.CLOSED and resolved_at is not None
        # Derived from the sequence number, not the generator, so the other columns stay what they were.
        mood = seq % 100
        satisfaction = "satisfied" if mood < 86 else "basically_satisfied" if mood < 97 else "dissatisfied"
        yield {
            "reference": f"{SOURCE_PREFIX[source]}-{day:%Y%m%d}-{seq:07d}",
            "source": source,
            "category_id": category_id,
            "org_id": place.org_id,
            "reporter_name": f"{rng.choice(data.SURNAMES)}{rng.choice(['先生', '女士'])}",
            "reporter_phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            "description": f"{rng.choice(data.DESCRIPTIONS[kind])}（{rng.choice(STREETS)}{rng.randint(1, 120)}号）",
            "reported_at": reported_at.astimezone(UTC),
            "reported_on": day,
            "status": status.value,
            "level": place.level,
            "assignee_id": assignee,
            "dispatched_at": reported_at.astimezone(UTC),
            "due_at": reported_at + sla,
            "resolved_at": resolved_at,
            "resolution": resolution,
            "closed_at": min(resolved_at + timedelta(days=1), now) if closed and resolved_at else None,
            "close_reason": "resolved" if closed else None,
            "duplicate_of_id": None,
            "satisfaction": satisfaction if closed else None,
            "created_by_id": world.staff_id if source in ("hotline", "walk_in") else None,
            "created_at": reported_at,
            "updated_at": touched,
            "version": 1 if status is CaseStatus.RECEIVED else 2,
        }
