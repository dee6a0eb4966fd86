"""Safety KPIs: drills, training and publicity over time and against target, participants, corrective actions."""

from __future__ import annotations

import streamlit as st

from portal import ui
from portal.i18n import t
from portal.widgets import kpi_filters, kpi_safety

actor = ui.require_page("kpi_safety")
st.title(t("page.kpi_safety"))
view = kpi_filters.pick(actor, case_filters=False, grain_key=kpi_filters.SAFETY_GRAIN)
if view is not None:
    kpi_safety.live(actor, view)
