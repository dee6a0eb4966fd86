"""Compiled reports: what was compiled (scope, period, filters), by whom, when, and where its files are."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime


class ReportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Report(SQLModel, table=True):
    __tablename__ = "report"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # weekly (the Monday email) | on_demand
    scope_id: int = Field(foreign_key="org_node.id", index=True)
    period_label: str = Field(max_length=32)  # 2026-W47, 2026-11, 2026-11-01..2026-11-15
    start: date
    end: date
    filters: dict[str, str] = Field(default_factory=dict, sa_type=JSON)  # source / category codes, when set
    status: str = Field(default=ReportStatus.QUEUED.value, max_length=16, index=True)
    progress: int = 0  # percent, for the Reports page while a worker compiles
    job_id: str | None = Field(default=None, max_length=64)
    files: dict[str, str] = Field(default_factory=dict, sa_type=JSON)  # format -> path under <data dir>/reports
    headline: dict[str, float | None] = Field(default_factory=dict, sa_type=JSON)  # figures, for the list
    error: str | None = Field(default=None, sa_type=Text)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")  # None: the schedule
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
