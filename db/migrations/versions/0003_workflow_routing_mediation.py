"""Case workflow (dispatch, close reasons, satisfaction), routing rules, dispute mediation (1+4+N).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mediation_party",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("party_group", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_party")),
        sa.UniqueConstraint("name", name=op.f("uq_mediation_party_name")),
    )
    op.create_table(
        "routing_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["app_user.id"], name=op.f("fk_routing_rule_assignee_id_app_user")),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"], name=op.f("fk_routing_rule_category_id_category")),
        sa.ForeignKeyConstraint(["org_id"], ["org_node.id"], name=op.f("fk_routing_rule_org_id_org_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule")),
    )
    with op.batch_alter_table("routing_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routing_rule_org_id"), ["org_id"], unique=False)

    op.create_table(
        "mediation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("pre_litigation", sa.Boolean(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("agreement_text", sa.Text(), nullable=True),
        sa.Column("concluded_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"], name=op.f("fk_mediation_case_id_case_record")),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"], name=op.f("fk_mediation_created_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation")),
        sa.UniqueConstraint("case_id", name=op.f("uq_mediation_case_id")),
    )
    op.create_table(
        "mediation_party_link",
        sa.Column("mediation_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mediation_id"], ["mediation.id"], name=op.f("fk_mediation_party_link_mediation_id_mediation")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["mediation_party.id"], name=op.f("fk_mediation_party_link_party_id_mediation_party")
        ),
        sa.PrimaryKeyConstraint("mediation_id", "party_id", name=op.f("pk_mediation_party_link")),
    )
    op.create_table(
        "mediation_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mediation_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_mediation_session_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["mediation_id"], ["mediation.id"], name=op.f("fk_mediation_session_mediation_id_mediation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_session")),
    )
    with op.batch_alter_table("mediation_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mediation_session_mediation_id"), ["mediation_id"], unique=False)

    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dispatched_at", db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("close_reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("satisfaction", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_record_duplicate_of_id_case_record"), "case_record", ["duplicate_of_id"], ["id"]
        )

    # Cases closed before close reasons existed were closed after being solved.
    op.execute(
        "UPDATE case_record SET close_reason = 'resolved', closed_at = COALESCE(resolved_at, updated_at) WHERE status = 'closed'"
    )
    # The SLA clock now starts at dispatch; a case already being worked on was dispatched when reported.
    op.execute(
        "UPDATE case_record SET dispatched_at = reported_at WHERE status IN ('in_progress', 'resolved', 'closed')"
    )

    # The 1+4+N mechanism of the seed article: the parties every installation starts with (admins add more).
    party = sa.table(
        "mediation_party",
        sa.column("name", sa.String),
        sa.column("party_group", sa.String),
        sa.column("sort_order", sa.Integer),
        sa.column("active", sa.Boolean),
    )
    op.bulk_insert(
        party,
        [
            {"name": name, "party_group": group, "sort_order": order, "active": True}
            for order, (name, group) in enumerate(
                [
                    ("综治中心", "lead"),
                    ("司法所", "four"),
                    ("派出所", "four"),
                    ("法庭", "four"),
                    ("检察室", "four"),
                    ("热心居民", "n"),
                    ("社区律师", "n"),
                    ("心理咨询师", "n"),
                ]
            )
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_case_record_duplicate_of_id_case_record"), type_="foreignkey")
        batch_op.drop_column("satisfaction")
        batch_op.drop_column("duplicate_of_id")
        batch_op.drop_column("close_reason")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("dispatched_at")

    with op.batch_alter_table("mediation_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_session_mediation_id"))

    op.drop_table("mediation_session")
    op.drop_table("mediation_party_link")
    op.drop_table("mediation")
    with op.batch_alter_table("routing_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_rule_org_id"))

    op.drop_table("routing_rule")
    op.drop_table("mediation_party")
