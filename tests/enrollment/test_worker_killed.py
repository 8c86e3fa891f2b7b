"""A worker killed with SIGKILL in the middle of work: nothing lost, no status twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
import pytest_asyncio

from tests.enrollment.conftest import eventually
from tests.enrollment.payloads import variant
from tsos.clock import SystemClock
from tsos.settings import PROJECT_ROOT
from tsos.smev_exchange import SmevExchange

pytestmark = pytest.mark.asyncio


def _spawn_worker(database_url: str, address: str, queues: dict[str, str]) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "TEMPORAL_ADDRESS": address,
           "TEST_QUEUE_NAMES": json.dumps(queues), "TSOS_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-m", "tests.enrollment.worker_process"],
                               cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == b"worker ready"
    return process


def sequences(node) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[int, list[str]] = {}
    for response in node.responses():
        out.setdefault(response["order_id"], []).append(str(response["code"]))
    return out


def reviewed(node) -> int:  # type: ignore[no-untyped-def]
    return sum(codes == ["1", "311"] for codes in sequences(node).values())


@pytest_asyncio.fixture
async def exchange_only(smev_node, database_url, settings, temporal_env, queue_names):
    """The SMEV loops without an in-process worker: the worker lives in a subprocess."""
    from gateways.smev.client import SmevClient
    from tests.conftest import terminate_workflows
    from tests.enrollment.conftest import exchange_config

    exchange = SmevExchange(exchange_config(database_url, settings, queue_names),
                            lambda: SmevClient(smev_node.url + "/smev"),
                            temporal_env.client, SystemClock())
    stop = asyncio.Event()
    task = asyncio.create_task(exchange.run(stop))
    yield exchange
    stop.set()
    await task
    await terminate_workflows(temporal_env.client, queue_names.values())


async def test_killed_worker_loses_nothing_and_repeats_nothing(
        smev_node, exchange_only, temporal_env, database_url, settings, queue_names,
        demo_region) -> None:
    from tests.enrollment.campaigns import campaign_yaml
    from tsos.campaigns import load_and_prepare, start_campaign_workflows
    from tsos.db.session import session_scope
    from workflows import task_queues

    now = SystemClock().now()
    with session_scope(database_url) as session:
        inputs = load_and_prepare(session, campaign_yaml(now.date(), places=50), settings)
    await start_campaign_workflows(temporal_env.client, inputs,
                                   task_queue=queue_names[task_queues.MAIN])

    address = temporal_env.client.service_client.config.target_host
    worker = _spawn_worker(database_url, address, queue_names)
    orders = list(range(5001, 5081))
    for n, order_id in enumerate(orders):
        surname = "Тестов" + chr(0x430 + n // 20) + chr(0x430 + n % 20)
        smev_node.enqueue(variant("01-resident", order_id=order_id, child_surname=surname,
                                  birth_doc_number=f"{600000 + n}",
                                  filing_date=now - timedelta(minutes=30)))

    # Kill it as soon as some, but not all, applications were taken into review.
    await eventually(lambda: reviewed(smev_node) >= 1, timeout=60, interval=0.02)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    done_before = reviewed(smev_node)

    replacement = _spawn_worker(database_url, address, queue_names)
    try:
        await eventually(lambda: reviewed(smev_node) == len(orders) or None, timeout=120)
        await asyncio.sleep(1)
        assert sequences(smev_node) == {o: ["1", "311"] for o in orders}
    finally:
        replacement.send_signal(signal.SIGTERM)
        replacement.wait(20)
    assert done_before < len(orders)
