"""Reference data on generated pages (admin only), and the audit log page (pages/audit_log.py) that shows who
changed what."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from db.models import Category
from db.session import session_scope
from portal.i18n import t
from tests.conftest import ROOT
from tests.helpers import actor_for
from tests.pages.conftest import open_url, widget
from tests.pages.test_login import nav_titles

AUDIT = "pages/audit_log.py"
NEW = "lc_category_new_0"


def add_category(at: AppTest, code: str, name: str, sla_days: int) -> AppTest:
    widget(at.text_input, f"{NEW}_code").input(code)
    widget(at.text_input, f"{NEW}_name").input(name)
    widget(at.text_input, f"{NEW}_name_en").input("Street lights")
    widget(at.number_input, f"{NEW}_sla_days").set_value(sla_days)
    return next(b for b in at.button if b.label == t("records.save", "zh")).click().run()


def categories() -> list[tuple[str, str, int]]:
    with session_scope() as session:
        return [(c.code, c.name, c.sla_days) for c in session.exec(select(Category).order_by(Category.id)).all()]  # type: ignore[arg-type]


def test_admin_adds_a_category_bad_ones_are_refused_and_the_log_shows_it(logged_in: Callable[[str], AppTest]) -> None:
    at = open_url(logged_in("admin"), "category")
    before = categories()

    add_category(at, "Street Lights!", "环境卫生", 0)  # bad code, a name in use, SLA below 1
    assert categories() == before
    assert at.error[0].value == t("error.invalid_input", "zh", count=3)
    notes = " ".join(c.value for c in at.caption)
    for message in (t("error.code_format", "zh"), t("error.value_taken", "zh"), t("error.too_small", "zh", limit=1)):
        assert message in notes

    at = add_category(at, "street_lights", "路灯照明", 5)
    assert not at.exception, at.exception
    assert categories() == [*before, ("street_lights", "路灯照明", 5)]
    assert at.success[0].value == t("records.saved", "zh")

    log = logged_in("admin").switch_page(AUDIT).run()
    assert not log.exception, log.exception
    (entry,) = log.main.dataframe[0].value.to_dict("records")
    assert entry[t("audit.kind", "zh")] == t("page.category", "zh")
    assert entry[t("audit.action", "zh")] == t("audit.create", "zh")
    assert entry[t("audit.actor", "zh")] == "系统管理员"
    assert "路灯照明" in entry[t("audit.changes", "zh")]


def test_the_audit_log_is_not_for_staff(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("staff")
    assert t("page.audit_log", "zh") not in nav_titles(at)
    assert t("page.category", "zh") not in nav_titles(at)
    # Run directly (no router), the page's own guard refuses too.
    direct = AppTest.from_file(str(ROOT / AUDIT), default_timeout=60)
    with session_scope() as session:
        direct.session_state["actor"] = actor_for(session, "staff")
    direct.run()
    assert [e.value for e in direct.error] == [t("error.forbidden", "zh")]
    assert not direct.dataframe
