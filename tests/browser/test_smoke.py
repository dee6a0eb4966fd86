"""Smoke test of the whole installation in a real browser: `portal up`, log in, KPI charts, logout, roles.

Runs once per database backend against a portal started with `portal up` (see conftest.py). Labels come
from the i18n catalogue in Chinese, the portal's default language.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import psutil
import pytest

from portal.config import Settings
from portal.i18n import t
from portal.kpi_links import KPI_PERIODS
from portal.services.demo import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, Portal
from tests.conftest import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser

COOKIE_NAME = Settings.model_fields["cookie_name"].default  # the portal runs with default settings
TIMEZONE = Settings.model_fields["timezone"].default
USERNAME = t("login.username", "zh")
PASSWORD = t("login.password", "zh")
LOG_IN = t("login.submit", "zh")
KPI_TITLE = t("page.kpi", "zh")  # 指标总览
CASES_TOTAL = t("kpi.card.received", "zh")  # 受理事件
LOG_OUT = t("nav.logout", "zh")  # 退出登录
SESSION_ENDED = t("login.session_ended", "zh")[:5]  # 登录已失效
ADMIN_USERS = t("page.admin_users", "zh")  # 用户管理
JOBS = t("page.jobs", "zh")  # 后台任务
CHART_TIMEOUT = 60_000
LOGIN_TIMEOUT = 60_000

NewContext = Callable[..., "BrowserContext"]


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


# True once Streamlit has had no script run going for 0.75 s. A click while a run is going can be lost: the
# login page's cookie component reports back (and reruns the app) just after the page appears, and a form
# submitted at that moment is sometimes dropped. People are slower than that; a test waits for the quiet.
_QUIET = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const idle = app !== null && app.getAttribute('data-test-script-state') === 'notRunning';
    if (!idle) { window.__portalQuietSince = undefined; return false; }
    window.__portalQuietSince ??= performance.now();
    return performance.now() - window.__portalQuietSince > 750;
}"""


def settle(page: Page) -> None:
    """Wait until the app has stopped rerunning (see _QUIET)."""
    page.wait_for_function(_QUIET, polling=100, timeout=LOGIN_TIMEOUT)


def log_in(page: Page, portal: Portal, username: str) -> None:
    """Open the portal, see the login form, log in; returns when the landing page (KPI overview) shows and the
    login cookie is set."""
    expect = _expect()
    page.goto(portal.url + "/")
    expect(page.get_by_label(USERNAME, exact=True).first).to_be_visible(timeout=LOGIN_TIMEOUT)
    expect(page.get_by_label(PASSWORD, exact=True).first).to_be_visible()
    settle(page)
    expect(page.get_by_label(USERNAME, exact=True)).to_have_count(1)
    page.get_by_label(USERNAME, exact=True).fill(username)
    page.get_by_label(PASSWORD, exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=LOG_IN, exact=True).click()
    expect(page.get_by_role("heading", name=KPI_TITLE).first).to_be_visible(timeout=LOGIN_TIMEOUT)
    expect(page.get_by_label(USERNAME, exact=True)).to_have_count(0)
    # The login cookie is set by a script on the landing page; a test that opens another address straight
    # away (a new session) must not outrun it, or that session rightly asks for a login (seen under CI load).
    auth_cookies(page.context)


