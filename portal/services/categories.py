"""Case categories and their SLA days, edited by admins."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, func, select

from db.models import Category, Role
from portal.services.actor import Actor
from portal.services.errors import InvalidInput, NotFound, PermissionDenied
from portal.services.validation import validate

MAX_SLA_DAYS = 365


class CategoryInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    code: str = Field(min_length=2, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1, max_length=32)
    name_en: str = Field(min_length=1, max_length=64)
    sla_days: int = Field(ge=1, le=MAX_SLA_DAYS)


def list_categories(*, session: Session, actor: Actor) -> list[Category]:
    """Every category, retired ones too, in display order (admins)."""
    _admin(actor)
    return list(session.exec(select(Category).order_by(col(Category.sort_order), col(Category.id))).all())


def add_category(*, session: Session, actor: Actor, code: str, name: str, name_en: str, sla_days: int) -> Category:
    """A new category at the end of the list; code and name must be new."""
    _admin(actor)
    data = validate(CategoryInput, {"code": code, "name": name, "name_en": name_en, "sla_days": sla_days})
    errors: dict[str, tuple[str, dict[str, object]]] = {}
    if session.exec(select(Category.id).where(Category.code == data.code)).first() is not None:
        errors["code"] = ("error.code_taken", {"code": data.code})
    if session.exec(select(Category.id).where(Category.name == data.name)).first() is not None:
        errors["name"] = ("error.name_taken", {"name": data.name})
    if errors:
        raise InvalidInput(errors)
    last = session.exec(select(func.max(Category.sort_order))).one()
    category = Category(**data.model_dump(), sort_order=(last or 0) + 1, active=True)
    session.add(category)
    session.flush()
    return category


def update_category(*, session: Session, actor: Actor, category_id: int, sla_days: int, active: bool) -> Category:
    """Change a category's SLA days (cases dispatched from now on) or retire it (no new cases; old ones keep it)."""
    _admin(actor)
    if not 1 <= sla_days <= MAX_SLA_DAYS:
        raise InvalidInput(
            {
                "sla_days": (
                    "error.too_large" if sla_days > 1 else "error.too_small",
                    {"limit": MAX_SLA_DAYS if sla_days > 1 else 1},
                )
            }
        )
    category = session.get(Category, category_id)
    if category is None:
        raise NotFound("error.not_found")
    category.sla_days, category.active = sla_days, active
    session.add(category)
    session.flush()
    return category


def _admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("error.forbidden")
