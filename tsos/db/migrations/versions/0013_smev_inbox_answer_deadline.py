"""enrollment: when SMEV sent each request, and when its first answer left

Revision ID: 0013_smev_answer_deadline
Revises: 0012_smev_outbox_replaced_id
Create Date: 2026-12-07 11:00:00

The provider's deadline runs from MessageMetadata/SendingTimestamp (smev.md §1.7, §7 #26):
a request still unanswered long after it is alerted, once (answer_overdue_at). The partial
index keeps the look at unanswered requests a lookup. Existing rows take the time of their
first sent answer, if any.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_smev_answer_deadline"
down_revision = "0012_smev_outbox_replaced_id"
branch_labels = None
depends_on = None

_UNANSWERED = "answered_at IS NULL"


def upgrade() -> None:
    op.add_column("smev_inbox", sa.Column("sending_timestamp", sa.DateTime(timezone=True)))
    op.add_column("smev_inbox", sa.Column("answered_at", sa.DateTime(timezone=True)))
    op.add_column("smev_inbox", sa.Column("answer_overdue_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE smev_inbox SET answered_at = (SELECT min(o.sent_at) FROM smev_outbox o"
               " WHERE o.request_message_id = smev_inbox.message_id)")
    op.create_index("ix_smev_inbox_unanswered", "smev_inbox", ["id"],
                    postgresql_where=sa.text(_UNANSWERED))


def downgrade() -> None:
    op.drop_index("ix_smev_inbox_unanswered", table_name="smev_inbox",
                  postgresql_where=sa.text(_UNANSWERED))
    op.drop_column("smev_inbox", "answer_overdue_at")
    op.drop_column("smev_inbox", "answered_at")
    op.drop_column("smev_inbox", "sending_timestamp")
