"""gradebook: term locks closed by the system, corrected guardian links, homework files

Revision ID: 0008_gradebook
Revises: 0005_foundation
Create Date: 2026-12-05 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_gradebook"
down_revision = "0005_foundation"
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

    # Homework files, kept in the database beside their lesson.
    op.create_table(
        "lesson_files",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("lesson_id", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_lesson_files_not_empty")),
        sa.ForeignKeyConstraint(["lesson_id"], ["lessons.id"],
                                name=op.f("fk_lesson_files_lesson_id_lessons")),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"],
                                name=op.f("fk_lesson_files_uploaded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_files")),
    )
    op.create_index(op.f("ix_lesson_files_lesson_id"), "lesson_files", ["lesson_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_lesson_files_lesson_id"), table_name="lesson_files")
    op.drop_table("lesson_files")
    op.drop_index("uq_guardian_links_active", table_name="guardian_links")
    op.create_unique_constraint(op.f("uq_guardian_links_guardian_person_id_child_person_id"),
                                "guardian_links", ["guardian_person_id", "child_person_id"])
    op.drop_constraint(op.f("ck_term_locks_closed_by_someone"), "term_locks", type_="check")
    op.drop_constraint(op.f("fk_term_locks_on_behalf_of_users"), "term_locks",
                       type_="foreignkey")
    op.drop_column("term_locks", "on_behalf_of")
    op.alter_column("term_locks", "closed_by", existing_type=sa.Integer(), nullable=False)
