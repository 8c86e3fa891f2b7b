"""enrollment: partial indexes for the SMEV exchange's periodic sweep

Revision ID: 0010_smev_exchange
Revises: 0009_certificates
Create Date: 2026-12-06 10:00:00

The exchange looks, every few seconds, for applications whose workflow has not started
(Temporal was unavailable) and for portal cancels not yet forwarded to their workflow.
Both sets are almost always empty; a partial index keeps each look a lookup, not a scan.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_smev_exchange"
down_revision = "0009_certificates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_first_grade_applications_unstarted", "first_grade_applications",
                    ["id"], postgresql_where=sa.text("NOT workflow_started"))
    op.create_index("ix_smev_inbox_cancel_pending", "smev_inbox", ["id"],
                    postgresql_where=sa.text("outcome = 'cancel_pending'"))


def downgrade() -> None:
    op.drop_index("ix_smev_inbox_cancel_pending", table_name="smev_inbox",
                  postgresql_where=sa.text("outcome = 'cancel_pending'"))
    op.drop_index("ix_first_grade_applications_unstarted",
                  table_name="first_grade_applications",
                  postgresql_where=sa.text("NOT workflow_started"))
