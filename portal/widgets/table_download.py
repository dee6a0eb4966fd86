"""Any table on a page as an XLSX download, made only when its button is clicked.

Text cells are spreadsheet-safe as in every workbook the portal writes (portal/spreadsheet.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pandas as pd
import streamlit as st

from portal import clock, ui
from portal.i18n import t
from portal.spreadsheet import MEDIA_TYPE, sheet_name, text_cell


def xlsx(frame: pd.DataFrame, sheet: str) -> bytes:
    """One sheet: the frame's column names as the header row, then its rows as shown."""
    from openpyxl import Workbook  # slow to import: only when a file is asked for
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(sheet_name(sheet, set()))

    def cell(value: Any) -> Any:
        if value is None or (not isinstance(value, str | list | tuple) and pd.isna(value)):
            return None
        if hasattr(value, "item"):  # numpy scalars
            value = value.item()
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, datetime) and value.tzinfo is not None:  # Excel has no time zones: office time
            return value.astimezone(clock.local_tz()).replace(tzinfo=None)
        if isinstance(value, bool | int | float | date):
            return value
        return text_cell(ws, str(value))

    columns = [str(c) for c in frame.columns]
    for index, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(10, min(40, 2 * len(name) + 4))
    ws.append([cell(c) for c in columns])
    for row in frame.itertuples(index=False, name=None):
        ws.append([cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def maker(frame: pd.DataFrame | Callable[[], pd.DataFrame], sheet: str) -> Callable[[], bytes]:
    """A zero-argument function giving the file: what the download button calls on click (`frame` may itself
    be a function, so a table only the file needs is not made on every run either)."""
    return lambda: xlsx(frame() if callable(frame) else frame, sheet)


def button(
    frame: pd.DataFrame | Callable[[], pd.DataFrame], *, title: str, name: str, key: str, where: Any = st
) -> None:
    """An XLSX download button for `frame` (the table exactly as the page shows it); `name` starts the file name."""
    where.download_button(
        t("table.download_xlsx"),
        data=maker(frame, title),
        file_name=f"{name}-{clock.today():%Y%m%d}.xlsx",
        mime=MEDIA_TYPE,
        on_click="ignore",
        icon=":material/download:",
        key=key,
        help=t("table.download_help", title=title),
    )


def table(frame: pd.DataFrame, *, title: str, name: str, key: str, where: Any = st) -> None:
    """A table with its title and its XLSX download button."""
    where.markdown(f"**{ui.inert(title)}**")  # titles come from the catalogue, names inside them do not
    where.dataframe(frame, hide_index=True, width="stretch")
    button(frame, title=title, name=name, key=key, where=where)


Titled = tuple[str, str, pd.DataFrame]  # (file name, title, table)


def tables(found: list[Titled]) -> None:
    """Each table with its title and download button (keyed by its file name)."""
    for name, title, frame in found:
        table(frame, title=title, name=name, key=f"xlsx_{name}")


def folded(label: str, *, key: str, found: Callable[[], list[Titled]]) -> None:
    """Tables folded away in an expander that makes and draws them only while it is open: a closed one costs the
    page nothing (seven tables with their buttons were a fifth of a KPI page's run). `st.session_state[key]` is
    True while it is open."""
    with st.expander(label, key=key, on_change="rerun") as box:
        if box.open:
            tables(found())
