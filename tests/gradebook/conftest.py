"""Fixtures of the gradebook tests: the invented school on a fresh database."""

from __future__ import annotations

import pytest

from tests.gradebook.school import School, build_school
from tsos.db.session import session_scope


@pytest.fixture
def school(database_url: str, demo_region: None) -> School:
    with session_scope(database_url) as session:
        return build_school(session)
