"""The models and the migrations describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tsos.db.metadata import target_metadata
from tsos.db.session import get_engine


def test_a_migrated_database_matches_the_models(database_url) -> None:
    with get_engine(database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, target_metadata)
    assert differences == []
