"""Login through the real form: each role gets its pages, lockout holds, the language switches."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from db.models import LoginSession, Role, User
from db.session import session_scope
from portal.i18n import t
from portal.lowcode.declare import kinds_for
from portal.permissions import pages_for
from streamlit_app import PAGES
from tests.conftest import ROOT
from tests.helpers import DEMO_PASSWORD, actor_for
from tests.pages.conftest import new_app, open_url, submit_login

DEMO_USERS = {"leader": Role.LEADER, "staff": Role.STAFF, "grid": Role.GRID_WORKER, "admin": Role.ADMIN}


def nav_titles(at: AppTest) -> set[str]:
    """Titles of the pages the router put into st.navigation for this session."""
    return {info["page_name"] for info in at._registered_pages.values()}


def test_logged_out_only_the_login_page_exists(demo_database: str) -> None:
    at = new_app().run()
    assert nav_titles(at) == {t("login.title", "zh")}
    # Every address (the aliases keep bookmarks working) runs the login page and nothing else.
    assert {str(p["script_path"]) for p in at._registered_pages.values()} == {str(ROOT / "pages/login.py")}
    assert [ti.label for ti in at.text_input] == [t("login.username", "zh"), t("login.password", "zh")]


@pytest.mark.parametrize("username", list(DEMO_USERS))
def test_each_role_logs_in_and_opens_each_of_its_pages(username: str, logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in(username)
    role = DEMO_USERS[username]
    generated = kinds_for(role)  # the pages the low-code engine draws for declared record kinds
    assert nav_titles(at) == {t(f"page.{key}", "zh") for key in pages_for(role)} | {t(k.title, "zh") for k in generated}
    for key in pages_for(role):
        at.switch_page(PAGES[key][0]).run()
        assert not at.exception, (key, at.exception)
        assert not at.error, (key, [e.value for e in at.error])
        expected_title = t("case.pick_one", "zh") if key == "case_detail" else t(f"page.{key}", "zh")
        shown = [el.value for el in at.title] + [el.value for el in at.info]
        assert expected_title in shown, (key, shown)
    for kind in generated:
        open_url(at, kind.key)
        assert not at.exception, (kind.key, at.exception)
        assert not at.error, (kind.key, [e.value for e in at.error])
        assert t(kind.title, "zh") in [el.value for el in at.title], kind.key


def test_grid_worker_has_no_admin_or_jobs_page(logged_in: Callable[[str], AppTest]) -> None:
    titles = nav_titles(logged_in("grid"))
    assert t("page.admin_users", "zh") not in titles
    assert t("page.jobs", "zh") not in titles
    assert t("page.activities", "zh") not in titles


@pytest.mark.parametrize("who", [None, "grid"])
def test_a_page_run_without_the_router_refuses_to_draw(who: str | None, demo_database: str) -> None:
    # Defence in depth: if anything ran a page file directly (no router, or the wrong role), its guard stops it.
    at = AppTest.from_file(str(ROOT / "pages" / "audit_log.py"), default_timeout=60)
    if who:
        with session_scope() as session:
            at.session_state["actor"] = actor_for(session, who)
    at.run()
    assert [e.value for e in at.error] == [t("error.forbidden", "zh")]
    assert not at.dataframe


def test_wrong_password_is_refused_with_a_message(demo_database: str) -> None:
    at = submit_login(new_app().run(), "staff", "not-the-password")
    assert [e.value for e in at.error] == [t("login.failed", "zh")]
    assert nav_titles(at) == {t("login.title", "zh")}


def test_the_sixth_attempt_is_refused_even_with_the_right_password(demo_database: str) -> None:
    for attempt in range(5):
        at = submit_login(new_app().run(), "staff", f"wrong-{attempt}")
    assert t("login.locked", "zh").split("{")[0] in at.error[0].value
    # A new browser session (lockout lives in the database, not in the session) with the right password:
    at = submit_login(new_app().run(), "staff", DEMO_PASSWORD)
    assert t("login.locked", "zh").split("{")[0] in at.error[0].value
    assert nav_titles(at) == {t("login.title", "zh")}
    with session_scope() as session:
        user = session.exec(select(User).where(User.username == "staff")).one()
        assert user.failed_logins == 5 and user.locked_until is not None


def test_other_users_are_not_locked_by_someone_elses_failures(demo_database: str) -> None:
    for attempt in range(5):
        submit_login(new_app().run(), "staff", f"wrong-{attempt}")
    at = submit_login(new_app().run(), "leader", DEMO_PASSWORD)
    assert t("page.kpi", "zh") in [el.value for el in at.title]


def test_logout_revokes_the_login_session(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("leader")
    next(b for b in at.button if b.label == t("nav.logout", "zh")).click()
    at.run()
    assert nav_titles(at) == {t("login.title", "zh")}
    with session_scope() as session:
        sessions = session.exec(select(LoginSession)).all()
        assert len(sessions) == 1 and sessions[0].revoked_at is not None


def test_deactivating_a_user_ends_their_session_on_the_next_click(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("staff")
    with session_scope() as session:
        user = session.exec(select(User).where(User.username == "staff")).one()
        user.active = False
        session.add(user)
    at.run()
    assert nav_titles(at) == {t("login.title", "zh")}


def test_language_switch_to_english(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("leader")
    at.radio(key="lang_choice").set_value("en").run()
    assert t("page.kpi", "en") in [el.value for el in at.title]
    assert t("page.kpi", "en") in nav_titles(at)


def test_outside_demo_mode_a_missing_cookie_key_stops_the_app(
    demo_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.config import reset_settings

    monkeypatch.delenv("PORTAL_COOKIE_KEY")
    reset_settings()
    at = new_app().run()
    assert "PORTAL_COOKIE_KEY" in at.error[0].value
    assert not at.text_input
