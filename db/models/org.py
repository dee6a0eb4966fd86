"""The org tree: sub-district → communities → grids."""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Field, SQLModel


class OrgKind(StrEnum):
    SUBDISTRICT = "subdistrict"
    COMMUNITY = "community"
    GRID = "grid"


class OrgNode(SQLModel, table=True):
    """One node of the tree; users and records are bound to a node and see what is below it."""

    __tablename__ = "org_node"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="org_node.id", index=True)
    sort_order: int = 0
    active: bool = True
