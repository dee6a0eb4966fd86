"""The KPI pages' filters, kept in the page URL (`st.query_params`) so a view can be bookmarked or forwarded."""

from __future__ import annotations

from datetime import date

import streamlit as st

from db.models import OrgKind
from db.session import session_scope
from portal import clock, periods, ui
from portal.i18n import label, t
from portal.kpi_links import KPI_PERIODS, SOURCES, KpiView, read_view, view_params
from portal.services import cases, orgs
from portal.services.actor import Actor
from portal.widgets import case_drill

PREFIX = "kpi_"


@st.cache_data(ttl=300, show_spinner=False, hash_funcs=ui.CACHE_KEYS)
def unit_options(actor: Actor, kinds: tuple[str, ...]) -> list[tuple[int, str]]:
    """The nodes of the actor's scope a page offers (all of them, or only communities)."""
    with session_scope() as session:
        return [(n.id or 0, n.name) for n in orgs.visible_nodes(session=session, actor=actor) if n.kind in kinds]


@st.cache_data(ttl=300, show_spinner=False, hash_funcs=ui.CACHE_KEYS)
def category_options() -> list[tuple[int, str]]:
    with session_scope() as session:
        return [(c.id or 0, c.name) for c in cases.categories(session=session, active_only=False)]


def _seed_widgets(view: KpiView, default_org: int) -> None:
    """Start each widget at the URL's value, once: afterwards the widgets own the state and write the URL."""
    values = {
        "period": view.period,
        "custom": view.custom or (clock.today().replace(day=1), clock.today()),
        "org": view.org_id if view.org_id is not None else default_org,
        "source": view.source,
        "category": view.category_id,
        "grain": view.grain,
    }
    for name, value in values.items():
        if value is not None:  # None is each picker's first option ("all"): left to the widget's default
            st.session_state.setdefault(PREFIX + name, value)


def pick(actor: Actor, *, communities_only: bool = False, case_filters: bool = True) -> KpiView | None:
    """Draw the filters; returns the chosen view (None when the page has no unit to show this user).

    `case_filters=False` leaves out source and category (pages that count no cases: the safety page)."""
    kinds = (OrgKind.COMMUNITY.value,) if communities_only else tuple(k.value for k in OrgKind)
    units = unit_options(actor, kinds)
    if not units:
        st.info(t("kpi.no_community"))
        return None
    categories = category_options()
    today = clock.today()
    case_drill.forget()
    if PREFIX + "period" not in st.session_state:  # first run of this page in the session: the URL decides
        view, ignored = read_view(
            st.query_params.to_dict(), orgs={u for u, _ in units}, categories={c for c, _ in categories}, today=today
        )
        _seed_widgets(view, units[0][0])
        if ignored:
            st.warning(t("kpi.params_ignored", names=", ".join(ignored)))

    unit_names, category_names = dict(units), dict(categories)
    columns = st.columns(4 if case_filters else 2)
    first, second = columns[:2]
    period = first.selectbox(
        t("filter.period"), KPI_PERIODS, format_func=lambda p: t(f"period.{p}"), key=PREFIX + "period"
    )
    custom: tuple[date, date] | None = None
    if period == "custom":
        picked = first.date_input(t("filter.custom_range"), key=PREFIX + "custom")
        if isinstance(picked, tuple) and len(picked) == 2:
            custom = (picked[0], picked[1])
        else:  # the second day is not picked yet: one day
            day = picked[0] if isinstance(picked, tuple) and picked else today
            custom = (day, day) if isinstance(day, date) else (today, today)
    org_id = second.selectbox(
        t("filter.community") if communities_only else t("filter.unit"),
        [u for u, _ in units],
        format_func=lambda u: unit_names.get(u, str(u)),
        key=PREFIX + "org",
    )
    source, category_id = None, None
    if case_filters:
        source = columns[2].selectbox(
            t("filter.source"),
            [None, *SOURCES],
            format_func=lambda s: t("filter.all") if s is None else label("source", s),
            key=PREFIX + "source",
        )
        category_id = columns[3].selectbox(
            t("filter.category"),
            [None, *category_names],
            format_func=lambda c: t("filter.all") if c is None else category_names[c],
            key=PREFIX + "category",
        )
    grain = st.session_state.get(PREFIX + "grain")
    view = KpiView(
        period=period,
        custom=custom,
        org_id=org_id,
        source=source,
        category_id=category_id,
        grain=grain if grain in periods.GRAINS else None,
    )
    st.query_params.from_dict(view_params(view))
    return view
