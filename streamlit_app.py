"""The router: decides once per run which pages exist for this user, then runs the chosen one."""

from __future__ import annotations

import streamlit as st

import portal.kinds  # noqa: F401  (registers the record kinds the engine draws pages for)
from portal import auth, ui
from portal.config import ConfigError, get_settings
from portal.i18n import LANGUAGES, SESSION_KEY, t
from portal.lowcode.declare import REGISTRY, kinds_for
from portal.lowcode.ui import page_for
from portal.permissions import pages_for

PAGES = {
    "kpi": ("pages/kpi_overview.py", ":material/monitoring:"),
    "kpi_community": ("pages/kpi_community.py", ":material/location_city:"),
    "kpi_safety": ("pages/kpi_safety.py", ":material/local_fire_department:"),
    "cases": ("pages/cases.py", ":material/assignment:"),
    "case_detail": ("pages/case_detail.py", ":material/description:"),
    "case_new": ("pages/case_new.py", ":material/add_circle:"),
    "case_import": ("pages/case_import.py", ":material/upload_file:"),
    "activities": ("pages/activities.py", ":material/health_and_safety:"),
    "reports": ("pages/reports.py", ":material/summarize:"),
    "jobs": ("pages/jobs.py", ":material/schedule:"),
    "audit_log": ("pages/audit_log.py", ":material/history:"),
}
HIDDEN = {"case_detail"}  # opened from the case list, not from the menu
# Menu sections: a page key (or a record kind's section) -> the heading it sits under.
SECTIONS = {
    "kpi": "nav.section.kpi",
    "kpi_community": "nav.section.kpi",
    "kpi_safety": "nav.section.kpi",
    "reports": "nav.section.kpi",
    "cases": "nav.section.cases",
    "case_detail": "nav.section.cases",
    "case_new": "nav.section.cases",
    "case_import": "nav.section.cases",
    "activities": "nav.section.activities",
    "jobs": "nav.section.admin",
    "audit_log": "nav.section.admin",
}


def _language_switch() -> None:
    def apply() -> None:
        st.session_state[SESSION_KEY] = st.session_state["lang_choice"]

    current = st.session_state[SESSION_KEY]
    st.sidebar.radio(
        t("nav.language"),
        LANGUAGES,
        index=LANGUAGES.index(current),
        format_func=lambda code: {"zh": "中文", "en": "English"}[code],
        key="lang_choice",
        horizontal=True,
        on_change=apply,
    )


def run() -> None:
    settings = get_settings()
    st.session_state.setdefault(SESSION_KEY, settings.language)
    st.set_page_config(page_title=t("app.title"), page_icon=":material/location_city:", layout="wide")
    try:
        settings.signing_key()
    except ConfigError as exc:
        st.error(str(exc))
        st.stop()

    actor = auth.current_user()
    _language_switch()
    if actor is None:
        # Every page's address shows the login form (hidden aliases of it), so a bookmark or a reload of
        # /cases asks for a login and then opens /cases: a page is known by its URL path.
        login = [st.Page("pages/login.py", title=t("login.title"), url_path="login", default=True)]
        aliases = [*PAGES, *REGISTRY, "home"]
        login += [
            st.Page("pages/login.py", title=t("login.title"), url_path=key, visibility="hidden") for key in aliases
        ]
        page = st.navigation(login, position="hidden")
    else:
        st.session_state[auth.ACTOR_KEY] = actor
        menu: dict[str, list[st.Page]] = {}
        keys = pages_for(actor.role)
        for key in keys:
            menu.setdefault(t(SECTIONS.get(key, "nav.section.admin")), []).append(
                st.Page(
                    PAGES[key][0],
                    title=t(f"page.{key}"),
                    icon=PAGES[key][1],
                    url_path=key,
                    visibility="hidden" if key in HIDDEN else "visible",
                )
            )
        # The app root opens the role's first page through a hidden alias: Streamlit serves its default page at
        # the root only, so the first page itself keeps its own address (/kpi) for bookmarks and new tabs.
        menu[t(SECTIONS.get(keys[0], "nav.section.admin"))].append(
            st.Page(
                PAGES[keys[0]][0],
                title=t(f"page.{keys[0]}"),
                icon=PAGES[keys[0]][1],
                url_path="home",
                default=True,
                visibility="hidden",
            )
        )
        # Record kinds declared on the low-code engine: one generated page each, for the roles that may view it.
        for kind in kinds_for(actor.role):
            menu.setdefault(t(f"nav.section.{kind.section}"), []).append(
                st.Page(page_for(kind.key), title=t(kind.title), icon=kind.icon, url_path=kind.key)
            )
        page = st.navigation(menu, expanded=True)
        with st.sidebar:
            st.caption(t("nav.signed_in_as", name=ui.inert(actor.display_name), role=t(f"role.{actor.role}")))
            st.button(t("nav.logout"), on_click=auth.logout, key="logout_button", width="stretch")
            auth.keep_cookie()
    page.run()


run()
