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
# The trend grain, one per kind of page: the safety page's natural grain differs from the case pages'.
CASE_GRAIN, SAFETY_GRAIN = PREFIX + "grain", PREFIX + "safety_grain"


@st.cache_data(ttl=300, show_spinner=False, hash_funcs=ui.CACHE_KEYS)
def unit_options(actor: Actor, kinds: tuple[str, ...]) -> list[tuple[int, str]]:
    """The nodes of the actor's scope a page offers (all of them, or only communities)."""
    with session_scope() as session:
        return [(n.id or 0, n.name) for n in orgs.visible_nodes(session=session, actor=actor) if n.kind in kinds]


@st.cache_data(ttl=300, show_spinner=False, hash_funcs=ui.CACHE_KEYS)
def category_options() -> list[tuple[int, str, bool]]:
    """(id, name, active) of every category: retired ones still have cases in past periods."""
    with session_scope() as session:
        return [(c.id or 0, c.name, c.active) for c in cases.categories(session=session, active_only=False)]


def _seed_widgets(view: KpiView, default_org: int, grain_key: str) -> None:
    """Start each widget at the URL's value, once: afterwards the widgets own the state and write the URL."""
    values = {
        "period": view.period,
        "custom": view.custom or (clock.today().replace(day=1), clock.today()),
        "org": view.org_id if view.org_id is not None else default_org,
        "source": view.source,
        "category": view.category_id,
    }
    for name, value in values.items():
        if value is not None:  # None is each picker's first option ("all"): left to the widget's default
            st.session_state.setdefault(PREFIX + name, value)
    if view.grain is not None:
        st.session_state.setdefault(grain_key, view.grain)


def pick(
    actor: Actor, *, communities_only: bool = False, case_filters: bool = True, grain_key: str = CASE_GRAIN
) -> KpiView | None:
    """Draw the filters; returns the chosen view (None when the page has no unit to show this user).

    `case_filters=False` leaves out source and category (pages that count no cases: the safety page);
    `grain_key` is the session key of the page's trend grain (drawn by `grain_control` under the charts)."""
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
            st.query_params.to_dict(), orgs={u for u, _ in units}, categories={c for c, *_ in categories}, today=today
        )
        _seed_widgets(view, units[0][0], grain_key)
        if ignored:
            st.warning(t("kpi.params_ignored", names=", ".join(ignored)))

    unit_names = dict(units)
    category_names = {c: ui.category_label(name, active) for c, name, active in categories}
    columns = st.columns(4 if case_filters else 2)
    first, second = columns[:2]
    period = first.selectbox(
        t("filter.period"), KPI_PERIODS, format_func=lambda p: t(f"period.{p}"), key=PREFIX + "period"
    )
    custom: tuple[date, date] | None = None
    if period == "custom":
        picked = first.date_input(
            t("filter.custom_range"), key=PREFIX + "custom", min_value=periods.FIRST_DAY, max_value=periods.LAST_DAY
        )
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
    dates = (period, custom)
    if st.session_state.get(grain_key + "_for", dates) != dates:
        st.session_state.pop(grain_key, None)  # another period: back to its natural grain (a year by day is noise)
    st.session_state[grain_key + "_for"] = dates
    grain = st.session_state.get(grain_key)
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


def grain_control(key: str, drawn: str) -> None:
    """The trend's grain picker (inside the live fragment), starting at the grain the figures were drawn at (the
    period's natural one). A pick goes into the page URL at once: picking reruns only the fragment, not `pick`.
    When the figures had to be drawn coarser than picked (too many points), the page says so."""

    def write_url() -> None:
        picked = st.session_state.get(key)
        if picked is None:  # the picked grain clicked off: the period's natural grain
            st.query_params.pop("grain", None)
        else:
            st.query_params["grain"] = picked

    if st.session_state.get(key) is None:
        st.session_state[key] = drawn
    st.segmented_control(
        t("kpi.grain"), periods.GRAINS, format_func=lambda g: t(f"kpi.grain.{g}"), key=key, on_change=write_url
    )
    if st.session_state[key] != drawn:
        st.caption(t("kpi.grain_coarsened", grain=t(f"kpi.grain.{drawn}").lower(), points=periods.MAX_POINTS))
