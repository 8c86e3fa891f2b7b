"""A message whose intake fails unexpectedly is answered once, and the queue goes on."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import func, select

from tests.enrollment.conftest import codes, eventually
from tests.enrollment.payloads import variant
from tsos.db.enrollment import FirstGradeApplication, SmevInboxMessage, SmevOutboxMessage
from tsos.db.session import session_scope

pytestmark = pytest.mark.asyncio

BOOM = b"<!-- the intake breaks on this one -->"


def _breaking(payload: bytes) -> bytes:
    end = payload.rindex(b"</")
    return payload[:end] + BOOM + payload[end:]


@pytest.fixture
def broken_intake(monkeypatch):  # type: ignore[no-untyped-def]
    import tsos.smev_exchange as exchange_module

    real = exchange_module.process_message

    def process(session, inbox, **kwargs):  # type: ignore[no-untyped-def]
        outcome = real(session, inbox, **kwargs)
        if inbox.payload and BOOM in inbox.payload:
            raise RuntimeError("a bug met in the middle of the intake")
        return outcome

    monkeypatch.setattr(exchange_module, "process_message", process)


async def test_a_failing_message_is_answered_once_and_the_next_is_processed(
        smev_node, broken_intake, exchange, reference_campaign, database_url) -> None:
    # An application of a new order, a cancel, a message without a readable orderId,
    # and a repeat of an order already registered: each fails in the middle.
    smev_node.enqueue(variant("01-resident", order_id=8301))
    await eventually(lambda: codes(smev_node, 8301) == ["1", "311"] or None)
    smev_node.enqueue(_breaking(variant("02-sibling-right", order_id=8302)))
    smev_node.enqueue(_breaking(variant("09-cancel-request", order_id=8301)))
    no_order = re.sub(rb">8303<", b"><", variant("03-first-priority-right", order_id=8303))
    smev_node.enqueue(_breaking(no_order))
    smev_node.enqueue(_breaking(variant("01-resident", order_id=8301)))
    smev_node.enqueue(variant("04-extraordinary-right", order_id=8304))

    await eventually(lambda: codes(smev_node, 8304) == ["1", "311"] or None, timeout=30)
    rejected = await eventually(lambda: [r for r in smev_node.responses()
                                         if r["kind"] == "RequestRejected"]
                                if len([r for r in smev_node.responses()
                                        if r["kind"] == "RequestRejected"]) >= 2 else None)
    await eventually(lambda: codes(smev_node, 8302) or None)
    await asyncio.sleep(2)  # nothing more may come

    answer = smev_node.responses(8302)
    assert [str(r["code"]) for r in answer] == ["332"]
    assert "не удалось обработать" in answer[0]["comment"]
    assert "обратитесь в школу" in answer[0]["comment"]
    cancel = [r for r in smev_node.responses(8301) if r["kind"] == "cancelResponse"]
    assert [r["code"] for r in cancel] == ["REJECTED"]
    assert "не удалось обработать" in cancel[0]["comment"]
    # The registered order keeps its statuses; its failing repeat is refused by itself.
    assert sorted(codes(smev_node, 8301)) == ["1", "311", "FAILURE", "REJECTED"]
    assert len(rejected) == 2 and {r["code"] for r in rejected} == {"FAILURE"}

    with session_scope(database_url) as session:
        failed = list(session.scalars(select(SmevInboxMessage)
                                      .where(SmevInboxMessage.state == "failed")))
        assert len(failed) == 4
        assert all(m.outcome.startswith("failed:answered_") for m in failed)
        assert all(m.error and "RuntimeError" in m.error for m in failed)
        assert session.scalar(select(func.count()).select_from(FirstGradeApplication)
                              .where(FirstGradeApplication.order_id == 8302)) == 0
        answers = session.scalar(select(func.count()).select_from(SmevOutboxMessage).where(
            SmevOutboxMessage.request_message_id.in_([m.message_id for m in failed])))
        assert answers == 4

