"""Fixtures of the certificate tests: the invented school, its blanks and exam results."""

from __future__ import annotations

import httpx
import pytest
import pytest_asyncio

from tests.certificates.frdo_template import frdo_template_if_shared
from tests.certificates.school import (
    School,
    add_exam_results,
    build_school,
    receive_blanks,
)
from tsos.db.session import session_scope
from workflows import task_queues


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


@pytest_asyncio.fixture
async def api(settings, database_url, temporal_env, queue_names,  # type: ignore[no-untyped-def]
              activity_executor):
    """The API with the certificates' routers and a worker on the test's main queue."""
    from temporalio.worker import Worker

    from activities import context
    from activities.certificates import CERTIFICATE_ACTIVITIES
    from api.app import create_app
    from workflows.certificates import CERTIFICATE_WORKFLOWS

    template = frdo_template_if_shared()
    worker_settings = settings.model_copy(update={"frdo_template_path": template})
    context.configure(worker_settings, database_url)
    app = create_app(settings, database_url, temporal_client=temporal_env.client,
                     queue_names=queue_names)
    async with Worker(temporal_env.client, task_queue=queue_names[task_queues.MAIN],
                      workflows=CERTIFICATE_WORKFLOWS, activities=CERTIFICATE_ACTIVITIES,
                      activity_executor=activity_executor):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://tsos.test") as client:
            yield client
    # Wizard ids come from the class, which every test's database numbers alike: a wizard
    # a test leaves open would refuse the next test's start.
    async for execution in temporal_env.client.list_workflows(
            "WorkflowType = 'CertificateWizard' AND ExecutionStatus = 'Running'"):
        await temporal_env.client.get_workflow_handle(execution.id).terminate()
