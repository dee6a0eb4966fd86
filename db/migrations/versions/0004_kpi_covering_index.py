"""Widen the KPI covering index to the columns of the workflow's measures (办结/解决, on time, grid level, satisfaction).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = ["org_id", "reported_on", "category_id", "status", "level", "resolved_at", "due_at", "satisfaction"]


def upgrade() -> None:
    # Measured at 1M cases on SQLite: 4.4 s per KPI summary reading the table, 2.5 s from this index alone.
    op.drop_index("ix_case_org_day_cat_status", table_name="case_record")
    op.create_index("ix_case_kpi", "case_record", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_case_kpi", table_name="case_record")
    op.create_index("ix_case_org_day_cat_status", "case_record", ["org_id", "reported_on", "category_id", "status"])
