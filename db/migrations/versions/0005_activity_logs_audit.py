"""Activity logs in full (end time, hours, topic, findings, venue, soft delete, version), corrective actions,
the low-code audit log, attachments, email subscriptions.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("deleted_at", db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["app_user.id"], name=op.f("fk_attachment_uploaded_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index("ix_attachment_kind_record", ["kind", "record_id"], unique=False)

    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", db.types.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"], name=op.f("fk_audit_entry_actor_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_entry_kind_record", ["kind", "record_id"], unique=False)

    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_subscription_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription")),
        sa.UniqueConstraint("user_id", "topic", name=op.f("uq_subscription_user_id_topic")),
    )
    op.create_table(
        "corrective_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("fk_corrective_action_activity_id_activity")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_corrective_action_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["org_node.id"], name=op.f("fk_corrective_action_org_id_org_node")),
        sa.ForeignKeyConstraint(["owner_id"], ["app_user.id"], name=op.f("fk_corrective_action_owner_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_action")),
    )
    with op.batch_alter_table("corrective_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_corrective_action_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_corrective_action_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_corrective_action_status_due", ["status", "due_on"], unique=False)

    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ends_at", db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("organiser_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("venue_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column("hours", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("topic", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("findings", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")))
        batch_op.add_column(sa.Column("deleted_at", db.types.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_activity_organiser_id_app_user"), "app_user", ["organiser_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_activity_organiser_id_app_user"), type_="foreignkey")
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("version")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("findings")
        batch_op.drop_column("topic")
        batch_op.drop_column("hours")
        batch_op.drop_column("venue_type")
        batch_op.drop_column("organiser_id")
        batch_op.drop_column("ends_at")

    with op.batch_alter_table("corrective_action", schema=None) as batch_op:
        batch_op.drop_index("ix_corrective_action_status_due")
        batch_op.drop_index(batch_op.f("ix_corrective_action_org_id"))
        batch_op.drop_index(batch_op.f("ix_corrective_action_activity_id"))

    op.drop_table("corrective_action")
    op.drop_table("subscription")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_kind_record")
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))

    op.drop_table("audit_entry")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index("ix_attachment_kind_record")

    op.drop_table("attachment")
