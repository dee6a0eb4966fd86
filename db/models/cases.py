"""Cases (事件/诉求), their categories and their append-only history."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime


class CaseSource(StrEnum):
    XIAOLAN = "xiaolan"  # 小兰公诉平台
    LONGQING = "longqing"  # 陇情e通 patrol report
    PATROL = "patrol"  # grid patrol
    HOTLINE = "hotline"  # 12345 hotline
    WALK_IN = "walk_in"  # 来访


class CaseStatus(StrEnum):
    RECEIVED = "received"  # reported, waiting to be accepted
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"  # given to a handler: the SLA clock starts here
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"  # handled; waiting for the follow-up visit
    CLOSED = "closed"  # concluded, with a close reason (and, after a resolution, the resident's satisfaction)
    REJECTED = "rejected"  # not accepted at intake, with a reason


OPEN_STATUSES = (CaseStatus.RECEIVED, CaseStatus.ACCEPTED, CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS)
# 办结 (concluded): handling is over, whether or not the problem was solved.
DONE_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED)


class CloseReason(StrEnum):
    RESOLVED = "resolved"
    NOT_OUR_RESPONSIBILITY = "not_our_responsibility"  # returned, with the reason
    DUPLICATE = "duplicate"  # linked to the original case
    NO_ACTION_NEEDED = "no_action_needed"
    REFERRED_TO_COURT = "referred_to_court"
    OUTSTANDING = "outstanding"  # 挂账: kept on the outstanding register


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


class CaseLevel(StrEnum):
    GRID = "grid"
    COMMUNITY = "community"
    SUBDISTRICT = "subdistrict"


class Category(SQLModel, table=True):
    __tablename__ = "category"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=32, unique=True)
    name_en: str = Field(max_length=64)
    sla_days: int = Field(default=7, ge=1)
    sort_order: int = 0
    active: bool = True


class Case(SQLModel, table=True):
    __tablename__ = "case_record"
    __table_args__ = (
        # KPI totals group a day range by org and category and count outcomes: covering (every column the
        # query reads), so the table itself is not read. A daily rollup is the next step at a million cases.
        Index(
            "ix_case_kpi",
            "org_id",
            "reported_on",
            "category_id",
            "status",
            "level",
            "resolved_at",
            "due_at",
            "satisfaction",
        ),
        Index("ix_case_day_source", "reported_on", "source"),
        # The list's order (newest first), for the whole sub-district and within a scope.
        Index("ix_case_reported", "reported_at", "id"),
        Index("ix_case_org_reported", "org_id", "reported_at", "id"),
        # "Overdue now" looks only at open cases by due time; the KPI filters' columns make its count index-only.
        Index("ix_case_open_due", "status", "due_at", "org_id", "category_id", "source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=40, unique=True)
    source: str = Field(max_length=16)
    category_id: int = Field(foreign_key="category.id", index=True)
    org_id: int = Field(foreign_key="org_node.id")
    reporter_name: str | None = Field(default=None, max_length=64)
    reporter_phone: str | None = Field(default=None, max_length=32)
    description: str = Field(sa_type=Text)
    reported_at: datetime = Field(sa_type=UTCDateTime)
    reported_on: date  # office-local day of reported_at, kept for day-range filters and grouping
    status: str = Field(max_length=16)
    level: str = Field(max_length=16)
    assignee_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # dispatched_at + the category's SLA days
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # set when solved; 解决率 counts these
    resolution: str | None = Field(default=None, sa_type=Text)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    close_reason: str | None = Field(default=None, max_length=32)
    duplicate_of_id: int | None = Field(default=None, foreign_key="case_record.id")
    satisfaction: str | None = Field(default=None, max_length=24)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    version: int = 1


class RoutingRule(SQLModel, table=True):
    """Who a case is dispatched to by default: the first active rule, by priority, matching its category
    (or any category) and an org node at or above the case's node."""

    __tablename__ = "routing_rule"

    id: int | None = Field(default=None, primary_key=True)
    priority: int = 100  # lower first
    category_id: int | None = Field(default=None, foreign_key="category.id")  # None: any category
    org_id: int = Field(foreign_key="org_node.id", index=True)  # applies to this node and below
    assignee_id: int = Field(foreign_key="app_user.id")
    active: bool = True


class CaseHistory(SQLModel, table=True):
    """Append-only: rows are inserted, never updated or deleted."""

    __tablename__ = "case_history"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case_record.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    action: str = Field(max_length=32)
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    note: str | None = Field(default=None, sa_type=Text)
