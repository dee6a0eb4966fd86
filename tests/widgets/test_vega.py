"""The pages draw cached, unvalidated Vega-Lite specs: every builder with every option the pages use gives a spec
the schema accepts, and the unvalidated spec is the validated one (same marks, same selections, same data)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st

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


@pytest.mark.parametrize(("builder", "data", "options"), CASES)
def test_each_spec_is_valid_and_the_same_unvalidated(builder: str, data: pd.DataFrame, options: dict[str, Any]) -> None:
    chart = vega.BUILDERS[builder](data, **options)
    checked = vega.to_spec(chart, validate=True)  # raises on a spec the Vega-Lite schema refuses
    assert vega.to_spec(chart) == checked
    st.cache_data.clear()
    assert vega.cached_spec(builder, data, **options) == checked
    (name, payload), *_ = checked["datasets"].items()
    assert pa.ipc.open_stream(payload).read_pandas().astype(str).equals(data.astype(str))
    if "selection" in options:
        assert options["selection"] in {p["name"] for p in checked.get("params", [])}


def test_the_cache_follows_the_data() -> None:
    st.cache_data.clear()
    first = vega.cached_spec("count_bars", UNITS, category="unit", value="count", title="x")
    changed = UNITS.assign(count=[4, 0])
    second = vega.cached_spec("count_bars", changed, category="unit", value="count", title="x")
    assert first["datasets"] != second["datasets"]
    assert vega.cached_spec("count_bars", UNITS.copy(), category="unit", value="count", title="x") == first
