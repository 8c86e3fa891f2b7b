"""certificates: the digest of the rule-set file each version of final marks was decided by

Revision ID: 0016_rule_set_digest
Revises: 0015_smev_outages
Create Date: 2026-12-04 11:00:00

A rule-set file is never edited once documents were decided by it; the digest lets a
duplicate refuse to be decided by a file that changed. Rows stored before have none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_rule_set_digest"
down_revision = "0015_smev_outages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("certificate_final_marks",
                  sa.Column("rule_set_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("certificate_final_marks", "rule_set_digest")
