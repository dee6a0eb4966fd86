"""Drill, training and publicity logs, their corrective actions, and the annual targets they are counted against."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime


class ActivityKind(StrEnum):
    EMERGENCY_DRILL = "emergency_drill"  # 应急演练
    JOINT_RESCUE_DRILL = "joint_rescue_drill"  # 联合应急救援演练
    SAFETY_TRAINING = "safety_training"  # 安全生产知识集中培训
    PUBLICITY = "publicity"  # 安全生产“五进”宣传


class VenueType(StrEnum):
    """Where a "five-into" publicity event went (进企业、进农村、进社区、进学校、进家庭)."""

    ENTERPRISE = "enterprise"
    RURAL = "rural"
    COMMUNITY = "community"
    SCHOOL = "school"
    FAMILY = "family"


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Activity(SQLModel, table=True):
    __tablename__ = "activity"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    title: str = Field(max_length=200)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # None on rows logged before 0005
    held_on: date = Field(index=True)  # office-local day of starts_at
    org_id: int = Field(foreign_key="org_node.id", index=True)
    organiser: str = Field(max_length=100)
    organiser_id: int | None = Field(default=None, foreign_key="app_user.id")  # the person reminded beforehand
    partner_units: str | None = Field(default=None, max_length=500)
    location: str = Field(max_length=200)
    venue_type: str | None = Field(default=None, max_length=16)  # publicity only
    participants: int = Field(default=0, ge=0, le=100_000)
    hours: float | None = Field(default=None, ge=0, le=1000)
    topic: str | None = Field(default=None, max_length=2000, sa_type=Text)  # scenario (drills) or topic
    findings: str | None = Field(default=None, max_length=2000, sa_type=Text)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # soft delete: kept for the audit log


class CorrectiveAction(SQLModel, table=True):
    """A follow-up an activity found necessary (整改措施): an owner, a due day, a status; reminded when late."""

    __tablename__ = "corrective_action"
    __table_args__ = (Index("ix_corrective_action_status_due", "status", "due_on"),)

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    org_id: int = Field(foreign_key="org_node.id", index=True)  # the activity's unit: the scope it is seen in
    description: str = Field(max_length=500)
    owner_id: int = Field(foreign_key="app_user.id")
    due_on: date
    status: str = Field(max_length=16)
    done_on: date | None = None
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Target(SQLModel, table=True):
    """An annual target for one KPI at one org node (e.g. 2026, emergency_drill, the sub-district, 4)."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("year", "kpi", "org_id"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(ge=2000, le=2100)
    kpi: str = Field(max_length=64)
    org_id: int = Field(foreign_key="org_node.id")
    value: float = Field(ge=0, le=1_000_000)
