"""Admin: accounts, roles, lockouts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.session import session_scope
from portal import clock, ui
from portal.i18n import label, t
from portal.services import orgs, users

actor = ui.require_page("admin_users")
st.title(t("page.admin_users"))
ui.show_flash()

with session_scope() as session:
    accounts = users.list_users(session=session, actor=actor)
    tree = orgs.load_tree(session=session)
now = clock.now()
st.dataframe(
    pd.DataFrame(
        [
            {
                t("user.username"): u.username,
                t("user.display_name"): u.display_name,
                t("user.role"): label("role", u.role),
                t("user.org"): tree.label(u.org_id),
                t("user.email"): u.email or "",
                t("user.active"): "✓" if u.active else "✗",
                t("user.locked_until"): ui.local(u.locked_until) if users.lock_state(u, now).locked else "",
                t("user.last_login"): ui.local(u.last_login_at),
            }
            for u in accounts
        ]
    ),
    hide_index=True,
)

by_name = {u.username: u for u in accounts}
picked = st.selectbox(t("user.pick"), list(by_name), index=None, key="admin_pick")
if picked:
    user = by_name[picked]
    left, right = st.columns(2)
    action = None
    if users.lock_state(user, now).locked and left.button(t("user.unlock")):
        action = ("unlock", t("user.unlocked", username=picked))
    if right.button(t("user.deactivate") if user.active else t("user.activate")):
        action = ("toggle", t("user.saved", username=picked))
    if action:
        done = False
        with ui.reported_errors():
            with session_scope(write=True) as session:
                if action[0] == "unlock":
                    users.unlock_user(session=session, actor=actor, user_id=user.id or 0)
                else:
                    users.set_active(session=session, actor=actor, user_id=user.id or 0, active=not user.active)
            done = True
        if done:
            ui.flash(action[1])
            st.rerun()

with st.expander(t("user.add")):
    errors: dict[str, str] = {}
    with st.form("add_user", clear_on_submit=False):
        username = st.text_input(t("user.username"), help=t("user.username_help"))
        display_name = st.text_input(t("user.display_name"))
        role = st.selectbox(t("user.role"), users.user_roles(), format_func=lambda r: label("role", r))
        org = st.selectbox(
            t("user.org"),
            [n.code for n in tree.nodes.values()],
            format_func=lambda code: tree.by_code_or_name(code).name,
        )
        email = st.text_input(t("user.email"))
        password = st.text_input(t("user.password"), type="password", help=t("user.password_help"))
        submitted = st.form_submit_button(t("user.create"))
    if submitted:
        created = False
        with ui.reported_errors(errors):
            with session_scope(write=True) as session:
                users.create_user(
                    session=session,
                    username=username,
                    display_name=display_name,
                    role=role,
                    org=org,
                    password=password,
                    email=email or None,
                )
            created = True
        for field, message in errors.items():
            st.caption(f":red[{t(f'user.{field}') if field != 'org' else t('user.org')}] {message}")
        if created:
            ui.flash(t("user.created", username=username.strip().lower()))
            st.rerun()
