"""The daily case rollup behind the KPI pages: one row per (source, day, org node, category) with counts.

Kept current by the services that write cases (`portal.services.case_rollup`); the case table itself is read
only for drill-down lists and for "overdue now". Each case counts twice: under its source and under
`ALL_SOURCES`, so the unfiltered pages (the usual view) read a third as many rows.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

ALL_SOURCES = ""


class CaseDaily(SQLModel, table=True):
    __tablename__ = "case_daily"
    # SQLite: the rows live in the primary key's order, so a day range is one contiguous read.
    __table_args__ = {"sqlite_with_rowid": False}

    source: str = Field(max_length=16, primary_key=True)  # ALL_SOURCES: every source together
    day: date = Field(primary_key=True)  # the office-local day the cases were reported
    org_id: int = Field(primary_key=True)  # the node the cases are placed at (not its subtree)
    category_id: int = Field(primary_key=True)
    total: int = 0
    status_received: int = 0  # cases now in each workflow status
    status_accepted: int = 0
    status_dispatched: int = 0
    status_in_progress: int = 0
    status_resolved: int = 0
    status_closed: int = 0
    status_rejected: int = 0
    solved: int = 0  # a resolution was recorded (resolved_at set): 解决
    closed_at_grid: int = 0  # closed while handled at the grid level
    timed: int = 0  # solved and had a due time ...
    on_time: int = 0  # ... and were solved by it
    rated: int = 0  # a follow-up visit recorded satisfaction ...
    satisfied: int = 0  # ... satisfied or basically satisfied
    handling_seconds: int = Field(default=0, sa_type=BigInteger)  # reported -> resolved, summed over solved cases
