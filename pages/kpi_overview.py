"""KPI overview: the leaders' landing page. Filters live in the URL; the figures refresh by themselves."""

from __future__ import annotations

import streamlit as st

from portal import ui
from portal.i18n import t
from portal.widgets import kpi_dashboard, kpi_filters

actor = ui.require_page("kpi")
st.title(t("page.kpi"))
view = kpi_filters.pick(actor)
if view is not None:
    kpi_dashboard.live(actor, view)
