"""Login: the only page that exists before someone logs in."""

from __future__ import annotations

import streamlit as st

from portal import auth
from portal.config import get_settings
from portal.i18n import t
from portal.services.demo import DEMO_LOGINS, DEMO_PASSWORD

st.title(t("app.title"))
st.caption(t("login.subtitle"))
auth.render_login()
if get_settings().demo:
    st.info(
        t("login.demo_hint", password=DEMO_PASSWORD)
        + "\n\n"
        + "\n".join(f"- `{d.username}` — {t(f'role.{d.role}')} · {d.org}" for d in DEMO_LOGINS)
    )
