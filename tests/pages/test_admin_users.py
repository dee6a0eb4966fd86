"""Accounts on their generated page (key admin_users): an admin creates, edits, deactivates and re-activates,
resets a password (shown once, every login of that user ends) and lifts a lockout; the audit log has each step
and never a password or its hash."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from db.models import AuditEntry, LoginSession, User
from db.session import session_scope
from portal.i18n import t
from portal.services import users
from tests.helpers import DEMO_PASSWORD, node
from tests.pages.conftest import new_app, open_url, submit_login, widget
from tests.pages.test_login import nav_titles

NEW = "lc_admin_users_new_0"


def account(username: str) -> User:
    with session_scope() as session:
        return session.exec(select(User).where(User.username == username)).one()


def user_log() -> list[AuditEntry]:
    with session_scope() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.kind == "admin_users").order_by(AuditEntry.id)))


def press(at: AppTest, key: str) -> AppTest:
    """Press the main-area button labelled with catalogue message `key`."""
    return next(b for b in at.main.button if b.label == t(key, "zh")).click().run()


def open_account(at: AppTest, username: str) -> AppTest:
    widget(at.text_input, "lc_admin_users_search").input(username).run()
    widget(at.selectbox, "lc_admin_users_open").select(account(username).id).run()
    assert not at.exception, at.exception
    return at


def logs_in(username: str, password: str) -> bool:
    at = submit_login(new_app().run(), username, password)
    return t("page.kpi", "zh") in nav_titles(at)


def test_admin_creates_an_account_bad_input_is_named_and_the_password_is_never_logged(
    logged_in: Callable[[str], AppTest],
) -> None:
    at = open_url(logged_in("admin"), "admin_users")
    assert not at.exception, at.exception
    before = len(user_log())

    widget(at.text_input, f"{NEW}_username").input("Bad Name")
    widget(at.text_input, f"{NEW}_email").input("gw-at-example")
    widget(at.text_input, f"{NEW}_password").input("short")
    press(at, "records.save")
    notes = " ".join(c.value for c in at.caption)
    for message in (
        t("error.username_format", "zh"),
        t("error.email_format", "zh"),
        t("error.password_short", "zh", min=8),
        t("error.required", "zh"),  # name, role and org are missing too
    ):
        assert message in notes
    assert len(user_log()) == before

    password = " spaced-password"
    widget(at.text_input, f"{NEW}_username").input("GW.New")  # kept lower-case, as the CLI does
    widget(at.text_input, f"{NEW}_display_name").input("新网格员")
    widget(at.selectbox, f"{NEW}_role").select("grid_worker")
    with session_scope() as session:
        widget(at.selectbox, f"{NEW}_org_id").select(node(session, "郑家台社区").id)
    widget(at.text_input, f"{NEW}_email").input("gw.new@example.org")
    widget(at.text_input, f"{NEW}_password").input(password)
    press(at, "records.save")
    assert t("error.password_whitespace", "zh") in " ".join(c.value for c in at.caption)

    password = "a-long-password"
    widget(at.text_input, f"{NEW}_password").input(password)
    at = press(at, "records.save")
    assert not at.exception, at.exception
    assert at.success[0].value == t("records.saved", "zh")
    created = account("gw.new")
    assert (created.display_name, created.role, created.email, created.active) == (
        "新网格员",
        "grid_worker",
        "gw.new@example.org",
        True,
    )
    assert logs_in("gw.new", password)

    (entry,) = user_log()[before:]
    assert entry.action == "create" and entry.record_id == created.id
    assert set(entry.changes) == {"username", "display_name", "role", "org_id", "email"}
    assert password not in json.dumps(entry.changes) and created.password_hash not in json.dumps(entry.changes)


def test_admin_edits_an_account(logged_in: Callable[[str], AppTest]) -> None:
    at = open_account(open_url(logged_in("admin"), "admin_users"), "staff")
    target = account("staff")
    prefix = f"lc_admin_users_edit_{target.id}_None_0"
    assert widget(at.text_input, f"{prefix}_username").disabled  # the login name stays
    assert not [ti for ti in at.text_input if ti.key == f"{prefix}_password"]  # no password on the edit form
    widget(at.text_input, f"{prefix}_email").input("not-an-email")
    press(at, "records.update")
    assert t("error.email_format", "zh") in " ".join(c.value for c in at.caption)
    assert account("staff").email == target.email

    widget(at.text_input, f"{prefix}_email").input("zhang.min@example.org")
    widget(at.text_input, f"{prefix}_display_name").input("张敏")
    widget(at.selectbox, f"{prefix}_role").select("leader")
    at = press(at, "records.update")
    assert at.success[0].value == t("records.updated", "zh")
    edited = account("staff")
    assert (edited.display_name, edited.role, edited.email) == ("张敏", "leader", "zhang.min@example.org")
    assert user_log()[-1].changes["role"] == ["staff", "leader"]


def test_a_password_reset_is_shown_once_and_ends_every_login_of_that_user(
    logged_in: Callable[[str], AppTest],
) -> None:
    staff_browser = logged_in("staff")
    at = open_account(open_url(logged_in("admin"), "admin_users"), "staff")
    at = press(at, "user.reset_password")
    assert not at.exception, at.exception
    shown = at.success[0].value
    found = re.search(r"`([^`]+)`", shown)
    assert found, shown
    password = found.group(1)
    assert len(password) >= users.MIN_PASSWORD_LENGTH

    staff_browser.run()  # the staff member's open browser is logged out at the next click
    assert nav_titles(staff_browser) == {t("login.title", "zh")}
    with session_scope() as session:
        staff_id = account("staff").id
        logins = session.exec(select(LoginSession).where(LoginSession.user_id == staff_id)).all()
    assert logins and all(login.revoked_at is not None for login in logins)
    assert not logs_in("staff", DEMO_PASSWORD)
    assert logs_in("staff", password)

    at.run()  # shown once: gone at the admin's next click
    assert password not in " ".join(s.value for s in at.success)
    entry = user_log()[-1]
    assert (entry.action, entry.changes) == ("reset_password", {})
    assert password not in json.dumps([e.changes for e in user_log()])


def test_admin_lifts_a_lockout(logged_in: Callable[[str], AppTest]) -> None:
    with session_scope(write=True) as session:
        for _ in range(5):
            users.record_failed_login(session=session, username="staff")
    at = open_url(logged_in("admin"), "admin_users")
    table = at.main.dataframe[0].value.set_index(t("user.username", "zh"))
    assert table.loc["staff", t("user.locked_until", "zh")] != ""
    at = press(open_account(at, "staff"), "user.unlock")
    assert at.success[0].value == t("user.unlocked", "zh", username="staff")
    staff = account("staff")
    assert staff.locked_until is None and staff.failed_logins == 0
    assert t("user.unlock", "zh") not in [b.label for b in at.main.button]  # nothing left to unlock
    assert user_log()[-1].action == "unlock"
    assert logs_in("staff", DEMO_PASSWORD)


def test_admin_deactivates_and_reactivates_but_not_themselves(logged_in: Callable[[str], AppTest]) -> None:
    at = open_account(open_url(logged_in("admin"), "admin_users"), "staff")
    assert t("user.activate", "zh") not in [b.label for b in at.main.button]
    at = press(at, "user.deactivate")
    assert at.success[0].value == t("user.deactivated", "zh", username="staff")
    assert account("staff").active is False
    assert not logs_in("staff", DEMO_PASSWORD)

    at = press(at, "user.activate")
    assert at.success[0].value == t("user.activated", "zh", username="staff")
    assert account("staff").active is True
    assert [(e.action, e.changes) for e in user_log()[-2:]] == [
        ("deactivate", {"active": [True, False]}),
        ("activate", {"active": [False, True]}),
    ]

    at = press(open_account(at, "admin"), "user.deactivate")
    assert t("error.cannot_deactivate_self", "zh") in at.error[0].value
    assert account("admin").active is True


def test_the_accounts_page_is_for_admins_only(logged_in: Callable[[str], AppTest]) -> None:
    for username in ("staff", "leader", "grid"):
        assert t("page.admin_users", "zh") not in nav_titles(logged_in(username))
