"""The pages draw Vega-Lite specs from per-builder templates: for every builder with every option the pages use,
the template with a frame's data swapped in is exactly the spec Altair builds from that frame, and the schema
accepts it (same marks, same selections, same data)."""

from __future__ import annotations

import json
import re
from contextlib import nullcontext
from typing import Any

import altair as alt
import pandas as pd
import pyarrow as pa
import pytest
from streamlit import dataframe_util
from streamlit.util import calc_hash

from portal.widgets import vega

UNITS = pd.DataFrame(
    {"unit": ["郑家台社区（本级）", "詹家拐子社区"], "count": [3, 0], "unit_id": [2, 5], "exact": [True, False]}
)
TREND = pd.DataFrame(
    {
        "start": ["2026-04-01", "2026-04-06"],
        "span": ["2026-04-01 – 2026-04-05", "2026-04-06 – 2026-04-10"],
        "count": [1, 2],
        "previous": [0, None],
    }
)
HEAT = pd.DataFrame(
    {
        "unit": ["a", "a"],
        "category": ["环境卫生", "矛盾纠纷"],
        "count": [4, 1],
        "unit_id": [1, 1],
        "category_id": [1, 2],
    }
)
TARGET = pd.DataFrame({"kind": ["应急演练", "宣传"], "done": [4, 3], "target": [6, None], "code": ["d", "p"]})
CASES: list[tuple[str, pd.DataFrame, dict[str, Any]]] = [
    ("count_bars", UNITS, {"category": "unit", "value": "count", "title": "各单位", "sort": None}),
    (
        "count_bars",
        UNITS,
        {"category": "unit", "value": "count", "title": "各单位", "selection": "pick_unit", "select_field": "unit_id"},
    ),
    ("trend_lines", TREND, {"title": "趋势", "current": "本期", "previous": "上期", "selection": "pick_span"}),
    ("heat_map", HEAT, {"title": "热力图", "selection": "pick_cell"}),
    ("against_target", TARGET, {"item": "kind", "done": "done", "target": "target", "title": "目标"}),
    (
        "against_target",
        TARGET,
        {
            "item": "kind",
            "done": "done",
            "target": "target",
            "title": "目标",
            "selection": "pick_year",
            "select_field": "code",
        },
    ),
]


def altairs_spec(chart: alt.TopLevelMixin, *, validate: bool = False) -> dict[str, Any]:
    """Altair's own Vega-Lite spec of the chart, each frame as named Arrow bytes (as `st.altair_chart` sends it)."""
    datasets: dict[str, bytes] = {}

    def to_arrow(data: Any) -> dict[str, str]:
        payload = dataframe_util.convert_anything_to_arrow_bytes(data)
        name = calc_hash(payload)
        datasets[name] = payload
        return {"name": name}

    with vega._ALTAIR_GLOBALS:
        alt.data_transformers.register("portal_arrow", to_arrow)  # this call's datasets: under the lock too
        theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()  # as Streamlit does
        with theme, alt.data_transformers.enable("portal_arrow"):
            spec = chart.to_dict(validate=validate)
    spec["datasets"] = datasets
    return spec


HEAT_OTHER = HEAT.assign(count=[1, 9])  # another largest count: the white-on-dark labels follow the data


def _views_renamed(spec: dict[str, Any]) -> str:
    """The spec as text with Altair's view names (a hash of each layer's data) numbered in order of appearance."""
    text = json.dumps(spec, ensure_ascii=False, sort_keys=True, default=repr)
    names: dict[str, str] = {}
    return re.sub(r"view_[0-9a-f]{16}_\d+", lambda m: names.setdefault(m.group(0), f"view{len(names)}"), text)


@pytest.mark.parametrize(("builder", "data", "options"), [*CASES, ("heat_map", HEAT_OTHER, {"title": "热力图"})])
def test_the_template_spec_is_altairs_spec_of_the_data(
    builder: str, data: pd.DataFrame, options: dict[str, Any]
) -> None:
    checked = altairs_spec(vega.BUILDERS[builder](data, **options), validate=True)  # raises on an invalid spec
    drawn = vega.chart_spec(builder, data, **options)
    assert _views_renamed(drawn) == _views_renamed(checked)
    (name, payload), *_ = drawn["datasets"].items()
    assert drawn["data"] == {"name": name}
    assert pa.ipc.open_stream(payload).read_pandas().astype(str).equals(data.astype(str))
    if "selection" in options:
        assert options["selection"] in {p["name"] for p in drawn.get("params", [])}


def test_a_template_is_built_once_and_each_render_brings_its_own_data() -> None:
    options = {"category": "unit", "value": "count", "title": "x"}
    vega.chart_spec("count_bars", UNITS, **options)
    built = vega._template.cache_info().misses
    first = vega.chart_spec("count_bars", UNITS, **options)
    second = vega.chart_spec("count_bars", UNITS.assign(count=[4, 0]), **options)
    assert vega._template.cache_info().misses == built
    assert first["datasets"].keys() != second["datasets"].keys()
    assert {k: v for k, v in first.items() if k not in ("data", "datasets")} == {
        k: v for k, v in second.items() if k not in ("data", "datasets")
    }
    assert vega.chart_spec("count_bars", UNITS.copy(), **options) == first
    retitled = vega.chart_spec("count_bars", UNITS, **(options | {"title": "各单位"}))
    assert "各单位" in json.dumps(retitled, ensure_ascii=False, default=repr)  # one template per set of options


@pytest.mark.parametrize(("builder", "data", "options"), CASES)
def test_named_columns_draw_the_same_chart_as_their_frame(
    builder: str, data: pd.DataFrame, options: dict[str, Any]
) -> None:
    table = {name: [None if pd.isna(v) else v for v in data[name]] for name in data.columns}
    from_frame, from_columns = vega.chart_spec(builder, data, **options), vega.chart_spec(builder, table, **options)
    assert {k: v for k, v in from_columns.items() if k not in ("data", "datasets")} == {
        k: v for k, v in from_frame.items() if k not in ("data", "datasets")
    }
    (name, payload), *_ = from_columns["datasets"].items()
    assert from_columns["data"] == {"name": name}
    decoded = pa.ipc.open_stream(payload).read_pandas()
    assert list(decoded.columns) == list(data.columns)
    assert decoded.astype(str).equals(data.astype(str))
