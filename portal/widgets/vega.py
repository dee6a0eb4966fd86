"""Drawing the Altair charts of `portal.charts` cheaply: each builder's Vega-Lite spec is built once per process
(per options and columns) as a template, and each render only swaps its data in.

Why: building a chart with Altair costs 10–30 ms (a third of it the schema validation Altair does while the chart
is put together, whatever `to_dict(validate=...)` says), and `st.altair_chart` pays it again on every run; with
seven charts that was most of a KPI page's render. The builders draw every number from their data (none reads a
value out of the frame: `tests/widgets/test_vega.py` checks the template spec equals Altair's spec of the real
data, for every builder and option the pages use), so the spec of a frame is the template with the frame's Arrow
bytes as its one named dataset (what `st.altair_chart` sends, named by their hash as Altair names them).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from functools import lru_cache
from typing import Any

import altair as alt
import pandas as pd
import pyarrow as pa
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


TEMPLATE_DATA = "portal_template_data"  # the dataset name a template holds until a frame's data replaces it


def _template_data(data: Any) -> dict[str, str]:
    return {"name": TEMPLATE_DATA}


@lru_cache(maxsize=512)
def _template(builder: str, columns: tuple[str, ...], options: tuple[tuple[str, Any], ...]) -> str:
    """The JSON spec of `BUILDERS[builder]` drawn from an empty frame with these columns, its data set named
    TEMPLATE_DATA (options are the builder's keyword arguments: titles, fields, selections)."""
    empty = pd.DataFrame({name: [] for name in columns})
    with _ALTAIR_GLOBALS:
        theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()
        alt.data_transformers.register("portal_template", _template_data)
        with theme, alt.data_transformers.enable("portal_template"):
            spec = BUILDERS[builder](empty, **dict(options)).to_dict(validate=False)
    spec.pop("datasets", None)
    return json.dumps(spec, ensure_ascii=False)


def forget_templates() -> None:
    """Drop every built template (the benchmark's first-view-after-start figure)."""
    _template.cache_clear()


def arrow_bytes(data: pd.DataFrame | Mapping[str, list[Any]]) -> bytes:
    """A table as Arrow IPC stream bytes (what the chart element carries); named columns skip pandas."""
    if isinstance(data, pd.DataFrame):
        return dataframe_util.convert_anything_to_arrow_bytes(data)
    table = pa.table(dict(data))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def chart_spec(builder: str, data: pd.DataFrame | Mapping[str, list[Any]], **options: Any) -> dict[str, Any]:
    """The spec of `BUILDERS[builder](data, **options)`, from the builder's template and the data's Arrow bytes
    (`data`: a frame, or named columns as `portal.kpi_frames.columns` gives them)."""
    payload = arrow_bytes(data)
    name = calc_hash(payload)
    names = data.columns if isinstance(data, pd.DataFrame) else data.keys()
    template = _template(builder, tuple(str(c) for c in names), tuple(sorted(options.items())))
    spec: dict[str, Any] = json.loads(template.replace(json.dumps(TEMPLATE_DATA), json.dumps(name)))
    spec["datasets"] = {name: payload}
    return spec


def picked(event: Any, name: str) -> dict[str, Any] | None:
    """The first point of a chart's named selection, if the user clicked one."""
    selection = getattr(event, "selection", None) or {}
    points = selection.get(name) if hasattr(selection, "get") else None
    if isinstance(points, list) and points and isinstance(points[0], dict):
        return points[0]
    return None


def show(
    builder: str,
    data: pd.DataFrame | Mapping[str, list[Any]],
    *,
    key: str,
    selection: str | None = None,
    where: Any = st,
    **options: Any,
) -> dict[str, Any] | None:
    """Draw one chart (full width of `where`); with `selection`, return the point the user clicked, if any."""
    if selection is not None:
        options["selection"] = selection
    spec = chart_spec(builder, data, **options)
    if selection is None:
        where.vega_lite_chart(spec, width="stretch", key=key)
        return None
    event = where.vega_lite_chart(spec, width="stretch", key=key, on_select="rerun", selection_mode=[selection])
    return picked(event, selection)
