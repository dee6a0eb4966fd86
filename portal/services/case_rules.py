"""The case workflow as data: which role may move a case from which status to which, and what it must give.

One table, read by the service that enforces it, the page that offers the buttons, and the matrix test.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.models import CaseLevel, CaseStatus, Role

S = CaseStatus
STAFF = frozenset({Role.STAFF, Role.ADMIN})
LEVELS = (CaseLevel.GRID, CaseLevel.COMMUNITY, CaseLevel.SUBDISTRICT)


@dataclass(frozen=True)
class Move:
    roles: frozenset[Role] = STAFF
    # Grid workers may make this move too, on grid-level cases (of their own grid: scope sees to that).
    # "Small matters do not leave the grid": a grid worker can take a small matter from report to close.
    grid_workers: bool = False
    needs: tuple[str, ...] = ()  # note | assignee | close_reason | satisfaction


MOVES: dict[tuple[CaseStatus, CaseStatus], Move] = {
    (S.RECEIVED, S.ACCEPTED): Move(grid_workers=True),
    (S.RECEIVED, S.REJECTED): Move(needs=("note",)),
    (S.ACCEPTED, S.DISPATCHED): Move(grid_workers=True, needs=("assignee",)),
    (S.ACCEPTED, S.CLOSED): Move(needs=("close_reason",)),
    (S.DISPATCHED, S.IN_PROGRESS): Move(grid_workers=True),
    (S.DISPATCHED, S.ACCEPTED): Move(grid_workers=True, needs=("note",)),  # handed back: not for this handler
    (S.DISPATCHED, S.CLOSED): Move(needs=("close_reason",)),
    (S.IN_PROGRESS, S.RESOLVED): Move(grid_workers=True, needs=("note",)),  # the note is the resolution
    (S.IN_PROGRESS, S.CLOSED): Move(needs=("close_reason",)),
    (S.RESOLVED, S.CLOSED): Move(grid_workers=True, needs=("satisfaction",)),  # after the follow-up visit
    (S.RESOLVED, S.IN_PROGRESS): Move(grid_workers=True, needs=("note",)),  # reopened: why
}


def may_move(role: Role | str, level: str, from_status: str, to_status: str) -> bool:
    """Whether `role` may move a case at handling `level` from one status to the other."""
    try:
        move = MOVES[(S(from_status), S(to_status))]
    except (KeyError, ValueError):
        return False
    if Role(role) in move.roles:
        return True
    return move.grid_workers and Role(role) is Role.GRID_WORKER and level == CaseLevel.GRID


def next_statuses(role: Role | str, level: str, status: str) -> tuple[str, ...]:
    """The statuses `role` may move a case to from `status`, in table order."""
    return tuple(to.value for (frm, to) in MOVES if frm == status and may_move(role, level, frm, to))


def needs(from_status: str, to_status: str) -> tuple[str, ...]:
    """What the user must give for this move."""
    return MOVES[(S(from_status), S(to_status))].needs


def may_escalate(role: Role | str, level: str, direction: int) -> bool:
    """Up (+1): staff always, a grid worker from the grid level. Down (-1): staff only ("back down to the grid")."""
    index = LEVELS.index(CaseLevel(level)) + direction
    if not 0 <= index < len(LEVELS):
        return False
    if Role(role) in STAFF:
        return True
    return Role(role) is Role.GRID_WORKER and direction == 1 and level == CaseLevel.GRID


def may_edit(role: Role | str, level: str, status: str) -> bool:
    """Correcting a case's fields: staff on any open case; a grid worker on a grid-level case not yet accepted."""
    if S(status) not in (S.RECEIVED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS):
        return False
    if Role(role) in STAFF:
        return True
    return Role(role) is Role.GRID_WORKER and level == CaseLevel.GRID and status == S.RECEIVED
