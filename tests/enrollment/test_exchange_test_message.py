"""A request with SMEV's TestMessage is answered, and changes nothing (smev.md §1.6, #20)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tests.enrollment.conftest import codes, eventually
from tests.enrollment.payloads import variant
from tsos.db.enrollment import FirstGradeApplication, SmevInboxMessage
from tsos.db.session import session_scope

pytestmark = pytest.mark.asyncio


def _enqueue_test(node: Any, data: bytes) -> dict[str, Any]:
    reply = httpx.post(f"{node.url}/admin/enqueue", content=data,
                       params={"test_message": "true"}, timeout=10)
    reply.raise_for_status()
    return reply.json()


def _applications(database_url: str, order_id: int) -> int:
    with session_scope(database_url) as session:
        return session.scalar(select(func.count()).select_from(FirstGradeApplication)
                              .where(FirstGradeApplication.order_id == order_id)) or 0


async def test_a_test_request_is_answered_and_changes_no_data(
        smev_node, exchange, reference_campaign, database_url) -> None:
    # A test application is answered as a real one would be, but not registered.
    _enqueue_test(smev_node, variant("01-resident", order_id=8501))
    await eventually(lambda: codes(smev_node, 8501) == ["1"] or None)
    # A real application follows, then a test cancel of it.
    smev_node.enqueue(variant("02-sibling-right", order_id=8502))
    await eventually(lambda: codes(smev_node, 8502) == ["1", "311"] or None, timeout=30)
    _enqueue_test(smev_node, variant("09-cancel-request", order_id=8502))
    await eventually(lambda: len(codes(smev_node, 8502)) == 3 or None)
    await asyncio.sleep(2)  # no workflow may answer anything more

    assert _applications(database_url, 8501) == 0
    assert codes(smev_node, 8501) == ["1"]
    cancel = smev_node.responses(8502)[-1]
    assert (cancel["kind"], cancel["code"]) == ("cancelResponse", "REJECTED")
    assert "Тестовый" in cancel["comment"]
    with session_scope(database_url) as session:
        app = session.scalar(select(FirstGradeApplication)
                             .where(FirstGradeApplication.order_id == 8502))
        assert app is not None and app.closed_at is None and app.state != "cancelled"
        tests = list(session.scalars(select(SmevInboxMessage)
                                     .where(SmevInboxMessage.test_message.is_(True))
                                     .order_by(SmevInboxMessage.id)))
        assert [m.outcome.split(":")[:2] for m in tests] == [["test", "registered"],
                                                             ["test", "cancel_not_forwarded"]]

    # The same child filed for real now is registered: the test left no trace to clash.
    smev_node.enqueue(variant("01-resident", order_id=8503))
    await eventually(lambda: codes(smev_node, 8503) == ["1", "311"] or None, timeout=30)
    assert _applications(database_url, 8503) == 1
