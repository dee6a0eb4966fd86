"""Admin: categories and their SLA days, routing rules, mediation parties."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from db.models import PartyGroup
from db.session import session_scope
from portal import ui
from portal.i18n import label, t
from portal.services import categories, mediation_parties, orgs, routing, users

actor = ui.require_page("admin_rules")
st.title(t("page.admin_rules"))
ui.show_flash()


def save(change: Callable[..., Any], done: str, **kwargs: Any) -> None:
    """One admin change in its own unit of work; rerun only after the commit."""
    saved = False
    with ui.reported_errors():
        with session_scope(write=True) as session:
            change(session=session, actor=actor, **kwargs)
        saved = True
    if saved:
        st.cache_data.clear()
        ui.flash(done)
        st.rerun()


with session_scope() as session:
    category_rows = categories.list_categories(session=session, actor=actor)
    rules = routing.list_rules(session=session, actor=actor)
    parties = mediation_parties.list_parties(session=session, actor=actor)
    nodes = [(n.id, n.name) for n in orgs.visible_nodes(session=session, actor=actor, active_only=True)]
    handlers = [
        (u.id, f"{u.display_name} · {label('role', u.role)}")
        for u in users.list_users(session=session, actor=actor)
        if u.active and u.role in ("staff", "grid_worker", "admin")
    ]

categories_tab, routing_tab, parties_tab = st.tabs([t("rules.categories"), t("rules.routing"), t("rules.parties")])

with categories_tab:
    st.caption(t("rules.sla_note"))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("rules.code"): c.code,
                    t("case.category"): c.name,
                    t("rules.name_en"): c.name_en,
                    t("rules.sla_days"): c.sla_days,
                    t("user.active"): "✓" if c.active else "✗",
                }
                for c in category_rows
            ]
        ),
        hide_index=True,
    )
    with st.form("category_edit"):
        chosen = st.selectbox(t("case.category"), category_rows, format_func=lambda c: c.name)
        sla = st.number_input(t("rules.sla_days"), min_value=None, value=chosen.sla_days if chosen else 7, step=1)
        active = st.checkbox(t("user.active"), value=chosen.active if chosen else True)
        if st.form_submit_button(t("rules.save")) and chosen is not None:
            save(categories.update_category, t("rules.saved"), category_id=chosen.id, sla_days=int(sla), active=active)
    with st.form("category_add"):
        code = st.text_input(t("rules.code"), help=t("rules.code_help"))
        name = st.text_input(t("case.category"))
        name_en = st.text_input(t("rules.name_en"))
        days = st.number_input(t("rules.sla_days"), min_value=None, value=7, step=1, key="new_sla")
        if st.form_submit_button(t("rules.add")):
            save(categories.add_category, t("rules.saved"), code=code, name=name, name_en=name_en, sla_days=int(days))

with routing_tab:
    st.caption(t("rules.routing_note"))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("rules.priority"): r.priority,
                    t("case.category"): r.category or t("filter.all"),
                    t("case.org"): r.org,
                    t("case.assignee"): r.assignee,
                    t("user.active"): "✓" if r.active else "✗",
                    "id": r.id,
                }
                for r in rules
            ]
        ),
        hide_index=True,
    )
    with st.form("rule_add"):
        priority = st.number_input(t("rules.priority"), min_value=0, max_value=10_000, value=100, step=10)
        category = st.selectbox(
            t("case.category"), [None, *category_rows], format_func=lambda c: t("filter.all") if c is None else c.name
        )
        node = st.selectbox(t("case.org"), nodes, format_func=lambda n: n[1])
        handler = st.selectbox(t("case.assignee"), handlers, format_func=lambda h: h[1])
        if st.form_submit_button(t("rules.add")) and node and handler:
            save(
                routing.save_rule,
                t("rules.saved"),
                org_id=node[0],
                assignee_id=handler[0],
                priority=int(priority),
                category_id=category.id if category else None,
            )
    if rules:
        with st.form("rule_toggle"):
            rule = st.selectbox(
                t("rules.pick_rule"),
                rules,
                format_func=lambda r: f"#{r.id} {r.priority} · {r.category or '*'} · {r.org} → {r.assignee}",
            )
            if st.form_submit_button(t("rules.toggle")) and rule is not None:
                current = next(x for x in rules if x.id == rule.id)
                with session_scope() as session:
                    stored = routing.get_rule(session=session, actor=actor, rule_id=rule.id)
                save(
                    routing.save_rule,
                    t("rules.saved"),
                    rule_id=rule.id,
                    org_id=stored.org_id,
                    assignee_id=stored.assignee_id,
                    category_id=stored.category_id,
                    priority=stored.priority,
                    active=not current.active,
                )

with parties_tab:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("rules.party"): p.name,
                    t("rules.group"): label("party_group", p.party_group),
                    t("user.active"): "✓" if p.active else "✗",
                }
                for p in parties
            ]
        ),
        hide_index=True,
    )
    with st.form("party_add"):
        party_name = st.text_input(t("rules.party"))
        group = st.selectbox(
            t("rules.group"),
            [g.value for g in PartyGroup],
            format_func=lambda g: label("party_group", g),
            index=len(PartyGroup) - 1,
        )
        if st.form_submit_button(t("rules.add")):
            save(mediation_parties.add_party, t("rules.saved"), name=party_name, group=group)
    with st.form("party_toggle"):
        party = st.selectbox(t("rules.party"), parties, format_func=lambda p: p.name)
        if st.form_submit_button(t("rules.toggle")) and party is not None:
            save(mediation_parties.set_party_active, t("rules.saved"), party_id=party.id, active=not party.active)
