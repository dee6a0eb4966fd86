"""Community KPIs: the overview for one community, its grids as the units."""

from __future__ import annotations

import streamlit as st

from portal import ui
from portal.i18n import t
from portal.widgets import kpi_dashboard, kpi_filters

actor = ui.require_page("kpi_community")
st.title(t("page.kpi_community"))
view = kpi_filters.pick(actor, communities_only=True)
if view is not None:
    kpi_dashboard.live(actor, view)