def auth_cookies(context: BrowserContext, timeout: float = 30.0) -> list[Any]:
    """The login cookie, once the authenticator's JavaScript has set it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [cookie for cookie in context.cookies() if cookie["name"] == COOKIE_NAME]
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"the {COOKIE_NAME} cookie was not set within {timeout:.0f} s")


def drawn_charts(page: Page) -> int:
    """How many vega-embed containers hold a drawn chart (a canvas or an svg with a size)."""
    return int(
        page.evaluate(
            """() => [...document.querySelectorAll('.vega-embed')].filter(embed =>
                [...embed.querySelectorAll('canvas, svg')].some(el => el.getBoundingClientRect().width > 50)
            ).length"""
        )
    )


def expected_cases_total(portal: Portal) -> int:
    """`portal kpi --json` over the period the KPI page opens with (this month)."""
    result = portal.cli("kpi", "--json", "--period", KPI_PERIODS[0])
    return int(json.loads(result.stdout)["cases_total"])


def _has_cjk_font() -> bool:
    """Whether fontconfig (which Chromium uses on Linux) knows a font with Chinese glyphs."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def test_leader_sees_kpi_charts(portal: Portal, new_context: NewContext) -> None:
    expect = _expect()
    page = new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    log_in(page, portal, "leader")
    page.wait_for_function(
        """() => [...document.querySelectorAll('.vega-embed')].filter(embed =>
            [...embed.querySelectorAll('canvas, svg')].some(el => el.getBoundingClientRect().width > 50)
        ).length >= 3""",
        timeout=CHART_TIMEOUT,
    )
    assert drawn_charts(page) >= 3

    total = expected_cases_total(portal)
    assert total > 0, "the demo seed should have written cases"
    metric = page.get_by_test_id("stMetric").filter(has_text=CASES_TOTAL)
    expect(metric.get_by_test_id("stMetricValue")).to_have_text(f"{total:,}")

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"kpi-{portal.backend}.png"
    page.mouse.move(1395, 995)  # an empty corner: no hover toolbar or sidebar button in the picture
    page.screenshot(path=str(shot), full_page=True)
    if portal.backend == "sqlite":
        if _has_cjk_font():
            (ROOT / "docs").mkdir(exist_ok=True)
            shutil.copyfile(shot, ROOT / "docs" / "screenshot-kpi.png")
        else:
            warnings.warn(
                "no CJK font on this machine (e.g. apt-get install fonts-wqy-microhei): Chinese text would show "
                "as boxes, so docs/screenshot-kpi.png was left as it is",
                stacklevel=1,
            )
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_logout_revokes_copied_cookie(portal: Portal, new_context: NewContext) -> None:
    expect = _expect()
    first = new_context()
    page = first.new_page()
    log_in(page, portal, "leader")
    copied = auth_cookies(first)

    # The cookie alone logs a second browser in (that is what "remember me" is for)...
    second = new_context()
    second.add_cookies(copied)
    other = second.new_page()
    other.goto(portal.url + "/")
    expect(other.get_by_role("heading", name=KPI_TITLE).first).to_be_visible(timeout=LOGIN_TIMEOUT)
    expect(other.get_by_label(USERNAME, exact=True)).to_have_count(0)

    # ...until its owner logs out: the login session is revoked on the server.
    settle(page)
    page.get_by_role("button", name=LOG_OUT, exact=True).click()
    expect(page.get_by_label(USERNAME, exact=True).first).to_be_visible()
    expect(page.get_by_role("heading", name=KPI_TITLE)).to_have_count(0)

    third = new_context()
    third.add_cookies(copied)
    # The "login has ended" notice shows only for a moment (the next rerun draws the plain form): record it.
    third.add_init_script(
        "window.__portalNotice = false; new MutationObserver(() => { window.__portalNotice ||= "
        f"(document.body?.textContent ?? '').includes({json.dumps(SESSION_ENDED)}); }})"
        ".observe(document, {subtree: true, childList: true, characterData: true});"
    )
    thief = third.new_page()
    thief.goto(portal.url + "/")
    # The portal has judged the cookie once it deletes it from the browser (and says the login ended).
    deadline = time.monotonic() + 30
    while any(c["name"] == COOKIE_NAME for c in third.cookies()):
        assert time.monotonic() < deadline, "the portal never dealt with the revoked cookie"
        time.sleep(0.2)
    # (.first: while a rerun draws the form anew, the old one is on the page too for a moment.)
    expect(thief.get_by_label(USERNAME, exact=True).first).to_be_visible()
    expect(thief.get_by_label(PASSWORD, exact=True).first).to_be_visible()
    thief.wait_for_timeout(2_000)  # a late rerun must not log it in either
    expect(thief.get_by_label(USERNAME, exact=True).first).to_be_visible()
    expect(thief.get_by_role("heading", name=KPI_TITLE)).to_have_count(0)
    expect(thief.get_by_role("button", name=LOG_OUT)).to_have_count(0)
    assert thief.evaluate("window.__portalNotice"), f"no {SESSION_ENDED!r} notice for the revoked cookie"

    # The second browser, logged in through the same login session, is out at its next interaction.
    settle(other)
    other.get_by_test_id("stSidebarNav").get_by_text(t("page.cases", "zh"), exact=True).click()
    expect(other.get_by_label(USERNAME, exact=True).first).to_be_visible(timeout=LOGIN_TIMEOUT)
    expect(other.get_by_role("button", name=LOG_OUT)).to_have_count(0)


