"""gradebook: term locks closed by the system, corrected guardian links, homework files

Revision ID: 0008_gradebook
Revises: 0004_certificates
Create Date: 2026-12-05 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_gradebook"
down_revision = "0004_certificates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Term grading closes a period as the system, for the deputy head who answers for it.
    op.alter_column("term_locks", "closed_by", existing_type=sa.Integer(), nullable=True)
    op.add_column("term_locks", sa.Column("on_behalf_of", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f("fk_term_locks_on_behalf_of_users"), "term_locks", "users",
                          ["on_behalf_of"], ["id"])
    op.create_check_constraint(op.f("ck_term_locks_closed_by_someone"), "term_locks",
                               "closed_by IS NOT NULL OR workflow_id IS NOT NULL")

    # A corrected guardian link is revoked and kept; only active links are unique.
    op.drop_constraint(op.f("uq_guardian_links_guardian_person_id_child_person_id"),
                       "guardian_links", type_="unique")
    op.create_index("uq_guardian_links_active", "guardian_links",
                    ["guardian_person_id", "child_person_id"], unique=True,
                    postgresql_where=sa.text("revoked_at IS NULL"))


def downgrade() -> None:
    op.drop_index("uq_guardian_links_active", table_name="guardian_links")
    op.create_unique_constraint(op.f("uq_guardian_links_guardian_person_id_child_person_id"),
                                "guardian_links", ["guardian_person_id", "child_person_id"])
    op.drop_constraint(op.f("ck_term_locks_closed_by_someone"), "term_locks", type_="check")
    op.drop_constraint(op.f("fk_term_locks_on_behalf_of_users"), "term_locks",
                       type_="foreignkey")
    op.drop_column("term_locks", "on_behalf_of")
    op.alter_column("term_locks", "closed_by", existing_type=sa.Integer(), nullable=False)
