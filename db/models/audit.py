"""The audit log of records the low-code engine manages, and the files attached to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime


class AuditEntry(SQLModel, table=True):
    """Append-only: who did what to which record, when, with the fields it changed ({field: [before, after]})."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_kind_record", "kind", "record_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    actor_name: str = Field(max_length=64)
    kind: str = Field(max_length=32)  # the record kind's key (emergency_drill, category, ...)
    record_id: int
    action: str = Field(max_length=16)  # create, update, delete, import, attach, detach
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class Attachment(SQLModel, table=True):
    """A file (image or PDF) kept under the data dir, named by its content hash, attached to one record."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_kind_record", "kind", "record_id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    record_id: int
    filename: str = Field(max_length=200)
    media_type: str = Field(max_length=64)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    uploaded_at: datetime = Field(sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
