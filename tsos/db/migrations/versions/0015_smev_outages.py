"""enrollment: the windows in which SMEV could not be reached (enrollment.md T9)

Revision ID: 0015_smev_outages
Revises: 0014_cert_issue_recorded_at
Create Date: 2026-12-04 10:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_smev_outages"
down_revision = "0014_cert_issue_recorded_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "smev_outages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smev_outages")),
    )


def downgrade() -> None:
    op.drop_table("smev_outages")
