"""Drill, training and publicity logs, and the annual targets they are counted against."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime


class ActivityKind(StrEnum):
    EMERGENCY_DRILL = "emergency_drill"  # 应急演练
    JOINT_RESCUE_DRILL = "joint_rescue_drill"  # 联合应急救援演练
    SAFETY_TRAINING = "safety_training"  # 安全生产知识集中培训
    PUBLICITY = "publicity"  # 安全生产“五进”宣传


class Activity(SQLModel, table=True):
    __tablename__ = "activity"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    title: str = Field(max_length=200)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    held_on: date = Field(index=True)  # office-local day of starts_at
    org_id: int = Field(foreign_key="org_node.id", index=True)
    organiser: str = Field(max_length=100)
    partner_units: str | None = Field(default=None, max_length=500)
    location: str = Field(max_length=200)
    participants: int = Field(default=0, ge=0)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=UTCDateTime)


class Target(SQLModel, table=True):
    """An annual target for one KPI at one org node (e.g. 2026, emergency_drill, the sub-district, 4)."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("year", "kpi", "org_id"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    kpi: str = Field(max_length=64)
    org_id: int = Field(foreign_key="org_node.id")
    value: float
