"""Altair chart builders: plain functions of plain data, shared by the KPI pages and (later) the email report."""

from __future__ import annotations

import altair as alt
import pandas as pd

# Colours that read on screen and in print; the first is the portal's accent.
ACCENT = "#1f6fb2"
TARGET = "#d9534f"
LABEL_LIMIT = 260  # pixels: long names such as 安全生产知识集中培训 must not be cut off


def count_bars(data: pd.DataFrame, *, category: str, value: str, title: str, selection: str | None = None) -> alt.Chart:
    """Horizontal bars, largest first, with the count written at the end of each bar.

    With `selection`, clicking a bar selects its category (the drill-down hook for `on_select`).
    """
    base = alt.Chart(data, title=title).encode(
        y=alt.Y(f"{category}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        x=alt.X(f"{value}:Q", title=None),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{value}:Q", format=",")],
    )
    bars = base.mark_bar(color=ACCENT)
    if selection:
        pick = alt.selection_point(name=selection, fields=[category])
        bars = bars.add_params(pick).encode(opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)))
    labels = base.mark_text(align="left", dx=3).encode(text=alt.Text(f"{value}:Q", format=","))
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
