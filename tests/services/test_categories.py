"""Categories and SLA days, kept on the engine (kind "category"): a change applies to the next dispatch.

Adding a category, a bad code, a name in use and an SLA below one day are on the generated pages
(tests/pages/test_admin_kinds.py, tests/pages/test_routing_rules_page.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.session import session_scope
from portal.lowcode import records
from portal.lowcode.records import Query
from portal.services import cases
from portal.services.errors import InvalidInput, PermissionDenied
from tests.helpers import actor_for, category, create_case, edit_record
from tests.services.conftest import World, advance


def test_a_new_sla_applies_to_cases_dispatched_afterwards(world: World) -> None:
    with session_scope(write=True) as session:
        before = create_case(session, actor_for(session, "staff"))
        advance(session, "staff", before, "accepted", "dispatched")
        edit_record(session, actor_for(session, "admin"), "category", world.categories["环境卫生"], sla_days=5)
        after = create_case(session, actor_for(session, "staff"))
        early = advance(session, "staff", before, "in_progress")
        late = advance(session, "staff", after, "accepted", "dispatched")
    assert early.due_at is not None and early.dispatched_at is not None
    assert early.due_at - early.dispatched_at == timedelta(days=3)  # kept the SLA it was dispatched under
    assert late.due_at is not None and late.dispatched_at is not None
    assert late.due_at - late.dispatched_at == timedelta(days=5)


def test_an_sla_longer_than_a_year_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
        edit_record(session, actor_for(session, "admin"), "category", world.categories["环境卫生"], sla_days=366)
    assert refused.value.errors == {"sla_days": ("error.too_large", {"limit": 365})}
    with session_scope() as session:
        assert category(session, "环境卫生").sla_days == 3


@pytest.mark.parametrize("username", ["staff", "leader", "grid"])
def test_only_admins_keep_the_categories(world: World, username: str) -> None:
    sanitation = world.categories["环境卫生"]
    new = {"code": "heating", "name": "供暖问题", "name_en": "Heating", "sla_days": 2, "sort_order": 9, "active": True}
    with session_scope(write=True) as session:
        actor = actor_for(session, username)
        with pytest.raises(PermissionDenied):
            records.list_records(session=session, actor=actor, kind="category", query=Query())
        with pytest.raises(PermissionDenied):
            records.create_record(session=session, actor=actor, kind="category", data=new)
        with pytest.raises(PermissionDenied):
            edit_record(session, actor, "category", sanitation, sla_days=9)
        with pytest.raises(PermissionDenied):
            records.delete_record(session=session, actor=actor, kind="category", record_id=sanitation)
    with session_scope() as session:
        assert (category(session, "环境卫生").sla_days, category(session, "环境卫生").active) == (3, True)


def test_a_category_added_without_a_position_goes_last_in_the_pickers(world: World) -> None:
    data = {"code": "noise", "name": "噪音扰民", "name_en": "Noise", "sla_days": 5, "active": True}
    with session_scope(write=True) as session:
        records.create_record(session=session, actor=actor_for(session, "admin"), kind="category", data=data)
    with session_scope() as session:
        listed = [c.name for c in cases.categories(session=session)]
    assert listed[-1] == "噪音扰民"
    with session_scope(write=True) as session:  # a position given is kept
        first = data | {"code": "parking", "name": "停车管理", "name_en": "Parking", "sort_order": 0}
        records.create_record(session=session, actor=actor_for(session, "admin"), kind="category", data=first)
    with session_scope() as session:
        assert category(session, "停车管理").sort_order == 0
        assert category(session, "噪音扰民").sort_order > max(
            c.sort_order for c in cases.categories(session=session) if c.name != "噪音扰民"
        )
