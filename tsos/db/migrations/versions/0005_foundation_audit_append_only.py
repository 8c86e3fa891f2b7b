"""foundation: the audit log is append-only in the database itself

Revision ID: 0005_foundation
Revises: 0004_certificates
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0005_foundation"
down_revision = "0004_certificates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The same guard as the gradebook's audit: no path, not even a stray UPDATE in psql,
    # rewrites who did what.
    op.execute("""
        CREATE FUNCTION audit_events_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_events is append-only';
        END $$
    """)
    op.execute("""
        CREATE TRIGGER audit_events_append_only
        BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
    op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
