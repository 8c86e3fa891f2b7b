"""SMEV unreachable: the window is recorded (enrollment.md T9), once, with its end."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from gateways.smev.errors import SmevUnavailable
from tests.enrollment.exchange_support import bare_exchange
from tsos.db.enrollment import SmevOutage
from tsos.db.session import session_scope

pytestmark = pytest.mark.asyncio


class FlakySmev:
    """GetRequest fails `failures` times (no answer), then finds the queue empty."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def get_request(self):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.calls <= self.failures:
            raise SmevUnavailable("connection refused")
        return None


async def test_an_outage_of_smev_is_recorded_as_one_window(database_url) -> None:
    smev = FlakySmev(failures=3)
    exchange = bare_exchange(database_url, lambda: smev, poll_interval=0.01)
    stop = asyncio.Event()
    poller = asyncio.create_task(exchange._poll(stop, 0))
    for _ in range(500):
        if smev.calls > 5:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await poller

    with session_scope(database_url) as session:
        [outage] = session.scalars(select(SmevOutage)).all()
        assert outage.failures == 3 and outage.error == "SmevUnavailable"
        assert outage.ended_at is not None and outage.ended_at >= outage.started_at
    assert exchange.outage_id is None
