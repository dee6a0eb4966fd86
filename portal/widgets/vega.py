"""Drawing the Altair charts of `portal.charts` cheaply: each chart's Vega-Lite spec is built once per distinct
data and drawn with `st.vega_lite_chart`.

Why: `st.altair_chart` rebuilds and re-validates every spec on every run (about 20 ms a chart here: half of it
jsonschema validation), which was most of a KPI page's render once its figures came from the cache. The builders
are tested against the schema (tests/widgets/test_vega.py), so the page skips validation; the spec, with its data
as Arrow bytes (what `st.altair_chart` sends), is cached by the builder, its options and the frame's content.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit import dataframe_util
from streamlit.util import calc_hash

from portal import charts

BUILDERS: dict[str, Callable[..., alt.TopLevelMixin]] = {
    "count_bars": charts.count_bars,
    "trend_lines": charts.trend_lines,
    "heat_map": charts.heat_map,
    "against_target": charts.against_target,
}
_ALTAIR_GLOBALS = threading.Lock()  # Altair's theme and data transformer are process-wide settings


def to_spec(chart: alt.TopLevelMixin, *, validate: bool = False) -> dict[str, Any]:
    """The chart's Vega-Lite spec with each data frame as named Arrow bytes, as `st.altair_chart` would send it."""
    datasets: dict[str, bytes] = {}

    def to_arrow(data: Any) -> dict[str, str]:
        payload = dataframe_util.convert_anything_to_arrow_bytes(data)
        name = calc_hash(payload)
        datasets[name] = payload
        return {"name": name}

    with _ALTAIR_GLOBALS:
        alt.data_transformers.register("portal_arrow", to_arrow)  # this call's datasets: under the lock too
        theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()  # as Streamlit does
        with theme, alt.data_transformers.enable("portal_arrow"):
            spec = chart.to_dict(validate=validate)
    spec["datasets"] = datasets
    return spec


@st.cache_data(ttl=3600, max_entries=1000, show_spinner=False)
def cached_spec(builder: str, data: pd.DataFrame, **options: Any) -> dict[str, Any]:
    """The spec of `BUILDERS[builder](data, **options)`, built once per distinct data and options."""
    return to_spec(BUILDERS[builder](data, **options))


def picked(event: Any, name: str) -> dict[str, Any] | None:
    """The first point of a chart's named selection, if the user clicked one."""
    selection = getattr(event, "selection", None) or {}
    points = selection.get(name) if hasattr(selection, "get") else None
    if isinstance(points, list) and points and isinstance(points[0], dict):
        return points[0]
    return None


def show(
    builder: str, data: pd.DataFrame, *, key: str, selection: str | None = None, where: Any = st, **options: Any
) -> dict[str, Any] | None:
    """Draw one chart (full width of `where`); with `selection`, return the point the user clicked, if any."""
    if selection is not None:
        options["selection"] = selection
    spec = cached_spec(builder, data, **options)
    if selection is None:
        where.vega_lite_chart(spec, width="stretch", key=key)
        return None
    event = where.vega_lite_chart(spec, width="stretch", key=key, on_select="rerun", selection_mode=[selection])
    return picked(event, selection)
