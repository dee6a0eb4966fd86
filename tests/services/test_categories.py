"""Categories and SLA days: admins change them; a change applies to the next dispatch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from db.models import Category
from db.session import session_scope
from portal.services import categories
from portal.services.errors import InvalidInput, PermissionDenied
from tests.helpers import actor_for, create_case
from tests.services.conftest import World, advance


def test_a_new_sla_applies_to_cases_dispatched_afterwards(world: World) -> None:
    with session_scope(write=True) as session:
        before = create_case(session, actor_for(session, "staff"))
        advance(session, "staff", before, "accepted", "dispatched")
        categories.update_category(
            session=session,
            actor=actor_for(session, "admin"),
            category_id=world.categories["环境卫生"],
            sla_days=5,
            active=True,
        )
        after = create_case(session, actor_for(session, "staff"))
        early = advance(session, "staff", before, "in_progress")
        late = advance(session, "staff", after, "accepted", "dispatched")
    assert early.due_at is not None and early.dispatched_at is not None
    assert early.due_at - early.dispatched_at == timedelta(days=3)  # kept the SLA it was dispatched under
    assert late.due_at is not None and late.dispatched_at is not None
    assert late.due_at - late.dispatched_at == timedelta(days=5)


def test_admins_add_categories_and_bad_values_are_refused(world: World) -> None:
    with session_scope(write=True) as session:
        admin = actor_for(session, "admin")
        added = categories.add_category(
            session=session, actor=admin, code="heating", name="供暖问题", name_en="Heating", sla_days=2
        )
        assert added.sort_order > 0 and added.active
        with pytest.raises(InvalidInput) as refused:
            categories.add_category(
                session=session, actor=admin, code="heating", name="供暖问题", name_en="x", sla_days=0
            )
        assert set(refused.value.errors) == {"sla_days"}  # the format check comes first, in one round
        with pytest.raises(InvalidInput) as refused:
            categories.add_category(
                session=session, actor=admin, code="heating", name="供暖问题", name_en="x", sla_days=3
            )
        assert set(refused.value.errors) == {"code", "name"}
        with pytest.raises(InvalidInput):
            categories.update_category(session=session, actor=admin, category_id=added.id or 0, sla_days=0, active=True)
    with session_scope() as session:
        assert session.exec(select(Category).where(Category.code == "heating")).one().sla_days == 2


@pytest.mark.parametrize("username", ["staff", "leader", "grid"])
def test_only_admins_edit_categories(world: World, username: str) -> None:
    with pytest.raises(PermissionDenied), session_scope(write=True) as session:
        categories.update_category(
            session=session,
            actor=actor_for(session, username),
            category_id=world.categories["环境卫生"],
            sla_days=9,
            active=True,
        )
