"""Compiled reports (the Reports page's list and the Monday email's source).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("period_label", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("job_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("headline", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"], name=op.f("fk_report_created_by_id_app_user")),
        sa.ForeignKeyConstraint(["scope_id"], ["org_node.id"], name=op.f("fk_report_scope_id_org_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_scope_id"), ["scope_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_status"))
        batch_op.drop_index(batch_op.f("ix_report_scope_id"))
        batch_op.drop_index(batch_op.f("ix_report_created_at"))
    op.drop_table("report")
