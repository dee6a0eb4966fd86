"""The daily case rollup the KPI pages read (case_daily), filled from the cases already there.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

MEASURES = (
    "total",
    "status_received",
    "status_accepted",
    "status_dispatched",
    "status_in_progress",
    "status_resolved",
    "status_closed",
    "status_rejected",
    "solved",
    "closed_at_grid",
    "timed",
    "on_time",
    "rated",
    "satisfied",
)


def upgrade() -> None:
    op.create_table(
        "case_daily",
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in MEASURES),
        sa.Column("handling_seconds", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("source", "day", "org_id", "category_id"),
        sqlite_with_rowid=False,
    )
    # Frozen here on purpose (not imported from the service): a migration must mean the same thing forever.
    sqlite = op.get_bind().dialect.name == "sqlite"
    seconds = (
        "CAST((julianday(resolved_at) - julianday(reported_at)) * 86400 + 0.5 AS INTEGER)"
        if sqlite
        else "CAST(FLOOR(EXTRACT(EPOCH FROM resolved_at - reported_at) + 0.5) AS BIGINT)"
    )
    flags = [
        "1",
        *(f"CASE WHEN status = '{s}' THEN 1 ELSE 0 END" for s in ("received", "accepted", "dispatched")),
        *(f"CASE WHEN status = '{s}' THEN 1 ELSE 0 END" for s in ("in_progress", "resolved", "closed", "rejected")),
        "CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END",
        "CASE WHEN status = 'closed' AND level = 'grid' THEN 1 ELSE 0 END",
        "CASE WHEN resolved_at IS NOT NULL AND due_at IS NOT NULL THEN 1 ELSE 0 END",
        "CASE WHEN resolved_at IS NOT NULL AND resolved_at <= due_at THEN 1 ELSE 0 END",
        "CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END",
        "CASE WHEN satisfaction IN ('satisfied', 'basically_satisfied') THEN 1 ELSE 0 END",
        f"CASE WHEN resolved_at IS NOT NULL THEN {seconds} ELSE 0 END",
    ]
    sums = ", ".join(f"SUM({flag})" for flag in flags)
    columns = ", ".join(["source", "day", "org_id", "category_id", *MEASURES, "handling_seconds"])
    for source in ("source", "''"):
        op.execute(
            f"INSERT INTO case_daily ({columns}) SELECT {source}, reported_on, org_id, category_id, {sums}"
            f" FROM case_record GROUP BY {'source, ' if source == 'source' else ''}reported_on, org_id, category_id"
        )


def downgrade() -> None:
    op.drop_table("case_daily")
