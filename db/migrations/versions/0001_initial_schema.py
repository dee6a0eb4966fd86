"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sla_days", sa.Integer(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category")),
        sa.UniqueConstraint("code", name=op.f("uq_category_code")),
        sa.UniqueConstraint("name", name=op.f("uq_category_name")),
    )
    op.create_table(
        "org_node",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["org_node.id"], name=op.f("fk_org_node_parent_id_org_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_node")),
        sa.UniqueConstraint("code", name=op.f("uq_org_node_code")),
        sa.UniqueConstraint("name", name=op.f("uq_org_node_name")),
    )
    with op.batch_alter_table("org_node", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_node_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", db.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["org_node.id"], name=op.f("fk_app_user_org_id_org_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_user_org_id"), ["org_id"], unique=False)

    op.create_table(
        "target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kpi", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["org_node.id"], name=op.f("fk_target_org_id_org_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target")),
        sa.UniqueConstraint("year", "kpi", "org_id", name=op.f("uq_target_year_kpi_org_id")),
    )
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("starts_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("organiser", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("partner_units", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"], name=op.f("fk_activity_created_by_id_app_user")),
        sa.ForeignKeyConstraint(["org_id"], ["org_node.id"], name=op.f("fk_activity_org_id_org_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_held_on"), ["held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_org_id"), ["org_id"], unique=False)

    op.create_table(
        "case_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("reporter_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("reporter_phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reported_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("due_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("resolved_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["app_user.id"], name=op.f("fk_case_record_assignee_id_app_user")),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"], name=op.f("fk_case_record_category_id_category")),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"], name=op.f("fk_case_record_created_by_id_app_user")),
        sa.ForeignKeyConstraint(["org_id"], ["org_node.id"], name=op.f("fk_case_record_org_id_org_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_record")),
        sa.UniqueConstraint("reference", name=op.f("uq_case_record_reference")),
    )
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.create_index("ix_case_day_source", ["reported_on", "source"], unique=False)
        batch_op.create_index("ix_case_org_day", ["org_id", "reported_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_record_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_record_category_id"), ["category_id"], unique=False)
        batch_op.create_index("ix_case_status_due", ["status", "due_at"], unique=False)

    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_login_session_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_session")),
        sa.UniqueConstraint("user_id", "token_key", name=op.f("uq_login_session_user_id_token_key")),
    )
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("recipient_user_id", sa.Integer(), nullable=True),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_user_id"], ["app_user.id"], name=op.f("fk_notification_recipient_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("kind", "target", "day", name=op.f("uq_notification_kind_target_day")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_status"), ["status"], unique=False)

    op.create_table(
        "case_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", db.types.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"], name=op.f("fk_case_history_actor_id_app_user")),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"], name=op.f("fk_case_history_case_id_case_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_history")),
    )
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_history_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_history_case_id"))

    op.drop_table("case_history")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_status"))

    op.drop_table("notification")
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_session_user_id"))

    op.drop_table("login_session")
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_index("ix_case_status_due")
        batch_op.drop_index(batch_op.f("ix_case_record_category_id"))
        batch_op.drop_index(batch_op.f("ix_case_record_assignee_id"))
        batch_op.drop_index("ix_case_org_day")
        batch_op.drop_index("ix_case_day_source")

    op.drop_table("case_record")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_org_id"))
        batch_op.drop_index(batch_op.f("ix_activity_kind"))
        batch_op.drop_index(batch_op.f("ix_activity_held_on"))

    op.drop_table("activity")
    op.drop_table("target")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_org_id"))

    op.drop_table("app_user")
    with op.batch_alter_table("org_node", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_node_parent_id"))

    op.drop_table("org_node")
    op.drop_table("category")
