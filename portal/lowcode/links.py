"""A generated list's filters in its URL: `/<kind>?starts_at=2026-04-01..2026-04-05&org_id=3&view=overdue&within=2`.

Other pages link to exactly a subset of a kind's records this way (the safety KPI page's charts do). Each declared
filter is a parameter named after its field (a day range as `from..to`, yes/no as 1/0), `view` one of the kind's
views, `within` an org node whose records and those below it are listed. The URL only sets the list's widgets,
once per URL; the services still decide what the user may see.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import streamlit as st

from db.session import session_scope
from portal.i18n import t
from portal.lowcode.declare import RecordKind
from portal.services.actor import Actor
from portal.services.orgs import visible_nodes

MARKER = "lc_url_applied"  # (kind, params) last applied; a page linking here forgets it, so a new click applies


def list_params(
    filters: Mapping[str, Any] | None = None, *, view: str | None = None, within: int | None = None
) -> dict[str, str]:
    """The query parameters of a list showing exactly these filters, view and org subtree."""
    params: dict[str, str] = {}
    for name, value in (filters or {}).items():
        if isinstance(value, tuple):
            params[name] = f"{value[0].isoformat() if value[0] else ''}..{value[1].isoformat() if value[1] else ''}"
        elif isinstance(value, bool):
            params[name] = "1" if value else "0"
        elif value is not None:
            params[name] = str(value)
    if view:
        params["view"] = view
    if within is not None:
        params["within"] = str(within)
    return params


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def read_params(
    kind: RecordKind, params: Mapping[str, str], options: Mapping[str, list[tuple[Any, str]]]
) -> dict[str, Any]:
    """The widget values a URL asks for (filters by name, `view`); values the list does not offer are dropped."""
    found: dict[str, Any] = {}
    for name in kind.filters:
        text = params.get(name)
        if text is None:
            continue
        widget = kind.widget(name)
        if widget in ("date", "datetime"):
            first, _, last = text.partition("..")
            start, end = _day(first), _day(last or first)
            if start and end:
                found[name] = (min(start, end), max(start, end))
        elif widget == "checkbox":
            found[name] = {"1": True, "0": False}.get(text)
        else:
            found[name] = next((value for value, _ in options.get(name, []) if str(value) == text), None)
    if params.get("view") in kind.views:
        found["view"] = params["view"]
    return {name: value for name, value in found.items() if value is not None}


def within(params: Mapping[str, str]) -> int | None:
    text = params.get("within", "")
    return int(text) if text.isdigit() else None


def apply(kind: RecordKind, options: Mapping[str, list[tuple[Any, str]]]) -> None:
    """Start the list's widgets at the URL's values, once per URL (then the user may change them)."""
    params = st.query_params.to_dict()
    wanted = read_params(kind, params, options)
    if not wanted or st.session_state.get(MARKER) == (kind.key, params):
        return
    st.session_state[MARKER] = (kind.key, params)
    prefix = f"lc_{kind.key}"
    for name in kind.filters:
        st.session_state.pop(f"{prefix}_f_{name}", None)  # "all", unless the URL says otherwise
    for key in (f"{prefix}_search", f"{prefix}_page", f"{prefix}_view"):
        st.session_state.pop(key, None)
    for name, value in wanted.items():
        st.session_state[f"{prefix}_view" if name == "view" else f"{prefix}_f_{name}"] = value


def within_note(node: int, actor: Actor | None) -> None:
    """Say that the list is narrowed to a unit (named only if the user may see it), with a button to widen it."""
    with session_scope() as session:
        names = {n.id: n.name for n in visible_nodes(session=session, actor=actor)} if actor else {}
    left, right = st.columns([4, 1])
    left.caption(t("records.within", unit=names.get(node, f"#{node}")))
    if right.button(t("records.within_clear"), key="lc_within_clear"):
        del st.query_params["within"]
        st.rerun()


def forget() -> None:
    """Called by a page that links to lists: its next link applies even if it is the same as the last one."""
    st.session_state.pop(MARKER, None)
