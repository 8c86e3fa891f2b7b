"""certificates: when a mark issue was stored, on the database's clock

Revision ID: 0014_cert_issue_recorded_at
Revises: 0013_smev_answer_deadline
Create Date: 2026-12-04 10:00:00

The deputy head's answer «исправлено» must rest on a gradebook change made after the issue
was reported; the gradebook's audit records its rows with the database's clock, so the
issue keeps the same clock's time. Existing issues take the time they were reported.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_cert_issue_recorded_at"
down_revision = "0013_smev_answer_deadline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("certificate_mark_issues",
                  sa.Column("recorded_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE certificate_mark_issues SET recorded_at = reported_at")
    op.alter_column("certificate_mark_issues", "recorded_at", nullable=False,
                    server_default=sa.text("now()"))


def downgrade() -> None:
    op.drop_column("certificate_mark_issues", "recorded_at")
