"""Altair chart builders: plain functions of plain data, shared by the KPI pages and (later) the email report."""

from __future__ import annotations

import altair as alt
import pandas as pd

# Colours that read on screen and in print; the first is the portal's accent.
ACCENT = "#1f6fb2"
TARGET = "#d9534f"
LABEL_LIMIT = 260  # pixels: long names such as 安全生产知识集中培训 must not be cut off


def count_bars(
    data: pd.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    selection: str | None = None,
    select_field: str | None = None,
    sort: str | None = "-x",
    fmt: str = ",",
) -> alt.Chart:
    """Horizontal bars (largest first unless `sort=None`), with the value written at the end of each bar.

    With `selection`, clicking a bar selects its `select_field` (default: the category; the drill-down hook for
    `on_select`).
    """
    base = alt.Chart(data, title=title).encode(
        y=alt.Y(f"{category}:N", sort=sort, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        x=alt.X(f"{value}:Q", title=None),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{value}:Q", format=fmt)],
    )
    bars = base.mark_bar(color=ACCENT)
    if selection:
        pick = alt.selection_point(name=selection, fields=[select_field or category])
        bars = bars.add_params(pick).encode(opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)))
    labels = base.mark_text(align="left", dx=3).encode(text=alt.Text(f"{value}:Q", format=fmt))
    return (bars + labels).properties(height=alt.Step(26))


def progress_against_target(data: pd.DataFrame, *, item: str, done: str, target: str, title: str) -> alt.Chart:
    """Bars for what was done, a red tick for the target (items without a target show no tick)."""
    base = alt.Chart(data, title=title).encode(
        y=alt.Y(f"{item}:N", title=None, sort=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    )
    bars = base.mark_bar(color=ACCENT).encode(
        x=alt.X(f"{done}:Q", title=None),
        tooltip=[alt.Tooltip(f"{item}:N"), alt.Tooltip(f"{done}:Q"), alt.Tooltip(f"{target}:Q")],
    )
    ticks = base.mark_tick(color=TARGET, thickness=3, size=22).encode(x=f"{target}:Q")
    return (bars + ticks).properties(height=alt.Step(30))


def trend_lines(
    data: pd.DataFrame, *, title: str, current: str, previous: str, selection: str | None = None
) -> alt.Chart:
    """Cases per day, week or month (`start`, `count`), the previous period's (`previous`) as a faint line.

    Rows need `start` (a date), `count`, `previous` (may be empty) and `span` (the bucket as text, for the
    tooltip and the drill-down). With `selection`, clicking a point selects its `span`.
    """
    base = alt.Chart(data, title=title).encode(x=alt.X("start:T", title=None))
    before = base.mark_line(color="#9aa5b1", strokeDash=[4, 3], opacity=0.7).encode(
        y=alt.Y("previous:Q", title=None), tooltip=[alt.Tooltip("span:N"), alt.Tooltip("previous:Q", title=previous)]
    )
    now = base.mark_line(color=ACCENT, point=alt.OverlayMarkDef(size=60, filled=True)).encode(
        y=alt.Y("count:Q", title=None), tooltip=[alt.Tooltip("span:N"), alt.Tooltip("count:Q", title=current)]
    )
    if selection:
        now = now.add_params(alt.selection_point(name=selection, fields=["span"], on="click"))
    return (before + now).properties(height=240)


def heat_map(data: pd.DataFrame, *, title: str, selection: str | None = None) -> alt.Chart:
    """Units down, categories across (`unit`, `category`, `count`), darker for more; counts written in the cells.

    With `selection`, clicking a cell selects its `unit_id` and `category_id`.
    """
    base = alt.Chart(data, title=title).encode(
        y=alt.Y("unit:N", sort=None, title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        x=alt.X("category:N", sort=None, title=None, axis=alt.Axis(labelAngle=0, labelLimit=120)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="blues"), legend=None),
        tooltip=[alt.Tooltip("unit:N"), alt.Tooltip("category:N"), alt.Tooltip("count:Q", format=",")],
    )
    if selection:
        cells = cells.add_params(alt.selection_point(name=selection, fields=["unit_id", "category_id"]))
    # White text on the dark half of the scale. The largest count comes from the data inside the spec (a
    # joinaggregate), so the spec depends on the columns only and pages can reuse it (portal/widgets/vega.py).
    labels = (
        base.mark_text(fontSize=11)
        .transform_joinaggregate(largest_count="max(count)")
        .encode(
            text=alt.Text("count:Q", format=","),
            color=alt.condition(alt.datum.count > alt.datum.largest_count / 2, alt.value("white"), alt.value("black")),
        )
    )
    return (cells + labels).properties(height=alt.Step(28))


def against_target(
    data: pd.DataFrame,
    *,
    item: str,
    done: str,
    target: str,
    title: str,
    selection: str | None = None,
    select_field: str | None = None,
) -> alt.Chart:
    """Bars for what was done this year, the annual target as a red rule across each bar (none without one).

    With `selection`, clicking a bar selects its `select_field` (default: the item)."""
    base = alt.Chart(data, title=title).encode(
        y=alt.Y(f"{item}:N", title=None, sort=None, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    )
    bars = base.mark_bar(color=ACCENT).encode(
        x=alt.X(f"{done}:Q", title=None),
        tooltip=[alt.Tooltip(f"{item}:N"), alt.Tooltip(f"{done}:Q"), alt.Tooltip(f"{target}:Q")],
    )
    if selection:
        bars = bars.add_params(alt.selection_point(name=selection, fields=[select_field or item]))
    rules = base.mark_rule(color=TARGET, strokeWidth=3).encode(x=f"{target}:Q")
    return (bars + rules).properties(height=alt.Step(30))