def test_grid_worker_has_no_admin_pages(portal: Portal, new_context: NewContext) -> None:
    expect = _expect()
    context = new_context()
    page = context.new_page()
    log_in(page, portal, "grid")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_contain_text(KPI_TITLE)
    expect(nav).to_contain_text(t("page.case_new", "zh"))  # the menu is drawn, with a grid worker's pages
    assert ADMIN_USERS not in nav.inner_text()
    assert JOBS not in nav.inner_text()

    # Typing the address: a new session, logged in again by the cookie, on a router that has no such page.
    auth_cookies(context)
    page.goto(portal.url + "/admin_users")
    expect(page.get_by_role("heading", name=KPI_TITLE).first).to_be_visible(timeout=LOGIN_TIMEOUT)
    settle(page)
    assert "admin_users" not in page.url  # the router sent the unknown address to the landing page
    expect(page.get_by_role("heading", name=ADMIN_USERS)).to_have_count(0)
    # Nothing of the users page is drawn: not its search box, not its new-account form.
    expect(page.get_by_label(t("records.search", "zh"), exact=True)).to_have_count(0)
    expect(page.get_by_text(t("records.new", "zh"), exact=True)).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).not_to_contain_text(ADMIN_USERS)


def test_admin_reaches_user_table(portal: Portal, new_context: NewContext) -> None:
    """The control for the test above: the user table exists and the checks there can see it."""
    expect = _expect()
    page = new_context().new_page()
    log_in(page, portal, "admin")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_contain_text(ADMIN_USERS)
    expect(nav).to_contain_text(JOBS)
    settle(page)
    nav.get_by_text(ADMIN_USERS, exact=True).click()
    expect(page.get_by_role("heading", name=ADMIN_USERS).first).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    expect(page.get_by_label(t("records.search", "zh"), exact=True)).to_be_visible()  # what the test above looks for
    expect(page.get_by_text(t("records.new", "zh"), exact=True)).to_be_visible()


def test_a_reload_or_bookmark_keeps_the_page(portal: Portal, new_context: NewContext) -> None:
    """Reloading /admin_users stays there (the cookie logs back in), so does a new tab on /kpi; a bookmark of
    /cases asks for a login first."""
    expect = _expect()
    context = new_context()
    page = context.new_page()
    log_in(page, portal, "admin")
    settle(page)
    page.get_by_test_id("stSidebarNav").get_by_text(ADMIN_USERS, exact=True).click()
    expect(page.get_by_role("heading", name=ADMIN_USERS).first).to_be_visible()
    auth_cookies(context)
    page.reload()
    expect(page.get_by_role("heading", name=ADMIN_USERS).first).to_be_visible(timeout=LOGIN_TIMEOUT)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()

    # A new tab on a bookmark of the landing page itself: logged in from its first run, on that page's own
    # address (the app root is a separate alias), with no "page not found" in between.
    tab = context.new_page()
    tab.goto(portal.url + "/kpi?period=this_year")
    expect(tab.get_by_role("heading", name=KPI_TITLE).first).to_be_visible(timeout=LOGIN_TIMEOUT)
    settle(tab)
    expect(tab.get_by_label(USERNAME, exact=True)).to_have_count(0)
    expect(tab.get_by_role("dialog")).to_have_count(0)
    assert "/kpi" in tab.url and "period=this_year" in tab.url

    fresh = new_context().new_page()  # logged out
    fresh.goto(portal.url + "/cases")
    expect(fresh.get_by_label(USERNAME, exact=True).first).to_be_visible(timeout=LOGIN_TIMEOUT)
    settle(fresh)
    fresh.get_by_label(USERNAME, exact=True).fill("staff")
    fresh.get_by_label(PASSWORD, exact=True).fill(DEMO_PASSWORD)
    fresh.get_by_role("button", name=LOG_IN, exact=True).click()
    expect(fresh.get_by_role("heading", name=t("page.cases", "zh")).first).to_be_visible(timeout=LOGIN_TIMEOUT)
    assert fresh.url.rstrip("/").endswith("/cases")


def test_ctrl_c_stops_everything(portal: Portal) -> None:
    """SIGINT, as Ctrl-C sends: exit code 0 within 30 s, no child left, Redis socket and port closed."""
    children = [" ".join(p.cmdline()) for p in psutil.Process(portal.process.pid).children(recursive=True)]
    for part in ("redis-server", "portal.cli worker", "portal.cli cron", "portal.serve"):
        assert any(part in command for command in children), f"no {part!r} among {children}"
    started = time.monotonic()
    portal.stop()
    assert any("[portal] stopped" in line for line in portal.output), portal.log_tail()
    print(f"portal up ({portal.backend}) stopped in {time.monotonic() - started:.1f} s")
