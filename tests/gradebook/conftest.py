"""Fixtures of the gradebook tests: the invented school on a fresh database."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.gradebook.school import School, build_school
from tsos.db.session import session_scope


@pytest.fixture
def school(database_url: str, demo_region: None) -> School:
    with session_scope(database_url) as session:
        return build_school(session)


@pytest.fixture
def headers(settings, database_url):  # type: ignore[no-untyped-def]
    """headers(user_id) -> the Authorization header of that user."""
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


@pytest_asyncio.fixture
async def gradebook_api(api_client):  # type: ignore[no-untyped-def]
    """The whole API, on this test's database and task queues."""
    return api_client
