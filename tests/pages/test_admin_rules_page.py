"""The admin page for categories, routing rules and mediation parties."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from db.models import Category, MediationParty, RoutingRule
from db.session import session_scope
from portal.i18n import t

PAGE = "pages/admin_rules.py"


def press(at: AppTest, form_label: str, index: int = 0) -> AppTest:
    buttons = [b for b in at.main.button if b.label == form_label]
    return buttons[index].click().run()


def test_admin_changes_an_sla_and_adds_a_rule_and_a_party(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("admin").switch_page(PAGE).run()
    assert not at.exception
    sanitation = next(o for o in at.main.selectbox[0].options if o == "环境卫生")
    at.main.selectbox[0].set_value(next(c for c in _categories() if c.name == sanitation))
    at.main.number_input[0].set_value(4)
    press(at, t("rules.save", "zh"))
    assert at.success[0].value == t("rules.saved", "zh")
    with session_scope() as session:
        assert session.exec(select(Category.sla_days).where(Category.name == "环境卫生")).one() == 4

    rules_before = _count(RoutingRule)
    press(at, t("rules.add", "zh"), 1)  # the routing form's defaults: priority 100, any category, first unit
    assert _count(RoutingRule) == rules_before + 1

    party = next(ti for ti in at.main.text_input if ti.label == t("rules.party", "zh"))
    party.input("物业服务中心")
    press(at, t("rules.add", "zh"), 2)
    with session_scope() as session:
        added = session.exec(select(MediationParty).where(MediationParty.name == "物业服务中心")).one()
    assert added.party_group == "other" and added.active


def test_a_bad_sla_is_refused_and_nothing_changes(logged_in: Callable[[str], AppTest]) -> None:
    at = logged_in("admin").switch_page(PAGE).run()
    at.main.number_input[0].set_value(0)
    press(at, t("rules.save", "zh"))
    assert at.error and not at.success
    with session_scope() as session:
        assert session.exec(select(Category.sla_days).where(Category.name == "我要咨询")).one() == 3


def _categories() -> list[Category]:
    with session_scope() as session:
        return list(session.exec(select(Category).order_by(Category.sort_order)).all())


def _count(model: type[RoutingRule]) -> int:
    with session_scope() as session:
        return len(session.exec(select(model)).all())
