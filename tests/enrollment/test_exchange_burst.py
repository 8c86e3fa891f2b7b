"""A burst of requests: registration first, the workflows of a full batch after the inbox
is drained; none is lost, every application gets its workflow and its 311."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from gateways.smev.client import SmevClient
from tests.enrollment.conftest import codes, eventually, exchange_config
from tests.enrollment.payloads import variant
from tsos.clock import SystemClock
from tsos.db.enrollment import FirstGradeApplication
from tsos.db.session import session_scope
from tsos.smev_exchange import SmevExchange

pytestmark = pytest.mark.asyncio


async def test_a_burst_registers_first_and_starts_every_workflow_after(
        smev_node, settings, database_url, running_worker, queue_names,
        reference_campaign) -> None:
    orders = [4200099000 + n for n in range(10)]
    for n, order_id in enumerate(orders):
        smev_node.enqueue(variant("01-resident", order_id=order_id,
                                  child_surname=f"Пачкин{'а' * n}",
                                  birth_doc_number=str(600000 + n)))

    config = exchange_config(database_url, settings, queue_names)
    config.intake_batch, config.sweep_interval = 3, 0.2
    exchange = SmevExchange(config, lambda: SmevClient(smev_node.url + "/smev"),
                            running_worker.client, SystemClock())
    backlogs: list[bool] = []
    after_commit = exchange._after_commit

    def recording(outcomes, *, backlog=False):  # type: ignore[no-untyped-def]
        backlogs.append(backlog)
        after_commit(outcomes, backlog=backlog)

    exchange._after_commit = recording  # type: ignore[method-assign]
    stop = asyncio.Event()
    task = asyncio.create_task(exchange.run(stop))
    try:
        for order_id in orders:
            await eventually(lambda o=order_id: codes(smev_node, o) == ["1", "311"] or None,
                             timeout=60)
    finally:
        stop.set()
        await task

    # Some batches came back full: their workflows were left to the sweep, and started.
    assert True in backlogs
    with session_scope(database_url) as session:
        assert session.scalar(select(func.count()).select_from(FirstGradeApplication).where(
            FirstGradeApplication.workflow_started.is_(False))) == 0
        assert session.scalar(select(func.count()).select_from(FirstGradeApplication)) == 10
