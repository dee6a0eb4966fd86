"""AppTest fixtures: the real router, logged in through the real login form."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from portal.serve import disable_legacy_pages_folder
from tests.conftest import ROOT
from tests.helpers import DEMO_PASSWORD

APP = str(ROOT / "streamlit_app.py")


@pytest.fixture(autouse=True)
def _pages_folder_is_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    # AppTest resets Streamlit's legacy-pages flag before every run; `portal.serve` sets it once per
    # server. Do here what the server does, or every AppTest run would bypass the router.
    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        disable_legacy_pages_folder()
        original(self, *args, **kwargs)

    monkeypatch.setattr(PagesManager, "__init__", init)


def new_app() -> AppTest:
    """A fresh AppTest of the router (a fresh browser session)."""
    return AppTest.from_file(APP, default_timeout=60)


def follow_link(username: str, **params: str) -> AppTest:
    """A fresh browser session opening the app's root (the user's first page) with these query parameters, then
    logging in (deep links survive it)."""
    at = new_app()
    at.query_params.update(params)
    at.run()
    submit_login(at, username, DEMO_PASSWORD)
    assert not at.exception, at.exception
    return at


def submit_login(at: AppTest, username: str, password: str) -> AppTest:
    """Type into the authenticator's login form and press its button."""
    inputs = {ti.label: ti for ti in at.text_input}
    inputs[_label("login.username")].input(username)
    inputs[_label("login.password")].input(password)
    next(b for b in at.button if b.label == _label("login.submit")).click()
    return at.run()


def _label(key: str) -> str:
    from portal.i18n import t

    return t(key, "zh")


@pytest.fixture
def logged_in(demo_database: str) -> Iterator[Callable[[str], AppTest]]:
    """Log a demo user in through the form; returns the AppTest showing their landing page."""

    def login(username: str, password: str = DEMO_PASSWORD) -> AppTest:
        at = new_app().run()
        submit_login(at, username, password)
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        return at

    yield login


def open_url(at: AppTest, url_path: str) -> AppTest:
    """Open the page at /<url_path>, as following a link does: pages the engine generates have no file to switch to."""
    from streamlit.util import calc_hash

    at._page_hash = calc_hash(url_path)  # what st.Page hashes a url path to (switch_page does this for files)
    return at.run()


def widget(widgets: Any, key: str) -> Any:
    """The widget of a list with this key (AppTest's lookup by key, typed loosely for the tests)."""
    return widgets(key=key)
