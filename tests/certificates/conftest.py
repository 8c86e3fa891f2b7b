"""Fixtures of the certificate tests: the invented school, its blanks and exam results."""

from __future__ import annotations

import pytest

from tests.certificates.school import (
    School,
    add_exam_results,
    build_school,
    receive_blanks,
)
from tsos.db.session import session_scope


@pytest.fixture
def school(database_url: str, demo_region: None) -> School:
    with session_scope(database_url) as session:
        built = build_school(session)
        add_exam_results(session, built)
        receive_blanks(session, built)
        return built


@pytest.fixture
def headers_for(settings, database_url):  # type: ignore[no-untyped-def]
    """headers_for(user_id) -> the Authorization header of that user."""
    from tsos.db.models import User
    from tsos.tokens import issue_token

    def make(user_id: int) -> dict[str, str]:
        with session_scope(database_url) as session:
            user = session.get(User, user_id)
            assert user is not None
            token = issue_token(settings, user_id=user.id, login=user.login,
                                role=str(user.role))
        return {"Authorization": f"Bearer {token}"}

    return make
