"""enrollment: the MessageID an outbox message was first sent under, when it was renewed

Revision ID: 0012_smev_outbox_replaced_id
Revises: 0011_smev_test_message
Create Date: 2026-12-07 10:00:00

SMEV answers StaleMessageId when a MessageID's own time is too old (about two days of
failed sending, or a wrong clock). After about two days the exchange sends the message again
under a new version 1 UUID and keeps the old one here, so both can be traced (smev.md §7 #4).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_smev_outbox_replaced_id"
down_revision = "0011_smev_test_message"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("smev_outbox", sa.Column("replaced_message_id", sa.String(64)))


def downgrade() -> None:
    op.drop_column("smev_outbox", "replaced_message_id")
