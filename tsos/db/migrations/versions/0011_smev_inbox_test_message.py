"""enrollment: the SMEV TestMessage flag kept on the inbox row

Revision ID: 0011_smev_test_message
Revises: 0010_smev_exchange
Create Date: 2026-12-06 11:00:00

A request delivered with TestMessage is answered as usual but must change no data
(smev.md §1.6, §7 #20); the intake reads the flag from the row the poller stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_smev_test_message"
down_revision = "0010_smev_exchange"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("smev_inbox", sa.Column("test_message", sa.Boolean(), nullable=False,
                                          server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("smev_inbox", "test_message")
