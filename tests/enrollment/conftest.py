"""Enrollment end to end: the local SMEV node, the exchange loops, a worker, a campaign."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn

from gateways.smev.client import SmevClient
from gateways.smev.local_node.app import create_app as create_node_app
from tests.conftest import SHARED_DIR, shared_path
from tsos.clock import SystemClock
from tsos.settings import Settings
from tsos.smev_exchange import ExchangeConfig, SmevExchange
from workflows import task_queues


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NodeServer:
    """The local SMEV node, served by uvicorn on a loopback port in a thread."""

    def __init__(self, db_path: Path, redelivery_timeout: float) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_node_app(db_path, redelivery_timeout=redelivery_timeout)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> NodeServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("the local SMEV node did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def enqueue(self, data: bytes, message_id: str | None = None) -> dict[str, Any]:
        params = {"message_id": message_id} if message_id else {}
        reply = httpx.post(f"{self.url}/admin/enqueue", content=data, params=params,
                           timeout=10)
        reply.raise_for_status()
        return reply.json()

    def responses(self, order_id: int | None = None) -> list[dict[str, Any]]:
        params = {"order_id": order_id} if order_id is not None else {}
        reply = httpx.get(f"{self.url}/admin/responses", params=params, timeout=10)
        reply.raise_for_status()
        body = reply.json()
        return body["responses"] if isinstance(body, dict) else body


@pytest.fixture
def smev_node(tmp_path: Path) -> Iterator[NodeServer]:
    with NodeServer(tmp_path / "smev-node.sqlite3", redelivery_timeout=2.0) as node:
        yield node


def exchange_config(database_url: str, settings: Settings,
                    queue_names: dict[str, str]) -> ExchangeConfig:
    return ExchangeConfig(database_url=database_url, region_oktmo=settings.region_oktmo,
                          poll_interval=0.05, pollers=2, senders=2,
                          task_queue=queue_names[task_queues.MAIN])


@pytest_asyncio.fixture
async def exchange(smev_node: NodeServer, database_url: str, settings: Settings,
                   running_worker, queue_names: dict[str, str]) -> AsyncIterator[SmevExchange]:
    # The operator's official SMEV 1.3 files where the reference folder has them, as a
    # deployment configured with TSOS_SMEV_SCHEMA_DIR runs: every envelope of the end-to-end
    # runs is built from and checked against the real schema.
    official = SHARED_DIR / "reference" / "smev3" / "message-exchange" / "1.3"
    schema_dir = official if official.is_dir() else None
    exchange = SmevExchange(exchange_config(database_url, settings, queue_names),
                            lambda: SmevClient(smev_node.url + "/smev", schema_dir=schema_dir),
                            running_worker.client, SystemClock())
    stop = asyncio.Event()
    task = asyncio.create_task(exchange.run(stop))
    yield exchange
    stop.set()
    await task


@pytest.fixture
def examples_dir() -> Path:
    return shared_path("reference", "epgu", "first-grade", "1.0.0", "examples")


async def eventually(check: Callable[[], Any], *, timeout: float = 30.0,
                     interval: float = 0.1) -> Any:
    """Poll until check() returns something truthy; fail with the last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await asyncio.to_thread(check)
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met in {timeout} s; last value: {last!r}")


def codes(node: NodeServer, order_id: int) -> list[str]:
    return [str(r["code"]) for r in node.responses(order_id)]


@pytest_asyncio.fixture
async def reference_campaign(database_url: str, settings: Settings, demo_region,
                             running_worker, queue_names: dict[str, str]) -> int:
    """The reference campaign file (2026) with the reference contingent, workflows started."""
    from tsos.campaigns import load_and_prepare, start_campaign_workflows
    from tsos.contingent import import_pupils, read_rows
    from tsos.db.session import session_scope

    yaml_text = shared_path("reference", "epgu", "first-grade",
                            "campaign-example.yaml").read_text(encoding="utf-8")
    with session_scope(database_url) as session:
        inputs = load_and_prepare(session, yaml_text, settings)
        import_pupils(session, read_rows(shared_path("reference", "epgu", "first-grade",
                                                     "pupils-example.csv")))
    await start_campaign_workflows(running_worker.client, inputs,
                                   task_queue=queue_names[task_queues.MAIN])
    return inputs[0].campaign_id
