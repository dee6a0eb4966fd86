"""Indexes for the case list's order and for KPI grouping (chosen from bench/ at 1M cases).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # (org_id, reported_on) made the KPI query read the table for category and status: cover them.
    op.drop_index("ix_case_org_day", table_name="case_record")
    op.create_index("ix_case_org_day_cat_status", "case_record", ["org_id", "reported_on", "category_id", "status"])
    # Newest-first pages without sorting the whole scope.
    op.create_index("ix_case_reported", "case_record", ["reported_at", "id"])
    op.create_index("ix_case_org_reported", "case_record", ["org_id", "reported_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_case_org_reported", table_name="case_record")
    op.drop_index("ix_case_reported", table_name="case_record")
    op.drop_index("ix_case_org_day_cat_status", table_name="case_record")
    op.create_index("ix_case_org_day", "case_record", ["org_id", "reported_on"])
