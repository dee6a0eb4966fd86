"""Arriving at the case list from a KPI chart: start its filters at exactly the chart's cases."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

import streamlit as st

from portal import clock
from portal.i18n import t
from portal.kpi_links import case_filters
from portal.services.actor import Actor

MARKER = "cases_drill"  # the drill-down URL last applied; the KPI pages forget it so a second click applies again


def apply(actor: Actor, org_ids: Collection[int], category_ids: Collection[int]) -> None:
    """Set the list's filter widgets from a drill-down URL, once per URL (then the user may change them)."""
    params = st.query_params.to_dict()
    drill = case_filters(params)
    if drill is None or st.session_state.get(MARKER) == params:
        return
    st.session_state[MARKER] = params
    ignored = []
    org_id = drill.org_id if drill.org_id is not None else actor.org_id
    if org_id not in org_ids:
        ignored.append("org")  # outside the user's scope: the list shows their own scope instead
        org_id = actor.org_id
    if drill.category_id is not None and drill.category_id not in category_ids:
        ignored.append("cat")
    dated = drill.date_from is not None and drill.date_to is not None
    state = {
        "cases_search": "",
        "cases_status": list(drill.statuses),
        "cases_org": org_id,
        "cases_exact": drill.org_exact and "org" not in ignored,
        "cases_category": drill.category_id if "cat" not in ignored else None,
        "cases_source": drill.source,
        "cases_assignee": None,
        "cases_period": "custom" if dated else "all",
        "cases_custom": (drill.date_from, drill.date_to) if dated else default_range(),
        "cases_due": "any",
        "cases_page": 1,
    }
    for key, value in state.items():
        if value is None:
            st.session_state.pop(key, None)  # the picker's first option, "all"
        else:
            st.session_state[key] = value
    if ignored:
        st.warning(t("kpi.params_ignored", names=", ".join(ignored)))


def default_range() -> tuple[date, date]:
    today = clock.today()
    return today - timedelta(days=30), today


def forget() -> None:
    """Called by the KPI pages: the next drill-down applies even if it is the same as the last one."""
    st.session_state.pop(MARKER, None)
