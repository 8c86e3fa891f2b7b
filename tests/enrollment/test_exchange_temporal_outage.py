"""Temporal briefly unavailable: registrations go on, workflows and cancels follow later."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select
from temporalio.service import RPCError, RPCStatusCode

from gateways.smev.client import SmevClient
from tests.enrollment.conftest import codes, eventually, exchange_config
from tests.enrollment.payloads import variant
from tsos.clock import SystemClock
from tsos.db.enrollment import FirstGradeApplication, SmevInboxMessage
from tsos.db.session import session_scope
from tsos.smev_exchange import SmevExchange

pytestmark = pytest.mark.asyncio


def _unavailable() -> RPCError:
    return RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")


class FlakyTemporal:
    """The real client, but the first starts and signals fail as if the server were down."""

    def __init__(self, client: Any, *, start_failures: int, signal_failures: int) -> None:
        self.client = client
        self.start_failures = start_failures
        self.signal_failures = signal_failures
        self.starts = self.signals = 0

    async def start_workflow(self, *args: Any, **kwargs: Any) -> Any:
        self.starts += 1
        if self.start_failures > 0:
            self.start_failures -= 1
            await asyncio.sleep(0.5)  # still failing when the next messages are taken
            raise _unavailable()
        return await self.client.start_workflow(*args, **kwargs)

    def get_workflow_handle(self, workflow_id: str) -> Any:
        handle, outer = self.client.get_workflow_handle(workflow_id), self

        class Handle:
            async def signal(self, *args: Any, **kwargs: Any) -> Any:
                outer.signals += 1
                if outer.signal_failures > 0:
                    outer.signal_failures -= 1
                    raise _unavailable()
                return await handle.signal(*args, **kwargs)

        return Handle()


@pytest_asyncio.fixture
async def flaky_exchange(smev_node, database_url, settings, running_worker,
                         queue_names) -> AsyncIterator[tuple[SmevExchange, FlakyTemporal]]:
    temporal = FlakyTemporal(running_worker.client, start_failures=2, signal_failures=1)
    config = exchange_config(database_url, settings, queue_names)
    config.sweep_interval, config.sweep_backoff_max = 0.5, 1.0
    exchange = SmevExchange(config, lambda: SmevClient(smev_node.url + "/smev"),
                            temporal, SystemClock())  # type: ignore[arg-type]
    stop = asyncio.Event()
    task = asyncio.create_task(exchange.run(stop))
    yield exchange, temporal
    stop.set()
    await task


def _started(database_url: str, order_id: int) -> bool:
    with session_scope(database_url) as session:
        return bool(session.scalar(select(FirstGradeApplication.workflow_started).where(
            FirstGradeApplication.order_id == order_id)))


def _inbox_outcome(database_url: str, order_id: int, kind: str) -> str | None:
    with session_scope(database_url) as session:
        return session.scalar(select(SmevInboxMessage.outcome).where(
            SmevInboxMessage.order_id == order_id, SmevInboxMessage.kind == kind))


async def test_failed_starts_are_retried_and_the_intake_goes_on(
        smev_node, flaky_exchange, reference_campaign, examples_dir, database_url) -> None:
    exchange, temporal = flaky_exchange
    # A is registered, its start fails; its cancel arrives while that start is still
    # failing; then B, whose first start fails too.
    smev_node.enqueue(variant("01-resident", order_id=8101))
    await eventually(lambda: codes(smev_node, 8101) == ["1"] or None)
    smev_node.enqueue(variant("09-cancel-request", order_id=8101))
    smev_node.enqueue(variant("02-sibling-right", order_id=8102))

    # Both are registered at once; the workflows start once Temporal answers again.
    await eventually(lambda: codes(smev_node, 8102)[:1] == ["1"] or None)
    await eventually(lambda: _started(database_url, 8101) and _started(database_url, 8102),
                     timeout=30)
    # The cancel, refused once by Temporal, reaches A's workflow: A is cancelled.
    await eventually(lambda: "10" in codes(smev_node, 8101) or None, timeout=30)
    answers = [(r["kind"], r["code"]) for r in smev_node.responses(8101)]
    assert ("cancelResponse", "CANCELLED") in answers
    assert _inbox_outcome(database_url, 8101, "cancel") == "cancel_cancelled"
    await eventually(lambda: codes(smev_node, 8102) == ["1", "311"] or None, timeout=30)
    assert temporal.start_failures == 0 and temporal.signal_failures == 0

    # Temporal is well again: the intake is alive and takes the next message as usual.
    smev_node.enqueue(variant("03-first-priority-right", order_id=8103))
    await eventually(lambda: codes(smev_node, 8103) == ["1", "311"] or None, timeout=30)
    assert exchange.sweep_backoff == 0.0 or _started(database_url, 8103)
