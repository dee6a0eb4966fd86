"""Which role may open which page and do which action: the one table, enforced in services and the router."""

from __future__ import annotations

from db.models import Role

ALL_ROLES = frozenset(Role)
HANDLERS = frozenset({Role.STAFF, Role.GRID_WORKER, Role.ADMIN})

# Page key -> roles that may open it. The router builds navigation from this; each page re-checks it.
PAGE_ACCESS: dict[str, frozenset[Role]] = {
    "kpi": ALL_ROLES,
    "kpi_community": frozenset({Role.LEADER, Role.STAFF, Role.ADMIN}),  # a grid worker's scope holds no community
    "kpi_safety": frozenset({Role.LEADER, Role.STAFF, Role.ADMIN}),
    "cases": ALL_ROLES,
    "case_detail": ALL_ROLES,  # reached from the list; hidden from the menu
    "case_new": HANDLERS,
    "case_import": frozenset({Role.STAFF, Role.ADMIN}),
    "activities": frozenset({Role.LEADER, Role.STAFF, Role.ADMIN}),
    "reports": frozenset({Role.LEADER, Role.STAFF, Role.ADMIN}),
    "jobs": frozenset({Role.STAFF, Role.ADMIN}),
    "audit_log": frozenset({Role.ADMIN}),
}

ACTIONS: dict[str, frozenset[Role]] = {
    "case.create": HANDLERS,
    "case.transition": HANDLERS,
    "case.view_phone": HANDLERS,
    "case.import": frozenset({Role.STAFF, Role.ADMIN}),
    "activity.create": frozenset({Role.STAFF, Role.ADMIN}),
    "user.manage": frozenset({Role.ADMIN}),
    "jobs.view": frozenset({Role.STAFF, Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    "report.compile": frozenset({Role.LEADER, Role.STAFF, Role.ADMIN}),
    "mail.test": frozenset({Role.ADMIN}),
}


def pages_for(role: Role | str) -> list[str]:
    """Page keys the role may open, in navigation order."""
    return [key for key, roles in PAGE_ACCESS.items() if Role(role) in roles]


def can(role: Role | str, action: str) -> bool:
    """Whether `role` may perform `action` (a key of ACTIONS)."""
    return Role(role) in ACTIONS[action]
