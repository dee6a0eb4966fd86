"""Accounts and routing rules kept through the engine's services: creating with an initial password, row actions
(checked by role and by the record's state, audited without secrets), and rules the dispatcher then follows."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import bcrypt
import pytest
from sqlmodel import select

import portal.kinds  # noqa: F401  (registers the kinds)
from db.models import AuditEntry, Case, LoginSession, RoutingRule, User
from db.session import session_scope
from portal.lowcode import records
from portal.services import routing, users
from portal.services.errors import Conflict, InvalidInput, PermissionDenied
from portal.services.orgs import load_tree
from tests.helpers import actor_for, edit_record
from tests.services.conftest import FrozenClock, World

NEW_ACCOUNT = {"display_name": "刘芳", "role": "staff", "email": "liu.fang@example.org"}


def account(username: str) -> User:
    with session_scope() as session:
        return session.exec(select(User).where(User.username == username)).one()


def entries(kind: str) -> list[AuditEntry]:
    with session_scope() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.kind == kind).order_by(AuditEntry.id)))


def act(username: str, target: str, action: str) -> str:
    with session_scope(write=True) as session:
        return records.run_action(
            session=session,
            actor=actor_for(session, username),
            kind="admin_users",
            record_id=account(target).id or 0,
            action=action,
        )


def test_an_account_made_through_the_engine_follows_the_cli_rules(world: World) -> None:
    password = "gaolan-2026-ok"
    data = {**NEW_ACCOUNT, "username": " Liu.Fang ", "org_id": world.nodes["郑家台社区"], "password": password}
    with session_scope(write=True) as session:
        records.create_record(session=session, actor=actor_for(session, "admin"), kind="admin_users", data=data)
    created = account("liu.fang")
    assert bcrypt.checkpw(password.encode(), created.password_hash.encode())
    assert (created.org_id, created.active, created.failed_logins) == (world.nodes["郑家台社区"], True, 0)
    (entry,) = entries("admin_users")
    assert password not in json.dumps(entry.changes) and "password_hash" not in entry.changes

    refused = {**data, "username": "GRID", "password": "trailing-space "}  # "grid" is taken, whatever its case
    with pytest.raises(InvalidInput) as caught, session_scope(write=True) as session:
        records.create_record(session=session, actor=actor_for(session, "admin"), kind="admin_users", data=refused)
    assert caught.value.errors == {
        "username": ("error.value_taken", {}),
        "password": ("error.password_whitespace", {}),
    }


def test_only_admins_run_account_actions_and_only_when_they_apply(world: World, frozen_clock: FrozenClock) -> None:
    with pytest.raises(PermissionDenied):
        act("staff", "grid", "deactivate")
    with pytest.raises(PermissionDenied):
        act("admin", "grid", "no_such_action")
    with pytest.raises(Conflict):
        act("admin", "grid", "unlock")  # not locked
    with pytest.raises(Conflict):
        act("admin", "grid", "activate")  # already active
    with session_scope(write=True) as session:
        for _ in range(5):
            users.record_failed_login(session=session, username="grid")
    with pytest.raises(PermissionDenied):
        act("leader", "grid", "unlock")
    assert users.lock_state(account("grid")).locked
    assert entries("admin_users") == []

    act("admin", "grid", "unlock")
    assert not users.lock_state(account("grid")).locked
    (entry,) = entries("admin_users")
    assert entry.action == "unlock" and entry.changes["locked_until"][1] is None


def test_an_admin_cannot_take_their_own_admin_role_or_deactivate_themselves(world: World) -> None:
    me = world.users["admin"]
    with session_scope(write=True) as session:
        other = users.create_user(
            session=session,
            username="admin2",
            display_name="备用管理员",
            role="admin",
            org="皋兰路街道",
            password="gaolan-2026-ok",
        )
    with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
        edit_record(session, actor_for(session, "admin"), "admin_users", me, role="staff", display_name="管理员")
    assert refused.value.errors == {"role": ("error.cannot_demote_self", {})}
    with pytest.raises(InvalidInput) as refused:
        act("admin", "admin", "deactivate")
    assert refused.value.errors == {"active": ("error.cannot_deactivate_self", {})}
    with session_scope(write=True) as session:  # the edit form does not set `active` at all
        edit_record(session, actor_for(session, "admin"), "admin_users", me, active=False, display_name="管理员")
    assert (account("admin").role, account("admin").active, account("admin").display_name) == ("admin", True, "管理员")

    with session_scope(write=True) as session:  # another admin's role is theirs to change
        edit_record(session, actor_for(session, "admin"), "admin_users", other.id or 0, role="staff")
    assert account("admin2").role == "staff"
    assert [e.action for e in entries("admin_users")] == ["update", "update"]


def test_a_reset_password_replaces_the_old_one_and_ends_every_login(world: World, frozen_clock: FrozenClock) -> None:
    with session_scope(write=True) as session:
        for key in ("laptop", "phone"):
            expires = frozen_clock.current + timedelta(days=7)
            users.start_login_session(session=session, username="grid", token_key=key, expires_at=expires)
    message = act("admin", "grid", "reset_password")
    grid = account("grid")
    (password,) = re.findall(r"`([^`]+)`", message)  # the message shows it once, as code
    assert bcrypt.checkpw(password.encode(), grid.password_hash.encode())
    assert users.validate_password(password) is None
    with session_scope() as session:
        logins = session.exec(select(LoginSession).where(LoginSession.user_id == grid.id)).all()
    assert len(logins) == 2 and all(login.revoked_at == frozen_clock.current for login in logins)
    (entry,) = entries("admin_users")
    assert (entry.action, entry.changes) == ("reset_password", {})
    assert password not in json.dumps(entry.changes)


def test_a_routing_rule_kept_on_the_engine_is_the_one_dispatch_follows(world: World) -> None:
    rule = {
        "priority": 10,
        "category_id": world.categories["环境卫生"],
        "org_id": world.nodes["郑家台社区"],
        "assignee_id": world.users["grid"],  # a grid worker cannot cover a whole community
        "active": True,
    }
    with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
        records.create_record(session=session, actor=actor_for(session, "admin"), kind="routing_rule", data=rule)
    assert refused.value.errors == {"assignee_id": ("error.assignee_scope", {})}
    with pytest.raises(PermissionDenied), session_scope(write=True) as session:
        records.create_record(session=session, actor=actor_for(session, "staff"), kind="routing_rule", data=rule)

    with session_scope(write=True) as session:
        records.create_record(
            session=session,
            actor=actor_for(session, "admin"),
            kind="routing_rule",
            data={**rule, "assignee_id": world.users["staff.zjt"]},
        )
    case = Case(org_id=world.nodes["郑家台社区第一网格"], category_id=world.categories["环境卫生"])
    with session_scope() as session:
        chosen = routing.default_assignee(session=session, tree=load_tree(session=session), case=case)
        assert chosen is not None and chosen.username == "staff.zjt"
        (stored,) = session.exec(select(RoutingRule)).all()
    with session_scope(write=True) as session:  # retired: dispatch no longer finds it
        records.delete_record(
            session=session, actor=actor_for(session, "admin"), kind="routing_rule", record_id=stored.id or 0
        )
    with session_scope() as session:
        assert routing.default_assignee(session=session, tree=load_tree(session=session), case=case) is None
    assert [e.action for e in entries("routing_rule")] == ["create", "delete"]
