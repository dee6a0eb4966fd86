"""Users, their roles and their login sessions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime


class Role(StrEnum):
    LEADER = "leader"
    STAFF = "staff"
    GRID_WORKER = "grid_worker"
    ADMIN = "admin"


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=64)
    email: str | None = Field(default=None, max_length=254)
    role: str = Field(max_length=16)
    org_id: int = Field(foreign_key="org_node.id", index=True)
    password_hash: str = Field(max_length=100)
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginSession(SQLModel, table=True):
    """One login through the form. The browser's cookie names it; logout revokes it server-side."""

    __tablename__ = "login_session"
    __table_args__ = (UniqueConstraint("user_id", "token_key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    # The authenticator's JWT carries only username and expiry time; the expiry (to the
    # microsecond) identifies the login it was issued for.
    token_key: str = Field(max_length=40)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
