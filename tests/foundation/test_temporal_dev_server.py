"""The embedded Temporal: its command line, its data across a restart, and what the API
answers while it is down."""

from __future__ import annotations

import shlex
import socket
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import yaml
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from api.app import create_app
from tests.foundation.refusal_flow import RefusalFlow, break_down, refuse_politely
from tsos.runtime.temporal import (
    dev_server_command,
    our_dev_server,
    start_dev_server,
    stop_dev_server,
    temporal_cli_path,
)
from tsos.settings import PROJECT_ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_command_keeps_state_in_a_file_with_the_fast_pragmas(tmp_path: Path) -> None:
    command = dev_server_command(db_file=tmp_path / "temporal.db", port=7299, ui_port=8299)
    assert command[1:3] == ["server", "start-dev"]
    assert command[command.index("--db-filename") + 1] == str(tmp_path / "temporal.db")
    pragmas = [command[i + 1] for i, arg in enumerate(command) if arg == "--sqlite-pragma"]
    assert pragmas == ["journal_mode=wal", "synchronous=normal"]
    assert command[command.index("--port") + 1] == "7299"
    assert command[command.index("--ui-port") + 1] == "8299"

    in_memory = dev_server_command(db_file=None, port=7299, ui_port=None)
    assert "--db-filename" not in in_memory and "--headless" in in_memory


async def _connect(port: int) -> Client:
    return await Client.connect(f"127.0.0.1:{port}", data_converter=pydantic_data_converter)


async def test_workflows_survive_a_restart_and_the_api_says_503_meanwhile(
        tmp_path: Path, settings, database_url, token_for) -> None:
    port = _free_port()
    server = start_dev_server(tmp_path, port=port, ui_port=None)
    try:
        assert our_dev_server(tmp_path, port) is not None
        client = await _connect(port)
        workflow_id = f"survivor-{uuid.uuid4()}"
        with ThreadPoolExecutor(max_workers=2) as executor:
            async with Worker(client, task_queue="survivors", workflows=[RefusalFlow],
                              activities=[refuse_politely, break_down],
                              activity_executor=executor):
                result = await client.execute_workflow(
                    RefusalFlow.run, "refuse_politely", id=workflow_id,
                    task_queue="survivors")
        assert result == "ApplicationError"
        _compose_healthcheck_passes(port)
    finally:
        stop_dev_server(server, tmp_path)
    assert not (tmp_path / "temporal.pid").exists()

    # The engine is down: a request that needs it is told so, in Russian, with 503.
    app = create_app(settings, database_url, temporal_client=client)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://tsos.test") as api:
        answer = await api.get("/certificates/wizards/whatever",
                               headers=token_for("secretary", "SEV-0801"))
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"] == "unavailable"
    assert "Temporal" in answer.json()["message"]

    server = start_dev_server(tmp_path, port=port, ui_port=None)
    try:
        handle = (await _connect(port)).get_workflow_handle(workflow_id)
        assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
        assert await handle.result() == "ApplicationError"
    finally:
        stop_dev_server(server, tmp_path)


async def test_an_unreachable_engine_is_503_not_500(settings, database_url, token_for) -> None:
    nowhere = settings.model_copy(update={"temporal_address": f"127.0.0.1:{_free_port()}"})
    app = create_app(nowhere, database_url)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://tsos.test") as api:
        answer = await api.get("/certificates/wizards/whatever",
                               headers=token_for("secretary", "SEV-0801"))
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"] == "unavailable"


def test_a_listener_that_is_not_our_dev_server_is_not_ours(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert our_dev_server(tmp_path, port) is None
        # A stale marker naming a live process that is no dev server is not trusted either.
        (tmp_path / "temporal.pid").write_text(f'{{"pid": 1, "port": {port}}}')
        assert our_dev_server(tmp_path, port) is None


def _compose_healthcheck_passes(port: int) -> None:
    """docker-compose.yml's Temporal healthcheck, run with the wheel's `temporal` CLI."""
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    check = compose["services"]["temporal"]["healthcheck"]["test"]
    assert check[0] == "CMD-SHELL"
    script = (check[1].replace("temporal:7233", f"127.0.0.1:{port}")
              .replace("$${DEFAULT_NAMESPACE}", "default")
              .replace("temporal operator", f"{shlex.quote(temporal_cli_path())} operator"))
    subprocess.run(["sh", "-c", script], check=True, timeout=60)
