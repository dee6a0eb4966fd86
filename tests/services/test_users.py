"""Accounts: what create_user refuses, lockout after five wrong passwords, login sessions and admin actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import bcrypt
import pytest
from pytest import Subtests
from sqlmodel import select

from db.models import User
from db.session import session_scope
from portal.lowcode import records
from portal.lowcode.records import Query
from portal.services import users
from portal.services.errors import InvalidInput, NotFound, PermissionDenied
from portal.services.users import LockState
from tests.helpers import actor_for
from tests.services.conftest import FrozenClock, World, count_rows

GOOD: dict[str, Any] = {
    "username": "liu.fang",
    "display_name": "刘芳",
    "role": "staff",
    "org": "郑家台社区",
    "password": "gaolan-2026-ok",
    "email": "liu.fang@example.org",
}


def get_user(username: str) -> User:
    with session_scope() as session:
        return session.exec(select(User).where(User.username == username)).one()


# --- Creating accounts ------------------------------------------------------------------------------------


def test_a_new_account_is_bound_to_its_node_and_its_password_works(world: World) -> None:
    with session_scope(write=True) as session:
        users.create_user(session=session, **{**GOOD, "username": "  Liu.Fang ", "org": "zhengjiatai"})
    user = get_user("liu.fang")  # usernames are kept trimmed and lower-case
    assert (user.display_name, user.role, user.org_id, user.active) == (
        "刘芳",
        "staff",
        world.nodes["郑家台社区"],
        True,
    )
    assert bcrypt.checkpw(GOOD["password"].encode(), user.password_hash.encode())
    assert not bcrypt.checkpw(b"wrong-password", user.password_hash.encode())
    assert user.password_hash != GOOD["password"]


BAD_ACCOUNTS: list[tuple[dict[str, Any], str, str]] = [
    ({"username": "1abc"}, "username", "error.username_format"),
    ({"username": "ab"}, "username", "error.username_format"),
    ({"username": "liu fang"}, "username", "error.username_format"),
    ({"username": "刘芳"}, "username", "error.username_format"),
    ({"username": "grid"}, "username", "error.username_taken"),
    ({"username": " GRID "}, "username", "error.username_taken"),
    ({"display_name": "  "}, "display_name", "error.required"),
    ({"role": "superuser"}, "role", "error.role_unknown"),
    ({"org": "火星社区"}, "org", "error.org_not_found"),
    ({"password": "short7!"}, "password", "error.password_short"),
    ({"password": " leading-space"}, "password", "error.password_whitespace"),
    ({"password": "trailing-space "}, "password", "error.password_whitespace"),
    ({"password": "网格" * 13}, "password", "error.password_long"),  # 78 bytes: bcrypt reads only 72
    ({"password": None}, "password", "error.password_short"),
    ({"email": "liu.fang-at-example"}, "email", "error.email_format"),
    ({"email": "liu fang@example.org"}, "email", "error.email_format"),
]


def test_bad_account_details_are_refused_naming_the_field_and_nothing_is_saved(
    world: World, subtests: Subtests
) -> None:
    with session_scope() as session:
        before = count_rows(session, User)
    for overrides, field, key in BAD_ACCOUNTS:
        with subtests.test(**{k: repr(v) for k, v in overrides.items()}):
            with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
                users.create_user(session=session, **{**GOOD, **overrides})
            assert set(refused.value.errors) == {field}
            assert refused.value.errors[field][0] == key
            with session_scope() as session:
                assert count_rows(session, User) == before


def test_every_bad_field_is_named_at_once(world: World) -> None:
    with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
        users.create_user(
            session=session,
            username="x",
            display_name="",
            role="boss",
            org="nowhere",
            password="short",
            email="nope",
        )
    assert set(refused.value.errors) == {"username", "display_name", "role", "org", "password", "email"}


# --- Lockout ----------------------------------------------------------------------------------------------


def fail(username: str = "grid") -> LockState | None:
    with session_scope(write=True) as session:
        return users.record_failed_login(session=session, username=username)


def state_of(username: str = "grid") -> LockState:
    return users.lock_state(get_user(username))


def test_the_fifth_wrong_password_locks_the_account_for_fifteen_minutes(
    world: World, frozen_clock: FrozenClock
) -> None:
    for attempt in range(1, 5):
        state = fail()
        assert state == LockState(False, None, attempt)
    assert state_of() == LockState(False, None, 4)

    locked_at = frozen_clock.current
    assert fail() == LockState(True, locked_at + timedelta(minutes=15), 5)
    assert state_of().locked
    assert state_of("staff") == LockState(False, None, 0)  # other accounts are untouched

    frozen_clock.advance(minutes=14, seconds=59)
    assert state_of().locked
    frozen_clock.set(locked_at + timedelta(minutes=15))
    assert state_of() == LockState(False, None, 0)


def test_wrong_passwords_while_locked_do_not_extend_the_lock(world: World, frozen_clock: FrozenClock) -> None:
    for _ in range(5):
        fail()
    until = state_of().until
    frozen_clock.advance(minutes=10)
    for _ in range(3):
        assert fail() == LockState(True, until, 5)
    assert get_user("grid").locked_until == until
    frozen_clock.set(until)  # type: ignore[arg-type]
    assert not state_of().locked


def test_after_the_lock_expires_counting_starts_afresh(world: World, frozen_clock: FrozenClock) -> None:
    for _ in range(5):
        fail()
    frozen_clock.advance(minutes=16)
    for attempt in range(1, 5):
        assert fail() == LockState(False, None, attempt)
    relocked = fail()
    assert relocked == LockState(True, frozen_clock.current + timedelta(minutes=15), 5)


def test_a_successful_login_resets_the_failure_count(world: World, frozen_clock: FrozenClock) -> None:
    for _ in range(4):
        fail()
    with session_scope(write=True) as session:
        users.start_login_session(
            session=session, username="grid", token_key="k1", expires_at=frozen_clock.current + timedelta(days=7)
        )
    user = get_user("grid")
    assert (user.failed_logins, user.locked_until, user.last_login_at) == (0, None, frozen_clock.current)
    for _ in range(4):
        assert not fail().locked  # type: ignore[union-attr]
    assert fail().locked  # type: ignore[union-attr]


def test_a_wrong_password_for_an_unknown_account_records_nothing(world: World) -> None:
    assert fail("nobody") is None
    with session_scope() as session:
        assert all(u.failed_logins == 0 for u in session.exec(select(User)).all())


def test_an_admin_can_lift_a_lock_early(world: World, frozen_clock: FrozenClock) -> None:
    for _ in range(5):
        fail()
    with session_scope(write=True) as session:
        users.unlock_user(session=session, actor=actor_for(session, "admin"), user_id=world.users["grid"])
    assert state_of() == LockState(False, None, 0)
    assert fail() == LockState(False, None, 1)


# --- Login sessions ---------------------------------------------------------------------------------------


def log_in(username: str, token_key: str, frozen_clock: FrozenClock, days: float = 7) -> int:
    with session_scope(write=True) as session:
        login = users.start_login_session(
            session=session,
            username=username,
            token_key=token_key,
            expires_at=frozen_clock.current + timedelta(days=days),
        )
        assert login.id is not None
        return login.id


def who(login_id: int) -> str | None:
    with session_scope() as session:
        user = users.session_user(session=session, login_session_id=login_id)
        return user.username if user else None


def cookie_valid(username: str, token_key: str) -> bool:
    with session_scope() as session:
        return users.find_login_session(session=session, username=username, token_key=token_key) is not None


def test_logging_out_ends_that_login_and_only_that_one(world: World, frozen_clock: FrozenClock) -> None:
    laptop = log_in("grid", "laptop", frozen_clock)
    phone = log_in("grid", "phone", frozen_clock)
    assert (who(laptop), cookie_valid("grid", "laptop")) == ("grid", True)

    with session_scope(write=True) as session:
        users.revoke_login_session(session=session, login_session_id=laptop)
    assert who(laptop) is None
    assert not cookie_valid("grid", "laptop")
    assert (who(phone), cookie_valid("grid", "phone")) == ("grid", True)


def test_a_cookie_only_logs_in_the_user_it_was_issued_for(world: World, frozen_clock: FrozenClock) -> None:
    log_in("grid", "laptop", frozen_clock)
    assert cookie_valid("grid", "laptop")
    assert not cookie_valid("staff", "laptop")
    assert not cookie_valid("grid", "never-issued")


def test_a_login_ends_when_it_expires(world: World, frozen_clock: FrozenClock) -> None:
    login = log_in("grid", "laptop", frozen_clock, days=1)
    frozen_clock.advance(hours=23, minutes=59)
    assert who(login) == "grid"
    frozen_clock.advance(minutes=1)
    assert who(login) is None
    assert not cookie_valid("grid", "laptop")


def test_deactivating_an_account_ends_all_its_logins(world: World, frozen_clock: FrozenClock) -> None:
    logins = [log_in("grid", key, frozen_clock) for key in ("laptop", "phone")]
    colleague = log_in("staff", "laptop", frozen_clock)
    with session_scope(write=True) as session:
        users.set_active(session=session, actor=actor_for(session, "admin"), user_id=world.users["grid"], active=False)
    assert [who(login) for login in logins] == [None, None]
    assert not cookie_valid("grid", "laptop") and not cookie_valid("grid", "phone")
    assert who(colleague) == "staff"
    with session_scope() as session:
        assert [u.username for u in users.login_accounts(session=session)].count("grid") == 0

    # Reactivating does not bring the old logins back: the worker logs in again.
    with session_scope(write=True) as session:
        users.set_active(session=session, actor=actor_for(session, "admin"), user_id=world.users["grid"], active=True)
    assert [who(login) for login in logins] == [None, None]
    assert who(log_in("grid", "tablet", frozen_clock)) == "grid"


def test_an_admin_cannot_deactivate_their_own_account(world: World) -> None:
    with pytest.raises(InvalidInput) as refused, session_scope(write=True) as session:
        users.set_active(session=session, actor=actor_for(session, "admin"), user_id=world.users["admin"], active=False)
    assert set(refused.value.errors) == {"active"}
    assert get_user("admin").active


def test_unknown_accounts_are_not_found(world: World) -> None:
    with pytest.raises(NotFound), session_scope(write=True) as session:
        users.unlock_user(session=session, actor=actor_for(session, "admin"), user_id=987654)


# --- Only admins manage accounts --------------------------------------------------------------------------


def test_an_admin_lists_every_account(world: World) -> None:
    with session_scope() as session:
        rows, total = records.list_records(
            session=session, actor=actor_for(session, "admin"), kind="admin_users", query=Query()
        )
    listed = [u.username for u in rows]
    assert total == len(listed)
    assert listed == sorted(listed)
    assert set(listed) == set(world.users)


def test_only_admins_manage_accounts(world: World, frozen_clock: FrozenClock, subtests: Subtests) -> None:
    for _ in range(5):
        fail("gw.zhengjiatai-2")
    target = world.users["gw.zhengjiatai-2"]
    for username in ("leader", "staff", "grid", "leader.zjt", "staff.zjt"):
        with subtests.test(username=username):
            with pytest.raises(PermissionDenied), session_scope() as session:
                records.list_records(
                    session=session, actor=actor_for(session, username), kind="admin_users", query=Query()
                )
            with pytest.raises(PermissionDenied), session_scope(write=True) as session:
                users.unlock_user(session=session, actor=actor_for(session, username), user_id=target)
            with pytest.raises(PermissionDenied), session_scope(write=True) as session:
                users.set_active(session=session, actor=actor_for(session, username), user_id=target, active=False)
            after = get_user("gw.zhengjiatai-2")
            assert (after.active, users.lock_state(after).locked) == (True, True)
