"""What the retired categories-and-routing page did, on generated pages: an SLA changed (a bad one refused),
a routing rule added (a handler who cannot cover the unit refused), a mediation party added."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from db.models import MediationParty, RoutingRule, User
from db.session import session_scope
from portal.i18n import t
from tests.helpers import category, node
from tests.pages.conftest import open_url, widget


def editing(widgets: Any, kind: str, name: str) -> Any:
    """The edit form's input for field `name` (its key carries the record id and version)."""
    return next(w for w in widgets if w.key.startswith(f"lc_{kind}_edit_") and w.key.endswith(f"_{name}"))


def press(at: AppTest, key: str) -> AppTest:
    return next(b for b in at.main.button if b.label == t(key, "zh")).click().run()


def sla_of(name: str) -> int:
    with session_scope() as session:
        return category(session, name).sla_days


def test_admin_changes_an_sla_and_a_bad_one_is_refused(logged_in: Callable[[str], AppTest]) -> None:
    at = open_url(logged_in("admin"), "category")
    with session_scope() as session:
        sanitation = category(session, "环境卫生").id
    widget(at.selectbox, "lc_category_open").select(sanitation).run()
    editing(at.number_input, "category", "sla_days").set_value(0)
    at = press(at, "records.update")
    assert t("error.too_small", "zh", limit=1) in " ".join(c.value for c in at.caption)
    assert sla_of("环境卫生") != 0

    editing(at.number_input, "category", "sla_days").set_value(4)
    at = press(at, "records.update")
    assert at.success[0].value == t("records.updated", "zh")
    assert sla_of("环境卫生") == 4


def test_admin_adds_a_routing_rule_for_a_handler_who_covers_the_unit(logged_in: Callable[[str], AppTest]) -> None:
    at = open_url(logged_in("admin"), "routing_rule")
    assert not at.exception, at.exception
    with session_scope() as session:
        before = len(session.exec(select(RoutingRule)).all())
        community = node(session, "郑家台社区").id
        grid_worker = session.exec(select(User).where(User.username == "grid")).one()
        staff = session.exec(select(User).where(User.username == "staff")).one()
    new = "lc_routing_rule_new_0"
    assert widget(at.number_input, f"{new}_priority").value == 100
    widget(at.number_input, f"{new}_priority").set_value(5)
    widget(at.selectbox, f"{new}_org_id").select(community)
    widget(at.selectbox, f"{new}_assignee_id").select(grid_worker.id)
    at = press(at, "records.save")
    assert t("error.assignee_scope", "zh") in " ".join(c.value for c in at.caption)

    widget(at.selectbox, f"{new}_assignee_id").select(staff.id)
    at = press(at, "records.save")
    assert at.success[0].value == t("records.saved", "zh")
    with session_scope() as session:
        rules = session.exec(select(RoutingRule).order_by(RoutingRule.id)).all()
    assert len(rules) == before + 1
    added = rules[-1]
    assert (added.priority, added.category_id, added.org_id, added.assignee_id, added.active) == (
        5,
        None,
        community,
        staff.id,
        True,
    )
    listed = at.main.dataframe[0].value
    assert listed.iloc[0][t("case.assignee", "zh")].startswith(staff.display_name)  # lowest priority number first


def test_admin_adds_a_mediation_party(logged_in: Callable[[str], AppTest]) -> None:
    at = open_url(logged_in("admin"), "mediation_party")
    widget(at.text_input, "lc_mediation_party_new_0_name").input("物业服务中心")
    widget(at.selectbox, "lc_mediation_party_new_0_party_group").select("other")
    at = press(at, "records.save")
    assert at.success[0].value == t("records.saved", "zh")
    with session_scope() as session:
        added = session.exec(select(MediationParty).where(MediationParty.name == "物业服务中心")).one()
    assert added.party_group == "other" and added.active
