"""A record of every notification, claimed before it is sent so that a retry never sends twice."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime


class NotificationStatus(StrEnum):
    CLAIMED = "claimed"  # row written, email not yet accepted by the server
    SENT = "sent"
    RETRY = "retry"  # transient failure (4xx, timeout): the next run may claim it again
    FAILED = "failed"  # permanent failure, shown on the Jobs page


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("kind", "target", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    target: str = Field(max_length=128)
    day: date
    recipient: str = Field(max_length=254)
    recipient_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    subject: str = Field(max_length=300)
    status: str = Field(max_length=16, index=True)
    attempts: int = 0
    error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SubscriptionTopic(StrEnum):
    WEEKLY_SUMMARY = "weekly_summary"
    OVERDUE_REMINDERS = "overdue_reminders"
    ACTIVITY_REMINDERS = "activity_reminders"


class Subscription(SQLModel, table=True):
    """Who receives which email (weekly summary, reminders); edited by admins."""

    __tablename__ = "subscription"
    __table_args__ = (UniqueConstraint("user_id", "topic"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    topic: str = Field(max_length=32)
    active: bool = True
