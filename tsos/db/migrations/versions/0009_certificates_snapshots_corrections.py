"""certificates: personal data saved at print, post-issue corrections, справки in the book

Revision ID: 0009_certificates
Revises: 0008_gradebook
Create Date: 2026-12-04 08:00:00

- the graduate's name, birth date and the school's name saved on the certificate and on
  its book row when the number is reserved (a later change of the person never rewrites
  a printed document, a book row or a duplicate's original block);
- mark issues found after issue: the deputy head's approved corrected inputs, and the
  duplicate that applied them;
- a book row of a cancelled справка closed with the reason (its number is never skipped);
- one live original per pupil, level and graduation year, an issued справка aside.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_certificates"
down_revision = "0008_gradebook"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
OLD_ORIGINAL = "duplicate_of_id IS NULL AND status <> 'cancelled'"
NEW_ORIGINAL = (
    "duplicate_of_id IS NULL AND status <> 'cancelled' AND NOT (kind IS NOT NULL "
    "AND kind = 'study_record' AND status IN ('issued', 'exported'))"
)


def _holder_columns(table: str) -> None:
    op.add_column(table, sa.Column("holder_surname", sa.String(100), nullable=True))
    op.add_column(table, sa.Column("holder_name", sa.String(100), nullable=True))
    op.add_column(table, sa.Column("holder_patronymic", sa.String(100), nullable=True))
    op.add_column(table, sa.Column("holder_birth_date", sa.Date(), nullable=True))


def upgrade() -> None:
    _holder_columns("certificates")
    op.add_column("certificates", sa.Column("school_name", sa.String(500), nullable=True))
    _holder_columns("certificate_book_entries")
    op.add_column("certificate_book_entries",
                  sa.Column("void_reason", sa.Text(), nullable=True))

    op.add_column("certificate_mark_issues",
                  sa.Column("after_issue", sa.Boolean(), nullable=False,
                            server_default=sa.false()))
    op.add_column("certificate_mark_issues",
                  sa.Column("corrected_inputs", JSON, nullable=True))
    op.add_column("certificate_mark_issues",
                  sa.Column("duplicate_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key("fk_certificate_mark_issues_duplicate_id_certificates",
                          "certificate_mark_issues", "certificates", ["duplicate_id"], ["id"])

    # What was printed before this revision was printed from the person as they were then;
    # the closest record left is the person today.
    op.execute("""
        UPDATE certificates c SET holder_surname = p.surname, holder_name = p.name,
               holder_patronymic = p.patronymic, holder_birth_date = p.birth_date,
               school_name = o.name
          FROM pupils u JOIN persons p ON p.id = u.person_id, organizations o
         WHERE u.id = c.pupil_id AND o.id = c.organization_id
           AND c.registration_number IS NOT NULL
    """)
    op.execute("""
        UPDATE certificate_book_entries e SET holder_surname = p.surname,
               holder_name = p.name, holder_patronymic = p.patronymic,
               holder_birth_date = p.birth_date
          FROM pupils u JOIN persons p ON p.id = u.person_id
         WHERE u.id = e.pupil_id
    """)

    op.drop_index("uq_certificates_original", table_name="certificates",
                  postgresql_where=sa.text(OLD_ORIGINAL))
    op.create_index("uq_certificates_original", "certificates",
                    ["pupil_id", "level", "graduation_year"], unique=True,
                    postgresql_where=sa.text(NEW_ORIGINAL))


def downgrade() -> None:
    op.drop_index("uq_certificates_original", table_name="certificates",
                  postgresql_where=sa.text(NEW_ORIGINAL))
    op.create_index("uq_certificates_original", "certificates", ["pupil_id", "level"],
                    unique=True, postgresql_where=sa.text(OLD_ORIGINAL))
    op.drop_constraint("fk_certificate_mark_issues_duplicate_id_certificates",
                       "certificate_mark_issues", type_="foreignkey")
    for column in ("duplicate_id", "corrected_inputs", "after_issue"):
        op.drop_column("certificate_mark_issues", column)
    op.drop_column("certificate_book_entries", "void_reason")
    op.drop_column("certificates", "school_name")
    for table in ("certificates", "certificate_book_entries"):
        for column in ("holder_birth_date", "holder_patronymic", "holder_name",
                       "holder_surname"):
            op.drop_column(table, column)
