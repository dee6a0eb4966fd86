"""Who is acting: a user bound to an org node, or the system (CLI, jobs)."""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Role, User


@dataclass(frozen=True)
class Actor:
    """The identity every service call takes; jobs and the CLI act as `Actor.system(root_id)`."""

    user_id: int | None
    username: str
    display_name: str
    role: Role
    org_id: int

    @classmethod
    def of(cls, user: User) -> Actor:
        assert user.id is not None
        return cls(user.id, user.username, user.display_name, Role(user.role), user.org_id)

    @classmethod
    def system(cls, root_org_id: int) -> Actor:
        return cls(None, "system", "system", Role.ADMIN, root_org_id)
